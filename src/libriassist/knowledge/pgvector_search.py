"""Search inside PostgreSQL with pgvector (``LIBRIASSIST_SEARCH_BACKEND=pgvector``).

The memory backend keeps every tenant's vectors and BM25 index in each worker. Here the
workers keep nothing per tenant: each search asks the database for the nearest vectors
and for the posting lists of the question's terms, scores BM25 exactly from them, and
ranks the union with the same ``retrieval.rank`` as the memory backend.

Three side tables, created by ``ensure_schema`` at start-up rather than by a migration,
because the main schema must keep migrating on a PostgreSQL without pgvector:

- ``knowledge_vectors``: one row per chunk of the current embedding model, with its
  vector, language, analysed length and an ordinal, a small integer unique within the
  tenant that the posting lists refer to. It references ``knowledge_chunks`` with ON
  DELETE CASCADE, so a deleted document (or tenant) leaves the dense search at once.
- ``knowledge_terms``: per tenant and term, the posting list packed in a bytea (ordinals,
  term frequencies, chunk lengths; ``pack``), in a few segments: each sync
  that adds chunks appends one segment per term it touches, and a compaction merges them.
  A question's terms are a handful of rows, read whole (uncompressed TOAST) and scored
  in numpy, so BM25 is exact over the whole tenant without a row per posting (a btree
  row per posting, aggregated in SQL, made a search of common words at 10k chunks
  take about 100 ms; docs/scaling.md).
- ``knowledge_vector_sync``: per tenant, the KB revision the two tables above reflect,
  the chunk count and mean length (BM25's N and avgdl), the ordinals whose chunk has
  gone but whose postings are still in ``knowledge_terms`` (``dead``, skipped by the
  scoring until a compaction drops them), and the tenant's HNSW index once built.

They follow the chunks without touching the ingestion code: a search that finds the
tenant's ``kb_revision`` ahead of the synced one copies the missing chunks over, under a
per-tenant advisory lock so concurrent workers do the work once.

Dense search: tenants up to ``EXACT_SCAN_LIMIT`` chunks are scanned exactly. A larger
tenant gets its own HNSW index, partial on its id and model (pgvector 0.6 has no
iterative index scans: in a shared index, a tenant filter would drop most candidates),
built in the background, without blocking writes (CREATE INDEX CONCURRENTLY), once a
search finds it missing; until then the tenant is scanned exactly.
"""

import asyncio
import hashlib
import logging
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from libriassist.knowledge.analysis import analyse
from libriassist.knowledge.retrieval import FUSION_DEPTH, Mode, Ranked, rank

log = logging.getLogger("libriassist.knowledge")

# BM25 as in lexical.py (bm25s, "lucene" variant).
K1 = 1.2
B = 0.75
# Up to this many chunks a tenant is scanned exactly (about 1 ms per 1k chunks); above,
# it gets its own HNSW index.
EXACT_SCAN_LIMIT = 2_000
# The HNSW search width (pgvector's ``hnsw.ef_search``, at least the fusion depth, as the
# scan returns at most that many rows). Recall@10 against the exact scan on real
# passages: docs/scaling.md.
EF_SEARCH = 100
SYNC_BATCH = 1000
# Compaction merges a tenant's segments and drops dead postings: once a sync has written
# this many segments, or when dead chunks exceed this share of the live ones.
MAX_SEGMENTS = 8
DEAD_SHARE = 0.2

Floats = npt.NDArray[np.float32]
Ordinals = npt.NDArray[np.int32]

# One posting: 8 bytes. Chunks are at most a few thousand characters
# (chunking.MAX_SECTION_CHARS), far below 65,535 terms; longer ones are counted as that.
POSTING = np.dtype([("ordinal", "<i4"), ("tf", "<u2"), ("length", "<u2")])
_U16 = np.iinfo(np.uint16).max


def pack(records: npt.NDArray[np.void]) -> bytes:
    """A posting list as stored: its ordinals, then term frequencies, then lengths, each
    a contiguous array, which numpy reads in place (four times faster than records)."""
    return (
        np.ascontiguousarray(records["ordinal"]).tobytes()
        + np.ascontiguousarray(records["tf"]).tobytes()
        + np.ascontiguousarray(records["length"]).tobytes()
    )


