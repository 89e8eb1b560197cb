"""Conversations: accept a visitor message, stream the reply, read the history.

The visitor's message is committed before any answering starts, so a failure later (the
writer, the network, the client leaving) can never lose it. The reply row is created at
the same time with status ``streaming`` and closed as ``complete``, ``failed`` or
``interrupted`` with whatever was produced.
"""

import hmac
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.ai.llm import LLMClients, LLMConfig, LLMInterrupted
from libriassist.ai.query_cache import Vector
from libriassist.chat import replies
from libriassist.chat.answering import ReplyPlan, ReplyWriter, is_confident, plan_reply
from libriassist.chat.generation import GroundedWriter, Turn, WriterReport
from libriassist.chat.models import Conversation, Message
from libriassist.chat.orders import OrderAccess, is_order_question, order_reply
from libriassist.chat.repository import ConversationRepository, MessageRepository
from libriassist.chat.schemas import ChatRequest
from libriassist.config import Settings
from libriassist.curated.matching import CuratedCache, CuratedMatch, load_pins
from libriassist.customers import service as customers_service
from libriassist.db import engine_of, session_scope, utcnow, write_scope
from libriassist.errors import AppError, ConversationNotFound, MessageTooLong, TenantNotFound
from libriassist.identity.schemas import Shopper
from libriassist.intents import rules
from libriassist.intents import service as intents_service
from libriassist.intents.matching import IntentCache
from libriassist.kit.direct_sql import write_in_one_trip
from libriassist.kit.ids import hash_secret, new_id, new_secret
from libriassist.kit.language import detect_language
from libriassist.kit.repository import Executor
from libriassist.kit.secrets import SecretBox, SecretUnreadable
from libriassist.kit.settings_cache import NO_CACHE, SettingsView
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.index import IndexCache
from libriassist.knowledge.retrieval import SearchBackend
from libriassist.knowledge.schemas import SearchHit
from libriassist.llm_config import service as llm_service
from libriassist.platform.service import PLATFORM_KB_ID
from libriassist.tenants import personas
from libriassist.tenants import service as tenants_service
from libriassist.tenants.models import Tenant
from libriassist.usage_limits import service as usage_service

log = logging.getLogger("libriassist.chat")

SEARCH_LIMIT = 5


class EmptyMessage(AppError):
    status_code = 422
    code = "empty_message"
    message = "The message is empty."


@dataclass(frozen=True)
class Accepted:
    """A stored visitor message, and what its reply needs that was read with it."""

    session_id: str
    session_token: str | None
    reply_id: str
    visitor_message_id: str
    question: str
    language: str
    intent: str
    started: float
    tenant: Tenant  # as read when the message was accepted (detached)
    entities: dict[str, list[str]] = field(default_factory=dict)
    history: list[Turn] = field(default_factory=list)
    model: LLMConfig | None = None
    llm_error: str | None = None
    usage_period: str | None = None  # the month the message was counted in, if counted
    # A yes to the "I do not know" reply's offer of a person: a handoff with nothing to
    # search ("oui" found a FAQ answer that starts with "Oui").
    yes_to_offer: bool = False
    # A yes to a question the model asked ("Voulez-vous les étapes ?" "oui merci"): the
    # model goes on, from what the visitor's previous question finds.
    yes_to_model: bool = False
    # The question as the intent detection embedded it (the search reuses it).
    vector: Vector | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReplyEvent:
    name: str  # delta | sources | done | error
    data: dict[str, Any]


def _clean_message(text: str, max_chars: int) -> str:
    text = text.replace("\x00", "").strip()
    if not text:
        raise EmptyMessage()
    if len(text) > max_chars:
        raise MessageTooLong(f"The message is longer than {max_chars} characters.")
    return text


async def _conversation_for(
    session: AsyncSession,
    tenant_id: str,
    session_id: str,
    token: str | None,
    shopper: Shopper | None = None,
) -> Conversation:
    conversation = await ConversationRepository(session, tenant_id).get(session_id)
    # Unknown id, another tenant's id and a wrong token all look the same from outside.
    if conversation is None or not token:
        raise ConversationNotFound()
    if not hmac.compare_digest(hash_secret(token), conversation.token_hash):
        raise ConversationNotFound()
    if conversation.customer_id is not None and (
        shopper is None or shopper.customer_id != conversation.customer_id
    ):
        # A logged-in shopper's conversation may show their orders: on a shared computer
        # the next visitor (logged out, or someone else) starts a conversation of their own.
        raise ConversationNotFound()
    return conversation


