"""Ingestion into, and retrieval from, one tenant's knowledge base."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.errors import NotFound
from libriassist.kit.language import detect_language
from libriassist.knowledge import background, pgvector_search
from libriassist.knowledge.index import ChunkTable, IndexCache, IndexedChunk, TenantIndex
from libriassist.knowledge.ingestion import (
    ingest_documents,
    ingest_path,
    ingest_url,
    sync_source,
)
from libriassist.knowledge.lexical import LexicalIndex
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument
from libriassist.knowledge.repository import ChunkRepository, DocumentRepository
from libriassist.knowledge.retrieval import Mode, SearchBackend
from libriassist.knowledge.schemas import SearchHit
from libriassist.tenants import service as tenants_service

__all__ = [
    "delete_document",
    "ingest_documents",
    "ingest_path",
    "ingest_url",
    "list_documents",
    "load_index",
    "search",
    "show_document",
    "sync_source",
]

log = logging.getLogger("libriassist.knowledge")


async def list_documents(
    session: AsyncSession, tenant_id: str, limit: int = 100, offset: int = 0
) -> list[KnowledgeDocument]:
    return await DocumentRepository(session, tenant_id).list(limit, offset)


async def show_document(
    session: AsyncSession, tenant_id: str, document_id: str
) -> tuple[KnowledgeDocument, list[KnowledgeChunk]]:
    document = await DocumentRepository(session, tenant_id).get(document_id)
    if document is None:
        raise NotFound("No such document.")
    chunks = await ChunkRepository(session, tenant_id).of_document(document_id)
    return document, sorted(chunks, key=lambda c: c.ordinal)


async def delete_document(session: AsyncSession, tenant_id: str, document_id: str) -> None:
    # Chunks go with their document (ON DELETE CASCADE).
    if not await DocumentRepository(session, tenant_id).remove(document_id):
        raise NotFound("No such document.")
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()


async def load_index(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    cache: IndexCache,
    revision: str | None = None,
) -> TenantIndex:
    """The tenant's index at ``revision`` (read now when the caller has not read it)."""
    version = revision or await tenants_service.current_kb_revision(session, tenant_id)
    index = cache.get(tenant_id, version)
    if index is not None:
        return index
    async with cache.lock(tenant_id):
        index = cache.get(tenant_id, version)
        if index is not None:
            return index
        rows = await ChunkRepository(session, tenant_id).all_for_index(embedder.model_id)
        # Off the event loop: for 10k chunks, 70-100 ms during which no reply would move.
        index = await asyncio.to_thread(_build_index, version, rows, embedder.dim)
        cache.put(tenant_id, index)
        log.info("knowledge index loaded", extra={"tenant_id": tenant_id, "chunks": len(rows)})
        return index


def _build_index(version: str, rows: list[Row[Any]], dim: int) -> TenantIndex:
    size = dim * 4  # float32
    if any(len(row.embedding) != size for row in rows):
        raise ValueError(f"a stored embedding is not {dim} float32 values")
    matrix = np.frombuffer(b"".join(row.embedding for row in rows), dtype=np.float32)
    chunks = [_indexed_chunk(row) for row in rows]
    lexical = LexicalIndex(
        [" ".join(filter(None, (c.title, c.question, c.text))) for c in chunks],
        [c.language for c in chunks],
    )
    return TenantIndex(
        version=version,
        chunks=ChunkTable(chunks),
        matrix=matrix.reshape(len(rows), dim),
        lexical=lexical,
    )


def _indexed_chunk(row: Row[Any]) -> IndexedChunk:
    return IndexedChunk(
        chunk_id=row.id,
        document_id=row.document_id,
        kind=row.kind,
        title=row.title,
        question=row.question,
        text=row.text,
        language=row.language,
        url=row.url,
        source_uri=row.source_uri,
    )


