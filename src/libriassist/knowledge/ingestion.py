"""Documents into a tenant's knowledge base: parse, embed what is new, write.

Embedding happens outside any transaction and documents are written in small
transactions: with SQLite's single writer, a long ingest must not block live chats.
Vectors are reused by content hash and model across the whole tenant, so re-ingesting
unchanged text (a re-sync, a second evaluation run) embeds nothing.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_passages
from libriassist.db import write_scope
from libriassist.kit.ids import new_id
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument
from libriassist.knowledge.repository import ChunkRepository, DocumentRepository
from libriassist.knowledge.schemas import FileResult, IngestReport
from libriassist.knowledge.sources import (
    ParsedChunk,
    ParsedDocument,
    SourceError,
    list_source_files,
    parse_file,
)
from libriassist.tenants import service as tenants_service

EMBED_BATCH = 32
WRITE_BATCH = 50  # documents per transaction

# (stage, done, total, detail): stage is "parse", "embed" or "write".
Progress = Callable[[str, int, int, str], None]


async def ingest_path(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    path: Path,
    progress: Progress | None = None,
    source: str = "",
) -> IngestReport:
    """Ingest a file or every file of a folder. A broken file is reported and skipped;
    the others go on. Unchanged files (same content hash, same model) cost nothing."""
    async with maker() as session:
        tenant = await tenants_service.get_tenant(session, tenant_id)
    files, root = list_source_files(path)
    failed: list[FileResult] = []
    parsed: list[ParsedDocument] = []
    for number, file in enumerate(files, start=1):
        source_uri = file.relative_to(root).as_posix()
        if progress:
            progress("parse", number, len(files), source_uri)
        try:
            parsed.append(parse_file(file, source_uri, tenant.default_language))
        except SourceError as exc:
            failed.append(FileResult(source_uri=source_uri, status="error", error=str(exc)))
    results = await ingest_documents(maker, tenant_id, embedder, parsed, progress, source)
    order = {file.relative_to(root).as_posix(): n for n, file in enumerate(files)}
    return IngestReport(files=sorted(failed + results, key=lambda r: order.get(r.source_uri, 0)))


async def ingest_documents(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    documents: Sequence[ParsedDocument],
    progress: Progress | None = None,
    source: str = "",
) -> list[FileResult]:
    """Store parsed documents (insert, or replace by source URI), embedding only chunk
    text the tenant has not embedded with this model before."""
    async with maker() as session:
        existing = await DocumentRepository(session, tenant_id).hashes_by_source(
            [d.source_uri for d in documents], source
        )
    results: dict[str, FileResult] = {}
    changed: list[ParsedDocument] = []
    for document in documents:
        known = existing.get(document.source_uri)
        if (
            known is not None
            and known[0] == document.content_hash
            and known[2] == {embedder.model_id}
        ):
            results[document.source_uri] = FileResult(
                source_uri=document.source_uri, status="unchanged", chunks=known[1]
            )
        else:
            changed.append(document)

    vectors = await _vectors_for(maker, tenant_id, embedder, changed, progress)
    for start in range(0, len(changed), WRITE_BATCH):
        batch = changed[start : start + WRITE_BATCH]
        try:
            async with write_scope(maker) as session:
                for document in batch:
                    await _write_document(session, tenant_id, embedder, document, vectors, source)
                await tenants_service.new_kb_revision(session, tenant_id)
        except IntegrityError:
            for document in batch:
                results[document.source_uri] = FileResult(
                    source_uri=document.source_uri,
                    status="error",
                    error="the document changed while it was being ingested; run the ingest again",
                )
            continue
        for document in batch:
            results[document.source_uri] = FileResult(
                source_uri=document.source_uri,
                status="updated" if document.source_uri in existing else "ingested",
                chunks=len(document.chunks),
                embedded=sum(1 for c in document.chunks if c.content_hash in vectors.fresh),
            )
        if progress:
            progress("write", min(start + WRITE_BATCH, len(changed)), len(changed), "")
    return [results[d.source_uri] for d in documents if d.source_uri in results]


class _Vectors(dict[str, bytes]):
    """Vectors by chunk content hash; ``fresh`` holds the hashes embedded in this run."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: set[str] = set()