async def accept_message(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    request: ChatRequest,
    session_token: str | None,
    max_chars: int,
    *,
    embedder: Embedder,
    intent_cache: IntentCache,
    llm: "LLMAccess | None" = None,
    quotas: Settings | None = None,
    now: datetime | None = None,
    shopper: Shopper | None = None,
    tenant: Tenant | None = None,
    cache: SettingsView = NO_CACHE,
) -> Accepted:
    """Store the visitor's message and an empty reply row. Everything the reply needs
    from the database is read here too, so a reply from warm caches touches the database
    only to close its row. With ``quotas`` (the settings holding the platform's), the
    message is counted against the tenant's monthly quotas in the transaction that
    stores it: over quota, ``QuotaExceeded`` and nothing is stored. ``tenant``: the row
    when this request already read it. ``cache``: where the tenant, its model settings
    and quotas may be read from (kit/settings_cache.py)."""
    started = time.perf_counter()
    question = _clean_message(request.message, max_chars)
    # Reads first, in a plain transaction; then one short write transaction. (Reading
    # inside the write would hold SQLite's only write lock while the intent is embedded.)
    async with session_scope(maker) as session:
        if tenant is None:
            tenant = await tenants_service.cached_tenant(session, tenant_id, cache)
        conversation = None
        history: list[Turn] = []
        if request.session_id:
            conversation = await _conversation_for(
                session, tenant_id, request.session_id, session_token, shopper
            )
            history = await _history(session, tenant_id, conversation.id)
        model, llm_error = await _model_for(session, tenant_id, llm, cache)
        # A prior, not a rule: a clear message in another language overrides it. The
        # language the visitor last wrote in beats the page's (which the widget sends
        # with every message), so "ok" after an English question stays English.
        hint = (conversation and conversation.language) or request.language
        language = detect_language(question, default=hint or tenant.default_language)
        detected = await intents_service.detect(
            session, tenant_id, tenant.kb_revision, question, language, embedder, intent_cache
        )
        caps = None
        if quotas is not None:
            caps = await usage_service.effective_quotas(session, tenant_id, quotas, cache)
    intent, entities = detected.intent, detected.entities.as_dict()
    # A yes answers the assistant's last reply only when that reply asked something: the
    # offer of a person, or a question of the model's (with a model still configured).
    offered = _offered_a_person(history)
    asked = not offered and model is not None and _model_asked(history)
    says_yes = (offered or asked) and rules.accepts_offer(question)
    yes_to_offer, yes_to_model = says_yes and offered, says_yes and asked
    if yes_to_offer:
        # "oui" to "would you like me to put you in touch with our team?" asks for a
        # person; searched alone, it only drew the same offer again.
        intent = "human_handoff"
    elif yes_to_model:
        # Not thanks closing the exchange ("oui merci" alone is): an answer to the model.
        intent = "general_question"
    new_token = None if conversation else new_secret("st_")
    session_id = conversation.id if conversation else new_id()
    visitor_id, reply_id = new_id(), new_id()
    customer_id = shopper.customer_id if shopper else None

    async def store(executor: Executor) -> str | None:
        """The write transaction's statements; the usage period the message counts in."""
        period = None
        if caps is not None:
            period = await usage_service.count_message(
                executor, tenant_id, caps, new_session=new_token is not None, now=now
            )
        conversations = ConversationRepository(executor, tenant_id)
        if new_token is not None:
            await conversations.insert_rows(
                [
                    {
                        "id": session_id,
                        "token_hash": hash_secret(new_token),
                        "language": language,
                        "customer_id": customer_id,
                    }
                ]
            )
        elif not await conversations.touch(session_id, language, utcnow(), customer_id):
            raise ConversationNotFound()  # deleted since it was read
        # One INSERT for both rows (they name the same columns).
        common = {"conversation_id": session_id, "language": language, "intent": intent}
        await MessageRepository(executor, tenant_id).insert_rows(
            [
                {
                    **common,
                    "id": visitor_id,
                    "role": "visitor",
                    "content": question,
                    "status": "complete",
                    "entities": entities,
                },
                {
                    **common,
                    "id": reply_id,
                    "role": "assistant",
                    "content": "",
                    "status": "streaming",
                    "entities": None,
                },
            ]
        )
        return period

    if shopper is None:
        # Core statements only: on the driver's connection, in one trip (kit/direct_sql.py).
        period = await write_in_one_trip(engine_of(maker), store)
    else:
        async with write_scope(maker) as session:
            period = await store(session)
            # A conversation begun anonymously becomes the shopper's when they log in.
            first = conversation is None or conversation.customer_id is None
            await customers_service.record_visit(
                session, tenant_id, shopper, language, new_session=first
            )
    return Accepted(
        session_id=session_id,
        session_token=new_token,
        reply_id=reply_id,
        visitor_message_id=visitor_id,
        question=question,
        language=language,
        intent=intent,
        started=started,
        tenant=tenant,
        entities=entities,
        history=history,
        model=model,
        llm_error=llm_error,
        usage_period=period,
        yes_to_offer=yes_to_offer,
        yes_to_model=yes_to_model,
        vector=detected.vector,
    )