def unpack(blob: bytes) -> tuple[Ordinals, npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
    """Ordinals, term frequencies and chunk lengths of a stored posting list."""
    n = len(blob) // POSTING.itemsize
    return (
        np.frombuffer(blob, dtype="<i4", count=n),
        np.frombuffer(blob, dtype="<u2", count=n, offset=4 * n),
        np.frombuffer(blob, dtype="<u2", count=n, offset=6 * n),
    )


# Advisory lock taken, shared, by index builds; exclusively by the clean-up of orphans.
_BUILDING = "hashtext('libriassist.hnsw-builds')"


class PgvectorUnavailable(RuntimeError):
    """The database cannot host the pgvector backend; the message says how to fix it."""


def hnsw_index_name(tenant_id: str, model_id: str, dim: int) -> str:
    """The name of the tenant's own HNSW index (at most 63 characters, any tenant id)."""
    digest = hashlib.sha1(f"{tenant_id}\0{model_id}".encode()).hexdigest()[:16]
    return f"ix_knowledge_vectors_hnsw_{digest}_{dim}"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def schema_statements() -> list[str]:
    """Idempotent DDL for the side tables."""
    return [
        """CREATE TABLE IF NOT EXISTS knowledge_vectors (
            chunk_id varchar(32) PRIMARY KEY
                REFERENCES knowledge_chunks (id) ON DELETE CASCADE,
            tenant_id varchar(32) NOT NULL,
            embedding_model varchar(100) NOT NULL,
            ordinal integer NOT NULL,
            language varchar(8) NOT NULL,
            length integer NOT NULL,
            embedding vector NOT NULL
        )""",
        # The exact scan reads a tenant's rows through it; lexical hits are found by ordinal.
        """CREATE UNIQUE INDEX IF NOT EXISTS ix_knowledge_vectors_tenant_ordinal
            ON knowledge_vectors (tenant_id, ordinal)""",
        """CREATE TABLE IF NOT EXISTS knowledge_terms (
            tenant_id varchar(32) NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            term text NOT NULL,
            segment integer NOT NULL,
            postings bytea NOT NULL,
            PRIMARY KEY (tenant_id, term, segment)
        )""",
        # Packed integers barely compress: store them as they are, read without inflating.
        """DO $$ BEGIN
            IF (SELECT attstorage FROM pg_attribute WHERE attname = 'postings'
                AND attrelid = 'knowledge_terms'::regclass) <> 'e' THEN
                ALTER TABLE knowledge_terms ALTER COLUMN postings SET STORAGE EXTERNAL;
            END IF;
        END $$""",
        """CREATE TABLE IF NOT EXISTS knowledge_vector_sync (
            tenant_id varchar(32) PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
            embedding_model varchar(100) NOT NULL,
            revision varchar(32) NOT NULL,
            chunks integer NOT NULL,
            avg_length double precision NOT NULL,
            dim integer NOT NULL,
            next_ordinal integer NOT NULL,
            segments integer NOT NULL,
            -- bitmap of the ordinals with postings in knowledge_terms (read by syncs)
            present bytea NOT NULL,
            -- int32 ordinals among those whose chunk is gone (read by searches)
            dead bytea NOT NULL,
            hnsw_index text
        )""",
    ]


async def ensure_schema(engine: AsyncEngine, model_id: str = "", dim: int = 0) -> None:
    """Create the extension and side tables if missing (safe to run by every worker).

    ``model_id`` and ``dim`` are not needed any more (HNSW indexes are per tenant, built
    by the searches that need them); kept for the caller's sake.

    Side tables of an earlier layout (one row per posting) are dropped: they only mirror
    the chunks, and each tenant's next search copies its chunks over again.
    """
    try:
        async with engine.begin() as conn:
            # Workers start together: serialise the DDL instead of racing on catalogs.
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('libriassist.ddl'))"))
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            if (await conn.execute(text("SELECT to_regclass('knowledge_postings')"))).scalar():
                await conn.execute(
                    text(
                        "DROP TABLE knowledge_postings, knowledge_vectors, "
                        "knowledge_vector_sync CASCADE"
                    )
                )
            for statement in schema_statements():
                await conn.execute(text(statement))
            await _drop_orphan_indexes(conn)
    except DBAPIError as exc:
        if "vector" not in str(exc.orig):
            raise
        raise PgvectorUnavailable(
            "LIBRIASSIST_SEARCH_BACKEND=pgvector needs the pgvector extension in this "
            "database, which could not be created: install pgvector on the PostgreSQL "
            "server (e.g. the postgresql-NN-pgvector package) and run `CREATE EXTENSION "
            "vector;` as a superuser, or set LIBRIASSIST_SEARCH_BACKEND=memory. "
            f"Database said: {str(exc.orig).strip().splitlines()[-1]}"
        ) from exc