async def search(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    cache: IndexCache,
    query: str,
    language: str | None,
    limit: int = 5,
    mode: Mode = "hybrid",
    backend: SearchBackend = "memory",
    revision: str | None = None,
    vector: npt.NDArray[np.float32] | None = None,
) -> list[SearchHit]:
    """The tenant's best chunks for ``query``. Cross-lingual matches count: a Darija
    question may find a French entry through the dense ranking.

    ``backend`` is ``LIBRIASSIST_SEARCH_BACKEND``: ``memory`` ranks an index this process
    holds per tenant; ``pgvector`` asks PostgreSQL for candidates and keeps nothing per
    tenant. Both rank with ``retrieval.rank``.
    ``revision``: the tenant's ``kb_revision`` when the caller has just read it (saves
    reading it again). ``vector``: ``embed_query(embedder, query, language)`` when the
    caller already has it.
    """
    if backend == "pgvector":
        return await _search_pgvector(
            session, tenant_id, embedder, cache, query, language, limit, mode, revision, vector
        )
    index = await load_index(session, tenant_id, embedder, cache, revision)
    if not index.chunks:
        return []
    language = language or detect_language(query)
    # A question asked before, of this revision of the knowledge, in the same language:
    # the same hits (its vector too is the same, from the query cache). Callers read the
    # hits and never change them.
    key = (query, language, mode, limit)
    rememberable = len(query) <= REMEMBERED_QUERY_MAX_CHARS
    remembered = index.remembered(key) if rememberable else None
    if remembered is not None:
        return list(remembered)
    if vector is None:
        vector = await embed_query(embedder, query, language)
    ranked, similarity, lexical = index.rank(vector, query, language, mode)
    chance = await _chance(embedder, vector, language)
    hits = [
        SearchHit(
            **vars(index.chunks[i]),  # asdict() would deep-copy every field
            score=round(float(similarity[i]), 4),
            lift=round(float(similarity[i]) - chance(index.chunks[i].language), 4),
            lexical=round(float(lexical[i]), 4),
            rank_score=round(float(ranked.fused[i]), 6),
        )
        for i in ranked.order[:limit]
    ]
    if rememberable:
        index.remember(key, tuple(hits))
    return hits


# Longer texts are rarely asked twice word for word; they are not kept.
REMEMBERED_QUERY_MAX_CHARS = 500


async def _chance(
    embedder: Embedder, vector: npt.NDArray[np.float32], language: str | None
) -> Callable[[str], float]:
    """The question's mean cosine against generic background questions, for a match in a
    given language (``background.rows_for``): what a match must stand above (its lift)."""
    vectors = await background.vectors_for(embedder)
    similarities = vectors @ vector
    means: dict[tuple[int | None, int | None], float] = {}

    def chance(hit_language: str) -> float:
        rows = background.rows_for(language, hit_language)
        key = (rows.start, rows.stop)
        if key not in means:
            means[key] = float(similarities[rows].mean())
        return means[key]

    return chance


async def _search_pgvector(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    cache: IndexCache,
    query: str,
    language: str | None,
    limit: int,
    mode: Mode,
    revision: str | None = None,
    vector: npt.NDArray[np.float32] | None = None,
) -> list[SearchHit]:
    revision = revision or await tenants_service.current_kb_revision(session, tenant_id)
    state = await pgvector_search.current_state(session, tenant_id, revision, embedder.model_id)
    if not state.chunks:
        return []
    language = language or detect_language(query)
    if vector is None:
        vector = await embed_query(embedder, query, language)
    found = await pgvector_search.candidates(
        session, tenant_id, state, vector, query, language, mode
    )
    ranked = found.rank(mode)
    best = [int(i) for i in ranked.order[:limit]]
    ids = [found.chunk_ids[i] for i in best]
    rows = {
        row.id: _indexed_chunk(row)
        for row in await ChunkRepository(session, tenant_id).for_hits(ids)
    }
    chance = await _chance(embedder, vector, language)
    hits = []
    for i in best:
        row = rows.get(found.chunk_ids[i])
        if row is None:  # deleted since the candidates were read
            continue
        hits.append(
            SearchHit(
                **asdict(row),
                score=round(float(found.dense[i]), 4),
                lift=round(float(found.dense[i]) - chance(row.language), 4),
                lexical=round(float(found.lexical[i]), 4),
                rank_score=round(float(ranked.fused[i]), 6),
            )
        )
    return hits