async def reply_events(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    accepted: Accepted,
    *,
    embedder: Embedder,
    index_cache: IndexCache,
    curated_cache: CuratedCache,
    search_backend: SearchBackend = "memory",
    writer: ReplyWriter,
    min_score: float,
    min_lift: float,
    curated_min_score: float,
    llm: "LLMAccess | None" = None,
    orders: OrderAccess | None = None,
) -> AsyncIterator[ReplyEvent]:
    """The reply as events. Whatever happens, the reply row ends in a final state, and
    ``done`` is only sent once that state is stored.

    ``writer`` writes without a model (and whenever the model cannot start); with ``llm``
    and a model configured for the tenant, confident knowledge matches are written by it.
    With ``orders``, an order question is answered from the shopper's own orders (never
    by the model: order data is given as it is).
    """
    outcome = _Outcome(llm_error=accepted.llm_error)
    tenant, history = accepted.tenant, accepted.history
    config = accepted.model if llm is not None else None

    # A yes says nothing to search: the model's question followed the visitor's last one,
    # searched as it was then (a follow-up with the conversation before it).
    query, before = accepted.question, history
    if accepted.yes_to_model and (previous := _previous_question(history)) is not None:
        query, before = history[previous].content, history[:previous]

    async def knowledge_plan() -> ReplyPlan:
        # Warm caches make this session issue no statement (it then never connects).
        async with session_scope(maker) as session:
            curated: CuratedMatch | None = None
            # An explicit request for a person is never answered by a curated answer.
            if accepted.intent != "human_handoff":
                pins = await load_pins(
                    session, tenant_id, tenant.kb_revision, embedder, curated_cache
                )
                curated = pins.exact(query, accepted.language)
                if curated is None and len(pins):
                    # As written, like the pinned questions it is calibrated against.
                    vector = await embed_query(embedder, query)
                    curated = pins.closest(vector, accepted.language, curated_min_score)
            hits = []
            searched = accepted.intent != "greeting" and not accepted.yes_to_offer
            if curated is None and searched:
                # Search embeds the question for its language (Darija: with its MSA
                # rewrite); the vector as written comes from the query cache.
                hits = await knowledge_service.search(
                    session,
                    tenant_id,
                    embedder,
                    index_cache,
                    query,
                    accepted.language,
                    SEARCH_LIMIT,
                    backend=search_backend,
                    revision=tenant.kb_revision,
                    vector=accepted.vector if query is accepted.question else None,
                )
                follow_up = expand_follow_up(query, before)
                if follow_up and not any(is_confident(h, hits, min_score, min_lift) for h in hits):
                    # "and to Belgium?" means little alone: search it with the question
                    # it follows. Only the visitor's own words; replies never feed search.
                    expanded = await knowledge_service.search(
                        session,
                        tenant_id,
                        embedder,
                        index_cache,
                        follow_up,
                        accepted.language,
                        SEARCH_LIMIT,
                        backend=search_backend,
                        revision=tenant.kb_revision,
                    )
                    hits = _follow_up_hits(hits, expanded, min_score, min_lift) or hits
        plan = plan_reply(
            intent=accepted.intent,
            language=accepted.language,
            hits=hits,
            min_score=min_score,
            min_lift=min_lift,
            tenant_name=tenant.name,
            greetings=tenants_service.greetings(tenant),
            curated=curated,
            default_language=tenant.default_language,
            closing=rules.closing(accepted.question) if accepted.intent == "greeting" else None,
        )
        if plan.mode == "no_answer" and tenant.use_platform_kb:
            plan = await _from_platform_kb(
                maker,
                embedder,
                index_cache,
                accepted,
                query,
                plan,
                min_score,
                min_lift,
                tenant,
                search_backend,
            )
        return plan

    try:
        order = None
        if orders is not None and is_order_question(accepted.intent, accepted.entities):
            numbers = accepted.entities.get("order_numbers", [])
            order = await order_reply(
                maker,
                tenant_id,
                accepted.session_id,
                numbers,
                accepted.language,
                orders,
                replies.reply_language(accepted.language, accepted.question),
            )
        if order is not None:
            plan = ReplyPlan("order", accepted.language, accepted.intent, tenant.name)
            plan.fixed = order.text
            outcome.orders_consulted = order.orders_consulted
        else:
            plan = await knowledge_plan()
        outcome.curated_answer_id = plan.curated_answer_id
        outcome.sources = [s.model_dump() for s in plan.sources]
        outcome.answered_from_kb = plan.answered_from_kb
        if config is not None and llm is not None:
            persona = persona_prompt(tenant, accepted.language)
            writer = GroundedWriter(llm.clients, config, persona, history, fallback=writer)
        outcome.report = getattr(writer, "report", None)
        async for piece in writer.write(plan, accepted.question):
            if outcome.first_token_ms is None:
                outcome.first_token_ms = _ms_since(accepted.started)
            outcome.produced.append(piece)
            yield ReplyEvent("delta", {"text": piece})
        if outcome.report is not None and outcome.report.context:
            # The model was given these passages, numbered by source as [1], [2]...: the
            # sources, in that order.
            outcome.sources = [s.model_dump() for s in plan.sources_of(outcome.report.context)]
        outcome.status = "complete"
        await _close_reply(maker, tenant_id, accepted, outcome)
        yield ReplyEvent("sources", {"sources": outcome.sources})
        yield ReplyEvent(
            "done",
            {
                "message_id": accepted.reply_id,
                "answered_from_kb": outcome.answered_from_kb,
                "model": outcome.model,
                "usage": outcome.usage,
                "latency_ms": _ms_since(accepted.started),
                "first_token_ms": outcome.first_token_ms,
            },
        )
    except LLMInterrupted as exc:
        log.warning(
            "model reply broke off",
            extra={"tenant_id": tenant_id, "message_id": accepted.reply_id, "code": exc.code},
        )
        outcome.status, outcome.error_code = "failed", "answer_interrupted"
        outcome.llm_error = exc.code
        yield ReplyEvent(
            "error",
            {
                "code": "answer_interrupted",
                "message": replies.text(
                    replies.ANSWER_INTERRUPTED,
                    replies.reply_language(accepted.language, accepted.question),
                ),
            },
        )
    except Exception:
        log.exception(
            "reply failed", extra={"tenant_id": tenant_id, "message_id": accepted.reply_id}
        )
        if not outcome.closed:
            outcome.status, outcome.error_code = "failed", "answer_failed"
        yield ReplyEvent(
            "error",
            {
                "code": "answer_failed",
                "message": replies.text(
                    replies.ANSWER_FAILED,
                    replies.reply_language(accepted.language, accepted.question),
                ),
            },
        )
    finally:
        if not outcome.closed:
            # Failure or client disconnect: record what was produced. Shielded, so a
            # cancelled request still gets its row closed.
            with anyio.CancelScope(shield=True):
                try:
                    await _close_reply(maker, tenant_id, accepted, outcome)
                except Exception:
                    log.exception("could not record reply", extra={"message_id": accepted.reply_id})