async def _drop_orphan_indexes(conn: AsyncConnection) -> None:
    """Drop the HNSW indexes of deleted tenants and replaced models (their sync row,
    which names the index, went with the tenant or now names another index).

    Not while any worker builds an index (it is named in a sync row only once built), nor
    by waiting for the table behind running searches: that is left to the next start-up.
    """
    if not (await conn.execute(text(f"SELECT pg_try_advisory_xact_lock({_BUILDING})"))).scalar():
        return
    orphans = await conn.execute(
        text(
            """SELECT i.indexname FROM pg_indexes i
            WHERE i.tablename = 'knowledge_vectors'
              AND i.indexname LIKE 'ix\\_knowledge\\_vectors\\_hnsw\\_%'
              AND NOT EXISTS (SELECT 1 FROM knowledge_vector_sync s
                              WHERE s.hnsw_index = i.indexname)"""
        )
    )
    for (name,) in orphans.all():
        try:
            async with conn.begin_nested():
                await conn.execute(text("SET LOCAL lock_timeout = '1s'"))
                await conn.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        except DBAPIError:
            log.warning("HNSW index left for the next start-up", extra={"index": name})


class TenantSql:
    """Raw SQL on the side tables, always bound to one tenant.

    Like ``kit.repository.TenantRepository`` for the ORM: every statement here names
    ``tenant_id = :tenant_id`` and this class is the only one that binds it.
    """

    def __init__(self, conn: AsyncConnection | AsyncSession, tenant_id: str) -> None:
        if not tenant_id:
            raise ValueError("tenant-scoped SQL needs a tenant id")
        self.conn = conn
        self.tenant_id = tenant_id

    async def run(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """The statement's rows (none for a statement that returns none)."""
        result = await self.conn.execute(text(sql), {**params, "tenant_id": self.tenant_id})
        return [tuple(row) for row in result] if getattr(result, "returns_rows", False) else []

    async def run_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            await self.conn.execute(text(sql), [{**r, "tenant_id": self.tenant_id} for r in rows])


@dataclass(frozen=True)
class SyncState:
    revision: str
    model: str
    chunks: int
    avg_length: float
    dim: int = 0
    hnsw_index: str | None = None


_STATE_COLUMNS = "revision, embedding_model, chunks, avg_length, dim, hnsw_index"


async def _state(sql: TenantSql) -> SyncState | None:
    rows = await sql.run(
        f"SELECT {_STATE_COLUMNS} FROM knowledge_vector_sync WHERE tenant_id = :tenant_id"
    )
    return SyncState(*rows[0]) if rows else None


def _is_current(state: SyncState | None, revision: str, model_id: str) -> bool:
    return state is not None and state.revision == revision and state.model == model_id


async def current_state(
    session: AsyncSession, tenant_id: str, revision: str, model_id: str
) -> SyncState:
    """The tenant's synced statistics, bringing the side tables up to ``revision`` first.

    A tenant of more than ``EXACT_SCAN_LIMIT`` chunks without its HNSW index gets one
    built in the background (``start_index_build``); it is scanned exactly meanwhile.
    """
    state = await _state(TenantSql(session, tenant_id))
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the pgvector backend needs a session bound to an AsyncEngine")
    if state is None or not _is_current(state, revision, model_id):
        # Its own transaction: the sync commits at once, whatever the caller's session does.
        async with engine.begin() as conn:
            state = await sync_tenant(conn, tenant_id, model_id)
    if state.hnsw_index is None and state.chunks > EXACT_SCAN_LIMIT:
        start_index_build(engine, tenant_id, model_id, state.dim)
    return state


# This process's index builds under way, by index name, and when each was last started
# (a build that failed, or found another worker at it, is not retried for a while).
_BUILDS: dict[str, asyncio.Task[str | None]] = {}
_STARTED: dict[str, float] = {}
RETRY_SECONDS = 60.0


def start_index_build(engine: AsyncEngine, tenant_id: str, model_id: str, dim: int) -> None:
    """Build the tenant's HNSW index in a task of its own, unless one is under way.

    Not within the search: CREATE INDEX CONCURRENTLY waits for every transaction open
    when it starts to end, the caller's own included.
    """
    name = hnsw_index_name(tenant_id, model_id, dim)
    now = time.monotonic()
    if name in _BUILDS or now - _STARTED.get(name, -math.inf) < RETRY_SECONDS:
        return
    _STARTED[name] = now
    task = asyncio.create_task(build_tenant_index(engine, tenant_id, model_id, dim))
    _BUILDS[name] = task

    def done(finished: asyncio.Task[str | None]) -> None:
        _BUILDS.pop(name, None)
        if finished.cancelled():
            return
        if finished.exception() is not None:
            log.error("HNSW index build failed", exc_info=finished.exception())
        elif finished.result() is not None:
            _STARTED.pop(name, None)  # built: a later need (another model) starts at once

    task.add_done_callback(done)


async def index_builds() -> None:
    """Wait for the index builds this process has under way (tests, benchmarks, shut-down)."""
    await asyncio.gather(*_BUILDS.values(), return_exceptions=True)


async def build_tenant_index(
    engine: AsyncEngine, tenant_id: str, model_id: str, dim: int
) -> str | None:
    """Build the tenant's HNSW index unless another worker is at it; its name once valid.

    CREATE INDEX CONCURRENTLY lets other tenants' syncs and deletions go on meanwhile
    (a plain CREATE INDEX would hold their writes for the whole build); it runs outside
    any transaction, so a session-level advisory lock keeps it to one worker. Never call
    it with a transaction of this process open: it would wait for that transaction.
    """
    name = hnsw_index_name(tenant_id, model_id, dim)
    async with engine.connect() as plain:
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        sql = TenantSql(conn, tenant_id)
        ((locked,),) = await sql.run(
            "SELECT pg_try_advisory_lock(hashtext('libriassist.hnsw:' || :tenant_id))"
        )
        if not locked:
            return None  # being built: exact scans until it is
        # Shared with other builds, exclusive with the start-up clean-up of orphans.
        await sql.run(f"SELECT pg_advisory_lock_shared({_BUILDING})")
        try:
            valid = await sql.run(
                """SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE c.relname = :name AND :tenant_id = :tenant_id""",
                name=name,
            )
            if valid and not valid[0][0]:  # left invalid by a build that failed
                await conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            if not valid or not valid[0][0]:
                log.info("building the tenant's HNSW index", extra={"tenant_id": tenant_id})
                await conn.execute(
                    text(
                        f"""CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON knowledge_vectors
                        USING hnsw ((embedding::vector({int(dim)})) vector_cosine_ops)
                        WHERE tenant_id = {_literal(tenant_id)}
                          AND embedding_model = {_literal(model_id)}"""
                    )
                )
            await sql.run(
                """UPDATE knowledge_vector_sync SET hnsw_index = :name
                WHERE tenant_id = :tenant_id AND embedding_model = :model""",
                name=name,
                model=model_id,
            )
        except DBAPIError:
            log.exception("HNSW index build failed", extra={"tenant_id": tenant_id})
            return None
        finally:
            await sql.run(f"SELECT pg_advisory_unlock_shared({_BUILDING})")
            await sql.run("SELECT pg_advisory_unlock(hashtext('libriassist.hnsw:' || :tenant_id))")
    return name


def _bits(packed: bytes, count: int) -> npt.NDArray[np.bool_]:
    """``count`` flags from a bitmap (``np.packbits``), False past its end."""
    flags = np.zeros(count, dtype=bool)
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8), bitorder="little")[:count]
    flags[: len(bits)] = bits.astype(bool)
    return flags


