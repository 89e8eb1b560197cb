"""Curated answers admin API (secret key): a tenant pins exact answers to questions."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.curated import service as curated_service
from libriassist.curated.schemas import CuratedAnswerIn, CuratedAnswerOut, CuratedAnswerUpdate
from libriassist.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/admin/kb/curated", tags=["knowledge"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[CuratedAnswerOut])
async def list_curated(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[CuratedAnswerOut]:
    rows = await curated_service.list_answers(session, principal.tenant_id, limit, offset)
    return [CuratedAnswerOut.model_validate(r) for r in rows]


@router.post("", response_model=CuratedAnswerOut, status_code=201)
async def create_curated(
    body: CuratedAnswerIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> CuratedAnswerOut:
    """Pin an answer to a question and its paraphrases; the next message sees it."""
    [row] = await curated_service.create_answers(
        session, principal.tenant_id, resources.embedder, [body]
    )
    return CuratedAnswerOut.model_validate(row)


@router.get("/{answer_id}", response_model=CuratedAnswerOut)
async def get_curated(answer_id: str, principal: SecretKey, session: DbSession) -> CuratedAnswerOut:
    row = await curated_service.get_answer(session, principal.tenant_id, answer_id)
    return CuratedAnswerOut.model_validate(row)


@router.patch("/{answer_id}", response_model=CuratedAnswerOut)
async def update_curated(
    answer_id: str,
    changes: CuratedAnswerUpdate,
    principal: SecretKey,
    session: DbSession,
    resources: AppResources,
) -> CuratedAnswerOut:
    row = await curated_service.update_answer(
        session, principal.tenant_id, resources.embedder, answer_id, changes
    )
    return CuratedAnswerOut.model_validate(row)


@router.delete("/{answer_id}", status_code=204)
async def delete_curated(answer_id: str, principal: SecretKey, session: WriteSession) -> Response:
    await curated_service.delete_answer(session, principal.tenant_id, answer_id)
    return Response(status_code=204)