async def _from_platform_kb(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    index_cache: IndexCache,
    accepted: Accepted,
    query: str,
    plan: ReplyPlan,
    min_score: float,
    min_lift: float,
    tenant: Tenant,
    search_backend: SearchBackend,
) -> ReplyPlan:
    """The last step of the fallback order: the shared platform knowledge base, for a
    tenant that opted in and whose own knowledge has no confident match."""
    async with maker() as session:
        try:
            hits = await knowledge_service.search(
                session,
                PLATFORM_KB_ID,
                embedder,
                index_cache,
                query,
                accepted.language,
                SEARCH_LIMIT,
                backend=search_backend,
            )
        except TenantNotFound:  # the operator has not created a platform knowledge base
            return plan
    fallback = plan_reply(
        intent=accepted.intent,
        language=accepted.language,
        hits=hits,
        min_score=min_score,
        min_lift=min_lift,
        tenant_name=tenant.name,
        greetings=tenant.greetings,
        default_language=tenant.default_language,
    )
    if fallback.mode != "answer":
        return plan
    fallback.knowledge_base = "platform"
    return fallback


@dataclass
class _Outcome:
    """What a reply produced so far, and how it ended."""

    produced: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    answered_from_kb: bool = False
    curated_answer_id: str | None = None
    orders_consulted: int = 0
    first_token_ms: int | None = None
    status: str = "interrupted"
    error_code: str | None = None
    llm_error: str | None = None
    report: WriterReport | None = None
    closed: bool = False

    @property
    def model(self) -> str:
        return self.report.model if self.report else "extractive"

    @property
    def usage(self) -> dict[str, Any] | None:
        usage = self.report.usage if self.report else None
        if usage is None:
            return None
        return {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "estimated": usage.estimated,
        }