async def sync_tenant(conn: AsyncConnection, tenant_id: str, model_id: str) -> SyncState:
    """Copy the tenant's chunks that the side tables lack; drop those of other models."""
    sql = TenantSql(conn, tenant_id)
    await sql.run("SELECT pg_advisory_xact_lock(hashtext('libriassist.kb:' || :tenant_id))")
    # Read under the lock: another worker may have synced while this one waited.
    tenant = await sql.run("SELECT kb_revision FROM tenants WHERE id = :tenant_id")
    if not tenant:
        return SyncState("", model_id, 0, 0.0)
    revision = str(tenant[0][0])
    state = await _state(sql)
    if state is not None and _is_current(state, revision, model_id):
        return state
    stored = await sql.run(
        """SELECT next_ordinal, segments, present, dim FROM knowledge_vector_sync
        WHERE tenant_id = :tenant_id AND embedding_model = :model""",
        model=model_id,
    )
    if not stored:  # first sync, or another model: start afresh
        await sql.run("DELETE FROM knowledge_vectors WHERE tenant_id = :tenant_id")
        await sql.run("DELETE FROM knowledge_terms WHERE tenant_id = :tenant_id")
        stored = [(0, 0, b"", 0)]
    next_ordinal, segments, present_bits, dim = stored[0]
    missing = await sql.run(
        """SELECT c.id FROM knowledge_chunks c
        WHERE c.tenant_id = :tenant_id AND c.embedding_model = :model
          AND NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.chunk_id = c.id)""",
        model=model_id,
    )
    # Ids first, then texts and vectors a batch at a time; the new postings (8 bytes
    # each) are kept until the end, to write one segment per term.
    postings: list[tuple[list[str], npt.NDArray[np.void]]] = []
    for start in range(0, len(missing), SYNC_BATCH):
        rows = await sql.run(
            """SELECT id, language, title, question, text, embedding FROM knowledge_chunks
            WHERE tenant_id = :tenant_id AND id = ANY(CAST(:ids AS text[]))""",
            ids=[row[0] for row in missing[start : start + SYNC_BATCH]],
        )
        postings.append(await _copy(sql, rows, model_id, next_ordinal))
        next_ordinal += len(rows)
        dim = dim or (len(rows[0][5]) // 4 if rows else 0)
    if postings:
        await _write_segment(sql, postings, segments)
        segments += 1
    ((ordinals, count, total_length),) = await sql.run(
        "SELECT array_agg(ordinal), count(*), coalesce(sum(length), 0) FROM knowledge_vectors "
        "WHERE tenant_id = :tenant_id"
    )
    live = np.zeros(next_ordinal, dtype=bool)
    live[np.asarray(ordinals or [], dtype=np.int64)] = True
    present = _bits(present_bits, next_ordinal)
    for _, batch in postings:
        present[batch["ordinal"]] = True
    dead = present & ~live
    if segments >= MAX_SEGMENTS or dead.sum() > DEAD_SHARE * max(int(count), 1):
        segments = await _compact(sql, np.flatnonzero(dead).astype(np.int32))
        present, dead = live, np.zeros_like(live)
    avg_length = float(total_length) / count if count else 0.0
    await sql.run(
        """INSERT INTO knowledge_vector_sync (tenant_id, embedding_model, revision, chunks,
            avg_length, dim, next_ordinal, segments, present, dead, hnsw_index)
        VALUES (:tenant_id, :model, :revision, :chunks, :avg_length, :dim, :next_ordinal,
            :segments, :present, :dead, NULL)
        ON CONFLICT (tenant_id) DO UPDATE SET embedding_model = EXCLUDED.embedding_model,
            revision = EXCLUDED.revision, chunks = EXCLUDED.chunks,
            avg_length = EXCLUDED.avg_length, dim = EXCLUDED.dim,
            next_ordinal = EXCLUDED.next_ordinal, segments = EXCLUDED.segments,
            present = EXCLUDED.present, dead = EXCLUDED.dead,
            hnsw_index = CASE WHEN knowledge_vector_sync.embedding_model
                = EXCLUDED.embedding_model THEN knowledge_vector_sync.hnsw_index END""",
        model=model_id,
        revision=revision,
        chunks=int(count),
        avg_length=avg_length,
        dim=int(dim),
        next_ordinal=int(next_ordinal),
        segments=int(segments),
        present=np.packbits(present, bitorder="little").tobytes(),
        dead=np.flatnonzero(dead).astype("<i4").tobytes(),
    )
    new_state = await _state(sql)
    assert new_state is not None
    return new_state


async def _copy(
    sql: TenantSql, rows: Sequence[Any], model_id: str, first_ordinal: int
) -> tuple[list[str], npt.NDArray[np.void]]:
    """Insert the chunks' vectors; their postings, as terms and packed records."""
    vectors, terms, records = [], [], []
    for offset, (chunk_id, language, title, question, body, embedding) in enumerate(rows):
        # The same text and analysis as the memory backend's LexicalIndex.
        analysed = analyse(" ".join(filter(None, (title, question, body))), language)
        ordinal = first_ordinal + offset
        vectors.append(
            {
                "chunk_id": chunk_id,
                "model": model_id,
                "ordinal": ordinal,
                "language": language,
                "length": len(analysed),
                "embedding": np.frombuffer(embedding, dtype=np.float32).tolist(),
            }
        )
        length = min(len(analysed), _U16)
        for term, tf in Counter(analysed).items():
            terms.append(term)
            records.append((ordinal, min(tf, _U16), length))
    await sql.run_many(
        """INSERT INTO knowledge_vectors
            (chunk_id, tenant_id, embedding_model, ordinal, language, length, embedding)
        VALUES (:chunk_id, :tenant_id, :model, :ordinal, :language, :length,
            CAST(CAST(:embedding AS real[]) AS vector))""",
        vectors,
    )
    return terms, np.array(records, dtype=POSTING)


async def _write_segment(
    sql: TenantSql, postings: list[tuple[list[str], npt.NDArray[np.void]]], segment: int
) -> None:
    """One row per term for the postings of this sync."""
    terms = np.array([term for batch_terms, _ in postings for term in batch_terms], dtype=object)
    records = np.concatenate([batch for _, batch in postings])
    await _insert_terms(sql, terms, records, segment)


async def _insert_terms(
    sql: TenantSql, terms: npt.NDArray[Any], records: npt.NDArray[np.void], segment: int
) -> None:
    if not len(records):
        return
    order = np.argsort(terms, kind="stable")
    terms, records = terms[order], records[order]
    starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
    bounds = np.r_[starts, len(terms)]
    names = [str(terms[i]) for i in starts]
    blobs = [pack(records[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    for start in range(0, len(names), 5000):  # bounded statements
        await sql.run(
            """INSERT INTO knowledge_terms (tenant_id, term, segment, postings)
            SELECT :tenant_id, u.term, :segment, u.postings
            FROM unnest(CAST(:terms AS text[]), CAST(:blobs AS bytea[])) AS u(term, postings)""",
            terms=names[start : start + 5000],
            blobs=blobs[start : start + 5000],
            segment=segment,
        )


async def _compact(sql: TenantSql, dead: Ordinals) -> int:
    """Merge the tenant's segments into one per term, without the dead postings;
    the number of segments now (0 or 1)."""
    rows = await sql.run("SELECT term, postings FROM knowledge_terms WHERE tenant_id = :tenant_id")
    await sql.run("DELETE FROM knowledge_terms WHERE tenant_id = :tenant_id")
    if not rows:
        return 0
    sizes = [len(blob) // POSTING.itemsize for _, blob in rows]
    terms = np.repeat(np.array([term for term, _ in rows], dtype=object), sizes)
    records = np.empty(sum(sizes), dtype=POSTING)
    start = 0
    for (_, blob), size in zip(rows, sizes, strict=True):
        part = records[start : start + size]
        part["ordinal"], part["tf"], part["length"] = unpack(blob)
        start += size
    keep = ~np.isin(records["ordinal"], dead)
    await _insert_terms(sql, terms[keep], records[keep], 0)
    return 1 if keep.any() else 0


@dataclass(frozen=True)
class Candidates:
    """The chunks worth ranking, with their scores; ``retrieval.rank`` orders them."""

    chunk_ids: list[str]
    dense: Floats  # cosine
    lexical: Floats  # BM25
    same_language: Floats
    coverage: float

    def rank(self, mode: Mode) -> Ranked:
        return rank(mode, self.dense, self.lexical, self.coverage, self.same_language)


def _query_vector(dim: int, ef_search: bool) -> str:
    """The question's vector as a scalar subquery: computed once per statement (not per
    row, as a cast of a parameter may be in a generic plan), and still usable by the HNSW
    index. With ``ef_search``, it also sets ``hnsw.ef_search`` for the transaction: the
    index scan evaluates this subquery before it starts searching the graph, so the
    setting takes effect without a SET statement (a round trip) of its own."""
    vector = f"CAST(CAST(:vector AS real[]) AS vector({int(dim)}))"
    if not ef_search:
        return f"(SELECT {vector})"
    return f"(SELECT {vector} WHERE set_config('hnsw.ef_search', :ef_search, true) IS NOT NULL)"


def _dense_sql(state: SyncState, dim: int, tenant_id: str) -> str:
    """chunk id, ordinal, cosine and language of the tenant's ``depth`` nearest chunks."""
    if state.hnsw_index is not None:
        # The ORDER BY is the indexed expression, the tenant and model are literals (the
        # same tenant as TenantSql's): the partial index's predicate must be provable
        # from the query, in a prepared statement's generic plan too.
        query = _query_vector(dim, True)
        distance = f"embedding::vector({int(dim)}) <=> {query}"
        where = f"tenant_id = {_literal(tenant_id)} AND embedding_model = {_literal(state.model)}"
    else:
        # The uncast column matches no vector index: the tenant's rows are read through
        # the btree on (tenant_id, ordinal) and all compared (exact).
        query = _query_vector(dim, False)
        distance = f"embedding <=> {query}"
        where = "tenant_id = :tenant_id AND embedding_model = :model"
    return f"""(SELECT 0 AS kind, chunk_id AS name, language, ordinal,
            1 - (embedding <=> {query}) AS value, NULL::bytea AS blob
        FROM knowledge_vectors
        WHERE {where}
        ORDER BY {distance} LIMIT :depth)"""


# The postings of the question's terms and the statistics they are scored with, read in
# the same statement (one snapshot) as the nearest chunks.
_LEXICAL_SQL = """
    SELECT 1, term, NULL, NULL, NULL, postings FROM knowledge_terms
    WHERE tenant_id = :tenant_id AND term = ANY(CAST(:terms AS text[]))
    UNION ALL
    SELECT 2, NULL, NULL, chunks, avg_length, dead FROM knowledge_vector_sync
    WHERE tenant_id = :tenant_id"""


@dataclass
class _Bm25:
    scores: npt.NDArray[np.float32]  # by ordinal
    known: int  # query terms with a live posting


def _bm25(terms: list[str], rows: Sequence[tuple[Any, ...]]) -> _Bm25:
    """BM25 of every chunk of the tenant, as ``lexical.LexicalIndex`` computes it."""
    stats = [r for r in rows if r[0] == 2]
    if not stats:
        return _Bm25(np.zeros(0, dtype=np.float32), 0)
    _, _, _, chunks, avg_length, dead_bytes = stats[0]
    dead = np.frombuffer(dead_bytes, dtype="<i4")
    lists: dict[str, list[tuple[Ordinals, npt.NDArray[np.uint16], npt.NDArray[np.uint16]]]] = {}
    for row in rows:
        if row[0] == 1:
            ordinals, tf, length = unpack(row[5])
            if dead.size:
                live = ~np.isin(ordinals, dead)
                ordinals, tf, length = ordinals[live], tf[live], length[live]
            if ordinals.size:
                lists.setdefault(row[1], []).append((ordinals, tf, length))
    size = max((int(o.max()) + 1 for parts in lists.values() for o, _, _ in parts), default=0)
    scores = np.zeros(size, dtype=np.float32)
    n = float(chunks)
    # tf / (tf + k1 * (1 - b + b * length / avgdl)), with the constants folded
    fixed = np.float32(K1 * (1 - B))
    per_length = np.float32(K1 * B / max(float(avg_length), 1e-9))
    for term in terms:
        if term not in lists:
            continue
        df = sum(len(o) for o, _, _ in lists[term])
        idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        for ordinals, tf, length in lists[term]:
            weight = tf.astype(np.float32)
            norm = length.astype(np.float32)
            norm *= per_length
            norm += fixed
            norm += weight
            np.divide(weight, norm, out=weight)
            weight *= idf
            # A chunk has one posting per term: no two writes to the same place.
            scores[ordinals] += weight
    return _Bm25(scores, len(lists))


async def candidates(
    session: AsyncSession,
    tenant_id: str,
    state: SyncState,
    vector: Floats,
    query: str,
    language: str,
    mode: Mode,
    depth: int = FUSION_DEPTH,
) -> Candidates:
    """The nearest ``depth`` chunks and the ``depth`` best BM25 ones, with both scores."""
    sql = TenantSql(session, tenant_id)
    dim = len(vector)
    terms = list(dict.fromkeys(analyse(query, language))) if mode != "dense" else []
    parts = [] if mode == "lexical" else [_dense_sql(state, dim, tenant_id)]
    if terms:
        parts.append(_LEXICAL_SQL)
    rows = (
        await sql.run(
            " UNION ALL ".join(parts),
            vector=vector.tolist(),
            model=state.model,
            depth=depth,
            terms=terms,
            ef_search=str(max(EF_SEARCH, depth)),
        )
        if parts
        else []
    )
    # chunk id -> (ordinal, cosine, language), nearest first
    found = {r[1]: (int(r[3]), float(r[4]), str(r[2])) for r in rows if r[0] == 0}
    if mode != "lexical" and state.hnsw_index is not None and len(found) < min(depth, state.chunks):
        # Deleted rows stay in the graph until a vacuum, and count against ef_search:
        # fall back to the exact scan rather than rank fewer candidates.
        exact = replace(state, hnsw_index=None)
        rows = await sql.run(
            _dense_sql(exact, dim, tenant_id),
            vector=vector.tolist(),
            model=state.model,
            depth=depth,
        )
        found = {r[1]: (int(r[3]), float(r[4]), str(r[2])) for r in rows}
    bm25 = _bm25(terms, rows) if terms else _Bm25(np.zeros(0, dtype=np.float32), 0)
    coverage = bm25.known / len(terms) if terms else 0.0
    positive = np.flatnonzero(bm25.scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-bm25.scores[positive], depth - 1)[:depth]]
    seen = {ordinal for ordinal, _, _ in found.values()}
    wanted = [int(o) for o in positive if int(o) not in seen]
    if wanted:
        for chunk_id, ordinal, cosine, lang in await sql.run(
            f"""SELECT chunk_id, ordinal, 1 - (embedding <=> {_query_vector(dim, False)}),
                language FROM knowledge_vectors
            WHERE tenant_id = :tenant_id AND ordinal = ANY(CAST(:ordinals AS integer[]))
              AND embedding_model = :model""",
            vector=vector.tolist(),
            model=state.model,
            ordinals=wanted,
        ):
            found[chunk_id] = (int(ordinal), float(cosine), str(lang))
    chunk_ids = list(found)
    ordinals = np.array([found[c][0] for c in chunk_ids], dtype=np.int64)
    lexical = np.zeros(len(chunk_ids), dtype=np.float32)
    inside = ordinals < len(bm25.scores)
    lexical[inside] = bm25.scores[ordinals[inside]]
    return Candidates(
        chunk_ids=chunk_ids,
        dense=np.array([found[c][1] for c in chunk_ids], dtype=np.float32),
        lexical=lexical,
        same_language=np.array([found[c][2] == language for c in chunk_ids], dtype=np.float32),
        coverage=coverage,
    )
