"""Ingestion into, and retrieval from, one tenant's knowledge base."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.db import session_scope
from libriassist.errors import NotFound
from libriassist.kit.ids import new_id
from libriassist.knowledge.index import IndexCache, IndexedChunk, TenantIndex
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument
from libriassist.knowledge.repository import ChunkRepository, DocumentRepository
from libriassist.knowledge.schemas import FileResult, IngestReport, SearchHit
from libriassist.knowledge.sources import (
    ParsedDocument,
    SourceError,
    list_source_files,
    parse_file,
)
from libriassist.tenants import service as tenants_service

log = logging.getLogger("libriassist.knowledge")

EMBED_BATCH = 32
# A hit in the visitor's language wins over an equally good one in another language.
SAME_LANGUAGE_BONUS = 0.02

Progress = Callable[[int, int, str], None]


async def ingest_path(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    path: Path,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a file or every file of a folder. A broken file is reported and skipped;
    the others go on. Unchanged files (same content hash, same model) cost nothing.

    Each file commits on its own and embedding happens outside any transaction: with
    SQLite's single writer, a long ingest must not block live chats for its whole length.
    """
    async with maker() as session:
        tenant = await tenants_service.get_tenant(session, tenant_id)
    files, root = list_source_files(path)
    results: list[FileResult] = []
    for number, file in enumerate(files, start=1):
        source_uri = file.relative_to(root).as_posix()
        if progress:
            progress(number, len(files), source_uri)
        try:
            parsed = parse_file(file, source_uri, tenant.default_language)
        except SourceError as exc:
            results.append(FileResult(source_uri=source_uri, status="error", error=str(exc)))
            continue
        results.append(await _ingest_document(maker, tenant_id, embedder, parsed))
    return IngestReport(files=results)


async def _ingest_document(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    parsed: ParsedDocument,
) -> FileResult:
    doc_hash = parsed.content_hash
    async with maker() as session:
        existing = await DocumentRepository(session, tenant_id).by_source(parsed.source_uri)
        old_chunks = (
            await ChunkRepository(session, tenant_id).of_document(existing.id) if existing else []
        )
    same_model = all(c.embedding_model == embedder.model_id for c in old_chunks)
    if existing is not None and existing.content_hash == doc_hash and same_model:
        return FileResult(
            source_uri=parsed.source_uri, status="unchanged", chunks=existing.chunk_count
        )

    # Chunks whose text did not change keep their vectors: only new text is embedded.
    vectors = {
        c.content_hash: c.embedding for c in old_chunks if c.embedding_model == embedder.model_id
    }
    to_embed = [c for c in parsed.chunks if c.content_hash not in vectors]
    for start in range(0, len(to_embed), EMBED_BATCH):
        batch = to_embed[start : start + EMBED_BATCH]
        matrix = await asyncio.to_thread(embedder.embed_passages, [c.embedding_text for c in batch])
        for chunk, vector in zip(batch, matrix, strict=True):
            vectors[chunk.content_hash] = vector.astype(np.float32).tobytes()

    try:
        async for session in session_scope(maker):
            await _write_document(session, tenant_id, embedder, parsed, vectors)
            await tenants_service.new_kb_revision(session, tenant_id)
    except IntegrityError:
        return FileResult(
            source_uri=parsed.source_uri,
            status="error",
            error="the document changed while it was being ingested; run the ingest again",
        )
    return FileResult(
        source_uri=parsed.source_uri,
        status="updated" if existing else "ingested",
        chunks=len(parsed.chunks),
        embedded=len(to_embed),
    )


async def _write_document(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    parsed: ParsedDocument,
    vectors: dict[str, bytes],
) -> None:
    documents = DocumentRepository(session, tenant_id)
    chunks = ChunkRepository(session, tenant_id)
    document = await documents.by_source(parsed.source_uri)
    if document is None:
        document = documents.add(KnowledgeDocument(id=new_id(), source_uri=parsed.source_uri))
    else:
        await chunks.remove_of_document(document.id)
    document.title = parsed.title[:500]
    document.format = parsed.format
    document.language = parsed.language
    document.url = parsed.url
    document.content_hash = parsed.content_hash
    document.chunk_count = len(parsed.chunks)
    await session.flush()
    for ordinal, parsed_chunk in enumerate(parsed.chunks):
        chunks.add(
            KnowledgeChunk(
                id=new_id(),
                document_id=document.id,
                ordinal=ordinal,
                kind=parsed_chunk.kind,
                title=parsed_chunk.title[:500],
                heading_path=parsed_chunk.heading_path,
                question=parsed_chunk.question,
                text=parsed_chunk.text,
                language=parsed_chunk.language,
                url=parsed_chunk.url,
                tags=parsed_chunk.tags,
                content_hash=parsed_chunk.content_hash,
                embedding=vectors[parsed_chunk.content_hash],
                embedding_model=embedder.model_id,
                embedding_dim=embedder.dim,
            )
        )
    await session.flush()


async def list_documents(
    session: AsyncSession, tenant_id: str, limit: int = 100, offset: int = 0
) -> list[KnowledgeDocument]:
    return await DocumentRepository(session, tenant_id).list(limit, offset)


async def delete_document(session: AsyncSession, tenant_id: str, document_id: str) -> None:
    # Chunks go with their document (ON DELETE CASCADE).
    if not await DocumentRepository(session, tenant_id).remove(document_id):
        raise NotFound("No such document.")
    await tenants_service.new_kb_revision(session, tenant_id)
    await session.flush()


async def _tenant_index(
    session: AsyncSession, tenant_id: str, embedder: Embedder, cache: IndexCache
) -> TenantIndex:
    version = await tenants_service.current_kb_revision(session, tenant_id)
    index = cache.get(tenant_id, version)
    if index is not None:
        return index
    async with cache.lock(tenant_id):
        index = cache.get(tenant_id, version)
        if index is not None:
            return index
        rows = await ChunkRepository(session, tenant_id).all_for_index(embedder.model_id)
        matrix = np.zeros((len(rows), embedder.dim), dtype=np.float32)
        chunks = []
        for i, row in enumerate(rows):
            matrix[i] = np.frombuffer(row.embedding, dtype=np.float32)
            chunks.append(
                IndexedChunk(
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
            )
        index = TenantIndex(version=version, chunks=chunks, matrix=matrix)
        cache.put(tenant_id, index)
        log.info("knowledge index loaded", extra={"tenant_id": tenant_id, "chunks": len(chunks)})
        return index


async def search(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    cache: IndexCache,
    query: str,
    language: str | None,
    limit: int = 5,
) -> list[SearchHit]:
    """Dense retrieval over the tenant's chunks; the knowledge-base work replaces it with
    hybrid search. Cross-lingual matches count: a Darija question may find a French entry."""
    index = await _tenant_index(session, tenant_id, embedder, cache)
    if not index.chunks:
        return []
    vector = await embed_query(embedder, query)
    similarity = index.scores(vector)
    background = await asyncio.to_thread(cache.background, embedder)  # embeds once per model
    baseline = float((background @ vector).mean())
    ranking = similarity
    if language:
        same = np.array([c.language == language for c in index.chunks], dtype=np.float32)
        ranking = similarity + np.float32(SAME_LANGUAGE_BONUS) * same
    order = np.argsort(-ranking)[:limit]
    return [
        SearchHit(
            **asdict(index.chunks[i]),
            score=round(float(similarity[i]), 4),
            lift=round(float(similarity[i]) - baseline, 4),
        )
        for i in order
    ]