async def _close_reply(
    maker: async_sessionmaker[AsyncSession], tenant_id: str, accepted: Accepted, outcome: _Outcome
) -> None:
    usage = outcome.usage or {}
    values: dict[str, Any] = {
        "content": "".join(outcome.produced),
        "status": outcome.status,
        "error_code": outcome.error_code,
        "sources": outcome.sources,
        "answered_from_kb": outcome.answered_from_kb,
        "curated_answer_id": outcome.curated_answer_id,
        "orders_consulted": outcome.orders_consulted,
        "first_token_ms": outcome.first_token_ms,
        "model": outcome.model,
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
        "usage_estimated": bool(usage.get("estimated", False)),
        "llm_error": outcome.llm_error or (outcome.report.llm_error if outcome.report else None),
        "latency_ms": _ms_since(accepted.started),
        "completed_at": utcnow(),
    }
    # One UPDATE, no read: the write lock is held for as short a time as possible. No row
    # (the tenant or the conversation was deleted meanwhile) is not an error.
    tokens = (values["prompt_tokens"] or 0) + (values["completion_tokens"] or 0)

    async def close(executor: Executor) -> None:
        await MessageRepository(executor, tenant_id).close_reply(accepted.reply_id, values)
        if accepted.usage_period is not None:
            # Counted with the reply, even one cut off: the model was paid for it.
            await usage_service.record_tokens(
                executor, tenant_id, tokens, period=accepted.usage_period
            )

    await write_in_one_trip(engine_of(maker), close)
    outcome.closed = True


@dataclass(frozen=True)
class LLMAccess:
    """What replies need to reach chat models: the process's clients (pools, breakers),
    the settings (platform default model) and the key that opens tenants' API keys."""

    clients: LLMClients
    settings: Settings
    secret_box: SecretBox


async def _model_for(
    session: AsyncSession, tenant_id: str, llm: LLMAccess | None, cache: SettingsView
) -> tuple[LLMConfig | None, str | None]:
    if llm is None:
        return None, None
    try:
        config = await cache.get(
            "llm_config",
            tenant_id,
            lambda: llm_service.config_for(session, tenant_id, llm.settings, llm.secret_box),
        )
        return config, None
    except SecretUnreadable:
        log.error("tenant API key unreadable with the configured secret key(s)")
        return None, "llm_key_unreadable"


