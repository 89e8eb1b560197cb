"""Curated answers, written by a tenant's admins (admin API, CLI) and by nobody else.

Vectors are computed before the first write of the transaction, off the event loop: the
model never runs while the transaction holds a write lock (SQLite has a single writer).
Every write moves the tenant's ``kb_revision``, so each worker reloads the tenant's
curated answers on its next message.
"""

import asyncio

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder
from libriassist.curated.models import CuratedAnswer
from libriassist.curated.repository import CuratedAnswerRepository
from libriassist.curated.schemas import (
    CuratedAnswerIn,
    CuratedAnswerUpdate,
    distinct_paraphrases,
)
from libriassist.errors import AppError, NotFound
from libriassist.kit.ids import new_id
from libriassist.kit.language import detect_language
from libriassist.tenants import service as tenants_service

# Bounds the memory every worker spends on one tenant's curated vectors.
MAX_PER_TENANT = 500


class CuratedAnswerNotFound(NotFound):
    code = "curated_answer_not_found"
    message = "No curated answer with this id."


class TooManyCuratedAnswers(AppError):
    status_code = 409
    code = "too_many_curated_answers"
    message = f"A tenant may have at most {MAX_PER_TENANT} curated answers."


def embed_texts(embedder: Embedder, texts: list[str]) -> bytes:
    """Question-to-question comparison is symmetric: both sides are embedded as queries."""
    vectors = np.ascontiguousarray(embedder.embed_queries(texts), dtype=np.float32)
    return vectors.tobytes()


async def list_answers(
    session: AsyncSession, tenant_id: str, limit: int = 100, offset: int = 0
) -> list[CuratedAnswer]:
    return await CuratedAnswerRepository(session, tenant_id).page(limit, offset)


async def get_answer(session: AsyncSession, tenant_id: str, answer_id: str) -> CuratedAnswer:
    # Another tenant's id is as unknown as an id that never existed.
    row = await CuratedAnswerRepository(session, tenant_id).get(answer_id)
    if row is None:
        raise CuratedAnswerNotFound()
    return row


async def create_answers(
    session: AsyncSession, tenant_id: str, embedder: Embedder, items: list[CuratedAnswerIn]
) -> list[CuratedAnswer]:
    """All or nothing: the caller's transaction holds every row or none."""
    tenant = await tenants_service.get_tenant(session, tenant_id)
    repo = CuratedAnswerRepository(session, tenant_id)
    if await repo.count() + len(items) > MAX_PER_TENANT:
        raise TooManyCuratedAnswers()
    prepared = []
    for item in items:
        paraphrases = distinct_paraphrases(item.question, item.paraphrases)
        language = item.language or detect_language(item.question, tenant.default_language)
        prepared.append((item, paraphrases, language))
    texts = [[item.question, *paraphrases] for item, paraphrases, _ in prepared]
    blobs = await asyncio.to_thread(lambda: [embed_texts(embedder, t) for t in texts])
    rows = []
    for (item, paraphrases, language), blob in zip(prepared, blobs, strict=True):
        rows.append(
            repo.add(
                CuratedAnswer(
                    id=new_id(),
                    question=item.question,
                    paraphrases=paraphrases,
                    answer=item.answer,
                    language=language,
                    url=item.url,
                    enabled=item.enabled,
                    embeddings=blob,
                    embedding_model=embedder.model_id,
                    embedding_dim=embedder.dim,
                )
            )
        )
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()
    return rows


async def update_answer(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    answer_id: str,
    changes: CuratedAnswerUpdate,
) -> CuratedAnswer:
    row = await get_answer(session, tenant_id, answer_id)
    data = changes.model_dump(exclude_unset=True)
    question = data.get("question", row.question)
    paraphrases = distinct_paraphrases(question, data.get("paraphrases", row.paraphrases))
    language = data.get("language", row.language)
    if language is None:
        tenant = await tenants_service.get_tenant(session, tenant_id)
        language = detect_language(question, tenant.default_language)
    texts = [question, *paraphrases]
    blob = None
    if texts != row.texts or row.embedding_model != embedder.model_id:
        blob = await asyncio.to_thread(embed_texts, embedder, texts)
    # Writes start here, once the model has run.
    row.question, row.paraphrases, row.language = question, paraphrases, language
    for field in ("answer", "url", "enabled"):
        if field in data:
            setattr(row, field, data[field])
    if blob is not None:
        row.embeddings = blob
        row.embedding_model, row.embedding_dim = embedder.model_id, embedder.dim
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()
    return row


async def delete_answer(session: AsyncSession, tenant_id: str, answer_id: str) -> None:
    if not await CuratedAnswerRepository(session, tenant_id).remove(answer_id):
        raise CuratedAnswerNotFound()
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()