async def _vectors_for(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    documents: Sequence[ParsedDocument],
    progress: Progress | None,
) -> _Vectors:
    wanted = {c.content_hash: c for d in documents for c in d.chunks}
    vectors = _Vectors()
    async with maker() as session:
        vectors.update(
            await ChunkRepository(session, tenant_id).embeddings_by_hash(
                list(wanted), embedder.model_id
            )
        )
    to_embed: list[ParsedChunk] = [c for h, c in wanted.items() if h not in vectors]
    started = time.monotonic()
    for start in range(0, len(to_embed), EMBED_BATCH):
        batch = to_embed[start : start + EMBED_BATCH]
        matrix = await asyncio.to_thread(
            embed_passages,
            embedder,
            [c.embedding_text for c in batch],
            [c.language for c in batch],
        )
        for chunk, vector in zip(batch, matrix, strict=True):
            vectors[chunk.content_hash] = vector.astype(np.float32).tobytes()
            vectors.fresh.add(chunk.content_hash)
        if progress:
            done = start + len(batch)
            rate = done / max(time.monotonic() - started, 1e-6)
            eta = (len(to_embed) - done) / rate
            progress("embed", done, len(to_embed), f"{rate:.1f} chunks/s, ETA {eta:.0f} s")
    return vectors


async def _write_document(
    session: AsyncSession,
    tenant_id: str,
    embedder: Embedder,
    parsed: ParsedDocument,
    vectors: dict[str, bytes],
    source: str,
) -> None:
    documents = DocumentRepository(session, tenant_id)
    chunks = ChunkRepository(session, tenant_id)
    document = await documents.by_source(parsed.source_uri, source)
    if document is None:
        document = documents.add(
            KnowledgeDocument(id=new_id(), source_uri=parsed.source_uri, source=source)
        )
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


async def ingest_url(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    url: str,
    *,
    max_pages: int = 100,
    max_depth: int = 0,
    progress: Progress | None = None,
    source: str = "",
    public_only: bool = False,
) -> IngestReport:
    """Ingest a web page (following links up to ``max_depth``) or every page of a sitemap."""
    from libriassist.knowledge.crawl import PageError, fetch_url_documents

    async with maker() as session:
        tenant = await tenants_service.get_tenant(session, tenant_id)

    def fetched(done: int, known: int, page: str) -> None:
        if progress:
            progress("fetch", done, known, page)

    pages = await fetch_url_documents(
        url,
        default_language=tenant.default_language,
        max_pages=max_pages,
        max_depth=max_depth,
        progress=fetched,
        public_only=public_only,
    )
    failed = [
        FileResult(source_uri=page.url, status="error", error=page.error)
        for page in pages
        if isinstance(page, PageError)
    ]
    documents = [page for page in pages if not isinstance(page, PageError)]
    results = await ingest_documents(maker, tenant_id, embedder, documents, progress, source)
    return IngestReport(files=results + failed)


def source_key(source: str) -> str:
    """How a sync source is remembered: a URL as given, a path made absolute."""
    if source.startswith(("http://", "https://")):
        return source
    return str(Path(source).expanduser().resolve())


async def sync_source(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    embedder: Embedder,
    source: str,
    *,
    max_pages: int = 100,
    max_depth: int = 0,
    progress: Progress | None = None,
    public_only: bool = False,
) -> IngestReport:
    """Converge the KB to a source: new and changed documents in, unchanged ones untouched
    (nothing embedded), documents the source no longer has removed. A document that
    failed to load this time is kept as it was, and a source that yields nothing at all
    removes nothing (a site down is not a site emptied)."""
    key = source_key(source)
    if key.startswith(("http://", "https://")):
        report = await ingest_url(
            maker,
            tenant_id,
            embedder,
            key,
            max_pages=max_pages,
            max_depth=max_depth,
            progress=progress,
            source=key,
            public_only=public_only,
        )
    else:
        report = await ingest_path(maker, tenant_id, embedder, Path(key), progress, source=key)
    present = {f.source_uri for f in report.files}
    loaded = any(f.status != "error" for f in report.files)
    async with write_scope(maker) as session:
        documents = DocumentRepository(session, tenant_id)
        removed = await documents.remove_missing(key, present) if loaded else []
        if removed:
            await tenants_service.new_kb_revision(session, tenant_id)
    report.files.extend(FileResult(source_uri=uri, status="removed") for uri in removed)
    return report
