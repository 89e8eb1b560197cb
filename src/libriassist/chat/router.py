from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, Security
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials

from libriassist.api import DbSession, Resources, get_resources
from libriassist.auth.dependencies import AnyKey, api_key_header, resolve_principal
from libriassist.auth.principal import Principal
from libriassist.chat import service as chat_service
from libriassist.chat.answering import ExtractiveWriter, ReplyWriter
from libriassist.chat.orders import OrderAccess
from libriassist.chat.schemas import ChatRequest, ChatResponse, ConversationOut, MessageOut
from libriassist.chat.service import ReplyEvent
from libriassist.errors import ERROR_RESPONSES, AppError
from libriassist.identity.dependencies import OptionalShopper, optional_shopper, shopper_bearer
from libriassist.identity.schemas import Shopper
from libriassist.kit.sse import sse_event
from libriassist.knowledge.schemas import Source
from libriassist.usage_limits.dependencies import (
    ReadRateLimit,
    UsageClock,
    client_address,
    limit_chat,
)
from libriassist.usage_limits.errors import LIMITED_RESPONSES
from libriassist.usage_limits.rates import Window

router = APIRouter(prefix="/api/v1", tags=["chat"], responses=ERROR_RESPONSES)

SessionToken = Annotated[
    str | None,
    Header(alias="X-Session-Token", description="The session token returned with a new session."),
]


class AnswerFailed(AppError):
    status_code = 503
    code = "answer_failed"
    message = "The answer could not be completed. Your message was saved; please try again."


async def get_writer() -> ReplyWriter:
    return ExtractiveWriter()


@dataclass(frozen=True)
class Asker:
    """Who asks, and with what: the key's principal, the visitor's address and rate-limit
    window, the logged-in shopper if any."""

    principal: Principal
    resources: Resources
    ip: str
    rate_limit: Window | None
    shopper: Shopper | None


async def resolve_asker(
    request: Request,
    response: Response,
    api_key: Annotated[str | None, Security(api_key_header)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(shopper_bearer)],
    session_token: SessionToken = None,
) -> Asker:
    """The chat route's dependencies, solved in one: the same functions, called in the
    order the route used to declare them (key, then rate limit, then shopper token).

    FastAPI solves every declared dependency anew on each request, repeats of a shared
    one included: declared one by one, the chat route's were 21 (docs/performance.md).
    The security schemes stay declared for the OpenAPI page."""
    resources = await get_resources(request)
    principal = await resolve_principal(request, resources, api_key)
    ip = client_address(request, resources.settings)
    window = await limit_chat(response, principal, resources, ip, session_token)
    shopper = await optional_shopper(request, principal, resources, _bearer)
    return Asker(principal, resources, ip, window, shopper)


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "JSON, or SSE "
            "(meta, delta…, sources, done | error) with Accept: text/event-stream",
        },
        **LIMITED_RESPONSES,
    },
)
async def chat(
    body: ChatRequest,
    request: Request,
    asker: Annotated[Asker, Depends(resolve_asker)],
    writer: Annotated[ReplyWriter, Depends(get_writer)],
    clock: UsageClock,
    session_token: SessionToken = None,
) -> ChatResponse | StreamingResponse:
    """Ask a question; the answer comes from this tenant's knowledge base, or, for a
    logged-in shopper's order question (`Authorization: Bearer <token>`), from their own
    orders. An invalid or expired token is refused (`401 invalid_user_token`), never
    treated as anonymous."""
    principal, resources, shopper = asker.principal, asker.resources, asker.shopper
    llm = chat_service.LLMAccess(resources.llm_clients, resources.settings, resources.secret_box)
    accepted = await chat_service.accept_message(
        resources.sessionmaker,
        principal.tenant_id,
        body,
        session_token,
        resources.settings.max_message_chars,
        embedder=resources.embedder,
        intent_cache=resources.intent_cache,
        llm=llm,
        quotas=resources.settings,  # counted against the monthly quotas as it is stored
        now=clock(),
        shopper=shopper,
        tenant=principal.tenant,
        cache=principal.settings,
    )
    events = chat_service.reply_events(
        resources.sessionmaker,
        principal.tenant_id,
        accepted,
        embedder=resources.embedder,
        index_cache=resources.index_cache,
        curated_cache=resources.curated_cache,
        search_backend=resources.settings.search_backend,
        writer=writer,
        min_score=resources.settings.min_answer_score,
        min_lift=resources.settings.min_answer_lift,
        curated_min_score=resources.settings.curated_min_score,
        llm=llm,
        orders=OrderAccess(
            shopper=shopper,
            settings=resources.settings,
            secret_box=resources.secret_box,
            http=resources.order_http,
            rate_limits=resources.rate_limits,
            ip=asker.ip,
        ),
    )
    meta = {
        "session_id": accepted.session_id,
        "session_token": accepted.session_token,
        "message_id": accepted.reply_id,
        "intent": accepted.intent,
        "entities": accepted.entities,
        "language": accepted.language,
    }
    if "text/event-stream" in request.headers.get("accept", ""):

        async def stream() -> AsyncIterator[bytes]:
            yield sse_event("meta", meta)
            held = b""
            async for event in events:
                frame = sse_event(event.name, event.data)
                if event.name == "sources":
                    # "done" comes right after: both in one write to the socket.
                    held = frame
                    continue
                yield held + frame
                held = b""
            if held:
                yield held

        rate_headers = asker.rate_limit.headers() if asker.rate_limit else {}
        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", **rate_headers},
        )
    return await _collect(meta, events)


async def _collect(meta: dict[str, Any], events: AsyncIterator[ReplyEvent]) -> ChatResponse:
    text: list[str] = []
    final: dict[str, Any] = {}
    sources: list[dict[str, Any]] = []
    async for event in events:
        if event.name == "delta":
            text.append(event.data["text"])
        elif event.name == "sources":
            sources = event.data["sources"]
        elif event.name == "done":
            final = event.data
        elif event.name == "error":
            # The message is saved: say where, so the client can continue that conversation.
            keep = ("session_id", "session_token", "message_id")
            raise AnswerFailed(details={k: meta[k] for k in keep})
    return ChatResponse(
        **meta,
        answer="".join(text),
        sources=[Source.model_validate(s) for s in sources],
        answered_from_kb=final["answered_from_kb"],
        model=final["model"],
        usage=final["usage"],
        latency_ms=final["latency_ms"],
        first_token_ms=final["first_token_ms"],
    )


@router.get(
    "/conversations/{session_id}", response_model=ConversationOut, responses=LIMITED_RESPONSES
)
async def get_conversation(
    session_id: str,
    _: ReadRateLimit,
    principal: AnyKey,
    session: DbSession,
    shopper: OptionalShopper,
    session_token: SessionToken = None,
) -> ConversationOut:
    """A session's history. Needs the session token, not only the id; a logged-in
    shopper's conversation also needs that shopper's token."""
    conversation, messages = await chat_service.get_conversation(
        session, principal.tenant_id, session_id, session_token, shopper
    )
    return ConversationOut(
        session_id=conversation.id,
        language=conversation.language,
        created_at=conversation.created_at,
        messages=[MessageOut.model_validate(m) for m in messages],
    )
