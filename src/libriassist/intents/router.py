"""Tenant intents admin API (secret key): a tenant names the requests it cares about and
gives example phrases; the chat then labels matching messages with that name."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.intents import service as intents_service
from libriassist.intents.schemas import IntentIn, IntentOut, IntentUpdate

router = APIRouter(prefix="/api/v1/admin/intents", tags=["intents"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[IntentOut])
async def list_intents(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[IntentOut]:
    rows = await intents_service.list_intents(session, principal.tenant_id, limit, offset)
    return [IntentOut.model_validate(r) for r in rows]


@router.post("", response_model=IntentOut, status_code=201)
async def create_intent(
    body: IntentIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> IntentOut:
    """Add an intent; the next message is classified with it."""
    [row] = await intents_service.create_intents(
        session, principal.tenant_id, resources.embedder, [body]
    )
    return IntentOut.model_validate(row)


@router.get("/{intent_id}", response_model=IntentOut)
async def get_intent(intent_id: str, principal: SecretKey, session: DbSession) -> IntentOut:
    row = await intents_service.get_intent(session, principal.tenant_id, intent_id)
    return IntentOut.model_validate(row)


@router.patch("/{intent_id}", response_model=IntentOut)
async def update_intent(
    intent_id: str,
    changes: IntentUpdate,
    principal: SecretKey,
    session: DbSession,
    resources: AppResources,
) -> IntentOut:
    row = await intents_service.update_intent(
        session, principal.tenant_id, resources.embedder, intent_id, changes
    )
    return IntentOut.model_validate(row)


@router.delete("/{intent_id}", status_code=204)
async def delete_intent(intent_id: str, principal: SecretKey, session: WriteSession) -> Response:
    await intents_service.delete_intent(session, principal.tenant_id, intent_id)
    return Response(status_code=204)