def persona_prompt(tenant: Tenant, language: str) -> str:
    """The tenant's persona (catalog prompt with its overrides, or its own prompt). The
    generation rules follow it in every case: a tenant can change who the assistant is,
    not what it may say."""
    return personas.system_prompt(tenant, language)


async def _history(session: AsyncSession, tenant_id: str, conversation_id: str) -> list[Turn]:
    """The conversation so far (read before the new message is stored): complete turns."""
    rows = await MessageRepository(session, tenant_id).recent(conversation_id, 12)
    return [
        Turn(
            m.role,
            m.content,
            by_model=m.role == "assistant" and m.model not in (None, "extractive"),
        )
        for m in rows
        if m.status == "complete" and m.content
    ]


def _offered_a_person(history: list[Turn]) -> bool:
    """The assistant's last reply was "I do not know" with its offer of a person."""
    return (
        bool(history)
        and history[-1].role == "assistant"
        and (history[-1].content in replies.OFFERS_A_PERSON)
    )


def _model_asked(history: list[Turn]) -> bool:
    """The assistant's last reply was the model's, and ended on a question to the visitor
    ("Voulez-vous que je vous détaille les étapes ?")."""
    if not history or history[-1].role != "assistant" or not history[-1].by_model:
        return False
    last = _TRAILING_CITATIONS.sub("", history[-1].content.rstrip())
    return last.rstrip().endswith(("?", "؟"))


_TRAILING_CITATIONS = re.compile(r"(?:\[\d+\]\s*)+$")


def _previous_question(history: list[Turn]) -> int | None:
    """Where the visitor's last question is in ``history``: the last visitor turn that
    is not only a yes, thanks or a greeting (a second yes to the model follows a first)."""
    for at in range(len(history) - 1, -1, -1):
        turn = history[at]
        if turn.role == "visitor" and not (
            rules.accepts_offer(turn.content) or rules.is_social(turn.content)
        ):
            return at
    return None


_FOLLOW_UP_START = re.compile(
    r"^(and|what about|how about|et|mais|pour|y|pero|e|و|واش|وبالنسبة|وماذا|w|o)\b",
    re.IGNORECASE,
)


def _follow_up_hits(
    alone: list[SearchHit], expanded: list[SearchHit], min_score: float, min_lift: float
) -> list[SearchHit] | None:
    """The joined question's hits, led by the passage to answer with, or None.

    That passage must be one the joined question matches confidently and one the message
    alone already leaned towards: its own best hit, or one it cannot tell from its best
    (closer than ``min_lift``: a near tie says nothing about which way it leans). Of
    those, the one the message alone scores highest. So "and for returns?" after a
    delivery question does not get the delivery answer again because the previous
    question weighs more, and "and for Belgium?" after one gets the Belgium entry the
    message alone found first, even when the joined question ranks the general delivery
    entry above it."""
    if not alone or not expanded:
        return None
    alone_scores = {h.chunk_id: h.score for h in alone}
    top = alone[0].score
    leaned = [
        h
        for h in expanded
        if h.chunk_id in alone_scores
        and top - alone_scores[h.chunk_id] < min_lift
        and is_confident(h, expanded, min_score, min_lift)
    ]
    if not leaned:
        return None
    chosen = max(leaned, key=lambda h: alone_scores[h.chunk_id])
    return [chosen, *[h for h in expanded if h is not chosen]]


def expand_follow_up(question: str, history: list[Turn]) -> str | None:
    """The question joined to the visitor's previous one, when it reads like a follow-up
    (short, or opening like "and…"/"et pour…"); None otherwise."""
    previous = next((t.content for t in reversed(history) if t.role == "visitor"), None)
    if previous is None:
        return None
    if len(question.split()) > 6 and not _FOLLOW_UP_START.match(question.strip()):
        return None
    return f"{previous} {question}"


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def get_conversation(
    session: AsyncSession,
    tenant_id: str,
    session_id: str,
    token: str | None,
    shopper: Shopper | None = None,
) -> tuple[Conversation, list[Message]]:
    conversation = await _conversation_for(session, tenant_id, session_id, token, shopper)
    messages = await MessageRepository(session, tenant_id).of_conversation(conversation.id)
    return conversation, messages
