"""Tenant intents, written by a tenant's admins (admin API, CLI), and message intent
detection for the chat (``detect``).

Vectors are computed before the first write of the transaction, off the event loop, as
for curated answers. Every write moves the tenant's ``kb_revision``, so each worker
trains the tenant's intent model again on its next message.
"""

import asyncio

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder
from libriassist.errors import AppError, NotFound
from libriassist.intents import detection
from libriassist.intents.detection import Detection, IntentRefiner, Vector
from libriassist.intents.examples import embed_examples
from libriassist.intents.matching import IntentCache, example_language
from libriassist.intents.models import TenantIntent, intent_texts
from libriassist.intents.repository import TenantIntentRepository
from libriassist.intents.schemas import IntentIn, IntentUpdate, distinct_examples
from libriassist.kit.ids import new_id
from libriassist.tenants import service as tenants_service

# Bound what every worker spends on one tenant's intents: memory, and the time to train
# the model (about a second at 1,000 examples on one core).
MAX_INTENTS = 200
MAX_EXAMPLES_PER_TENANT = 2000


class IntentNotFound(NotFound):
    code = "intent_not_found"
    message = "No intent with this id."


class IntentNameTaken(AppError):
    status_code = 409
    code = "intent_name_taken"
    message = "This tenant already has an intent with this name."


class TooManyIntents(AppError):
    status_code = 409
    code = "too_many_intents"
    message = (
        f"A tenant may have at most {MAX_INTENTS} intents and "
        f"{MAX_EXAMPLES_PER_TENANT} examples in all."
    )


def embed_texts(embedder: Embedder, texts: list[str]) -> bytes:
    vectors = embed_examples(embedder, texts, [example_language(t) for t in texts])
    return np.ascontiguousarray(vectors, dtype=np.float32).tobytes()


async def detect(
    session: AsyncSession,
    tenant_id: str,
    revision: str,
    text: str,
    language: str,
    embedder: Embedder,
    cache: IntentCache,
    *,
    vector: Vector | None = None,
    refiner: IntentRefiner | None = None,
) -> Detection:
    """The message's intent (built-in or the tenant's own) and entities; ``revision`` is
    the tenant's ``kb_revision`` as read with the tenant row."""
    return await detection.detect(
        session,
        tenant_id,
        revision,
        text,
        language,
        embedder,
        cache,
        vector=vector,
        refiner=refiner,
    )


async def list_intents(
    session: AsyncSession, tenant_id: str, limit: int = 100, offset: int = 0
) -> list[TenantIntent]:
    return await TenantIntentRepository(session, tenant_id).page(limit, offset)


async def get_intent(session: AsyncSession, tenant_id: str, intent_id: str) -> TenantIntent:
    # Another tenant's id is as unknown as an id that never existed.
    row = await TenantIntentRepository(session, tenant_id).get(intent_id)
    if row is None:
        raise IntentNotFound()
    return row


async def create_intents(
    session: AsyncSession, tenant_id: str, embedder: Embedder, items: list[IntentIn]
) -> list[TenantIntent]:
    """All or nothing: the caller's transaction holds every row or none."""
    await tenants_service.get_tenant(session, tenant_id)
    repo = TenantIntentRepository(session, tenant_id)
    existing = await repo.sizes()
    names = {name for name, _ in existing.values()}
    for item in items:
        if item.name in names:
            raise IntentNameTaken(f"This tenant already has an intent named '{item.name}'.")
        names.add(item.name)
    prepared = [(item, distinct_examples(item.examples)) for item in items]
    examples = sum(size for _, size in existing.values()) + sum(len(e) for _, e in prepared)
    if len(names) > MAX_INTENTS or examples > MAX_EXAMPLES_PER_TENANT:
        raise TooManyIntents()
    texts = [intent_texts(item.name, item.description, e) for item, e in prepared]
    blobs = await asyncio.to_thread(lambda: [embed_texts(embedder, t) for t in texts])
    rows = [
        repo.add(
            TenantIntent(
                id=new_id(),
                name=item.name,
                description=item.description,
                examples=examples_,
                enabled=item.enabled,
                embeddings=blob,
                embedding_model=embedder.model_id,
                embedding_dim=embedder.dim,
            )
        )
        for (item, examples_), blob in zip(prepared, blobs, strict=True)
    ]
    await tenants_service.new_kb_revision(session, tenant_id)
    await _flush(session)
    return rows


async def update_intent(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    intent_id: str,
    changes: IntentUpdate,
) -> TenantIntent:
    row = await get_intent(session, tenant_id, intent_id)
    data = changes.model_dump(exclude_unset=True)
    others = {
        key: size
        for key, size in (await TenantIntentRepository(session, tenant_id).sizes()).items()
        if key != row.id
    }
    name = data.get("name", row.name)
    if name in {other for other, _ in others.values()}:
        raise IntentNameTaken(f"This tenant already has an intent named '{name}'.")
    description = data.get("description", row.description)
    examples = distinct_examples(data.get("examples", row.examples))
    total = sum(size for _, size in others.values()) + len(examples)
    if len(examples) > len(row.examples) and total > MAX_EXAMPLES_PER_TENANT:
        raise TooManyIntents()
    texts = intent_texts(name, description, examples)
    blob = None
    if texts != row.texts or row.embedding_model != embedder.model_id:
        blob = await asyncio.to_thread(embed_texts, embedder, texts)
    # Writes start here, once the model has run.
    row.name, row.description, row.examples = name, description, examples
    if "enabled" in data:
        row.enabled = data["enabled"]
    if blob is not None:
        row.embeddings = blob
        row.embedding_model, row.embedding_dim = embedder.model_id, embedder.dim
    await tenants_service.new_kb_revision(session, tenant_id)
    await _flush(session)
    return row


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent write took the name first
        raise IntentNameTaken() from exc


async def delete_intent(session: AsyncSession, tenant_id: str, intent_id: str) -> None:
    if not await TenantIntentRepository(session, tenant_id).remove(intent_id):
        raise IntentNotFound()
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()
