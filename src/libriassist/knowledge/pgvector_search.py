"""Search inside PostgreSQL with pgvector (``LIBRIASSIST_SEARCH_BACKEND=pgvector``).

The memory backend keeps every tenant's vectors and BM25 index in each worker. Here the
workers keep nothing per tenant: vectors sit in an HNSW index, BM25 postings in a btree,
and each search asks the database for a few hundred candidates, which are then ranked
by the same ``retrieval.rank`` as the memory backend.

Three side tables, created by ``ensure_schema`` at start-up rather than by a migration,
because the main schema must keep migrating on a PostgreSQL without pgvector:

- ``knowledge_vectors``: one row per chunk of the current embedding model, with its
  vector, language and analysed length. It references ``knowledge_chunks`` with ON DELETE
  CASCADE, so a deleted document (or tenant) is gone from search at once.
- ``knowledge_postings``: (tenant, term, chunk) -> term frequency and chunk length. BM25
  needs per-term frequencies and document frequencies, which a tsvector does not give
  cheaply; one btree led by (tenant, term) gives both.
- ``knowledge_vector_sync``: per tenant, the KB revision the two tables above reflect,
  the chunk count and mean length (BM25's N and avgdl).

They follow the chunks without touching the ingestion code: a search that finds the
tenant's ``kb_revision`` ahead of the synced one copies the missing chunks over, under a
per-tenant advisory lock so concurrent workers do the work once.
"""

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from libriassist.knowledge.analysis import analyse
from libriassist.knowledge.retrieval import FUSION_DEPTH, Mode, Ranked, rank

# BM25 as in lexical.py (bm25s, "lucene" variant).
K1 = 1.2
B = 0.75
# Up to this many chunks a tenant is searched exactly (a sequential scan of its rows is
# fast and always complete); above, through the HNSW index.
EXACT_SCAN_LIMIT = 20_000
# pgvector's maximum; without iterative index scans (pgvector < 0.8) a tenant filter
# drops candidates after the index scan, so the scan must look wider than ``depth``.
MAX_EF_SEARCH = 1000
SYNC_BATCH = 1000

Floats = npt.NDArray[np.float32]


class PgvectorUnavailable(RuntimeError):
    """The database cannot host the pgvector backend; the message says how to fix it."""


def hnsw_index_name(model_id: str, dim: int) -> str:
    digest = hashlib.sha1(model_id.encode()).hexdigest()[:12]
    return f"ix_knowledge_vectors_hnsw_{digest}_{dim}"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def schema_statements(model_id: str, dim: int) -> list[str]:
    """Idempotent DDL for the side tables and the current model's HNSW index."""
    return [
        """CREATE TABLE IF NOT EXISTS knowledge_vectors (
            chunk_id varchar(32) PRIMARY KEY
                REFERENCES knowledge_chunks (id) ON DELETE CASCADE,
            tenant_id varchar(32) NOT NULL,
            embedding_model varchar(100) NOT NULL,
            language varchar(8) NOT NULL,
            length integer NOT NULL,
            embedding vector NOT NULL
        )""",
        """CREATE INDEX IF NOT EXISTS ix_knowledge_vectors_tenant_id_model
            ON knowledge_vectors (tenant_id, embedding_model)""",
        """CREATE TABLE IF NOT EXISTS knowledge_postings (
            tenant_id varchar(32) NOT NULL,
            term text NOT NULL,
            chunk_id varchar(32) NOT NULL
                REFERENCES knowledge_vectors (chunk_id) ON DELETE CASCADE,
            tf integer NOT NULL,
            length integer NOT NULL,
            -- tf and length in the index: BM25 reads postings by index only (once
            -- vacuumed), without visiting the table.
            PRIMARY KEY (tenant_id, term, chunk_id) INCLUDE (tf, length)
        )""",
        # The cascade from a deleted chunk finds its postings through this index.
        """CREATE INDEX IF NOT EXISTS ix_knowledge_postings_chunk_id
            ON knowledge_postings (chunk_id)""",
        """CREATE TABLE IF NOT EXISTS knowledge_vector_sync (
            tenant_id varchar(32) PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
            embedding_model varchar(100) NOT NULL,
            revision varchar(32) NOT NULL,
            chunks integer NOT NULL,
            avg_length double precision NOT NULL
        )""",
        # pgvector indexes need a fixed dimension: index the cast expression, only over
        # this model's rows (the documented pattern for a column of varying dimensions).
        f"""CREATE INDEX IF NOT EXISTS {hnsw_index_name(model_id, dim)}
            ON knowledge_vectors USING hnsw ((embedding::vector({dim})) vector_cosine_ops)
            WHERE embedding_model = {_literal(model_id)}""",
    ]


async def ensure_schema(engine: AsyncEngine, model_id: str, dim: int) -> None:
    """Create the extension, side tables and index if missing (safe to run by every worker)."""
    try:
        async with engine.begin() as conn:
            # Workers start together: serialise the DDL instead of racing on catalogs.
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('libriassist.ddl'))"))
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            for statement in schema_statements(model_id, dim):
                await conn.execute(text(statement))
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


async def _state(sql: TenantSql) -> SyncState | None:
    rows = await sql.run(
        "SELECT revision, embedding_model, chunks, avg_length FROM knowledge_vector_sync "
        "WHERE tenant_id = :tenant_id"
    )
    return SyncState(*rows[0]) if rows else None


def _is_current(state: SyncState | None, revision: str, model_id: str) -> bool:
    return state is not None and state.revision == revision and state.model == model_id


async def current_state(
    session: AsyncSession, tenant_id: str, revision: str, model_id: str
) -> SyncState:
    """The tenant's synced statistics, bringing the side tables up to ``revision`` first."""
    state = await _state(TenantSql(session, tenant_id))
    if state is not None and _is_current(state, revision, model_id):
        return state
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the pgvector backend needs a session bound to an AsyncEngine")
    # Its own transaction: the sync commits at once, whatever the caller's session does.
    async with engine.begin() as conn:
        return await sync_tenant(conn, tenant_id, model_id)


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
    await sql.run(
        "DELETE FROM knowledge_vectors WHERE tenant_id = :tenant_id AND embedding_model <> :model",
        model=model_id,
    )
    missing = await sql.run(
        """SELECT c.id FROM knowledge_chunks c
        WHERE c.tenant_id = :tenant_id AND c.embedding_model = :model
          AND NOT EXISTS (SELECT 1 FROM knowledge_vectors v WHERE v.chunk_id = c.id)""",
        model=model_id,
    )
    # Ids first, then texts and vectors a batch at a time: memory stays bounded.
    for start in range(0, len(missing), SYNC_BATCH):
        rows = await sql.run(
            """SELECT id, language, title, question, text, embedding FROM knowledge_chunks
            WHERE tenant_id = :tenant_id AND id = ANY(CAST(:ids AS text[]))""",
            ids=[row[0] for row in missing[start : start + SYNC_BATCH]],
        )
        await _copy(sql, rows, model_id)
    ((count, avg_length),) = await sql.run(
        "SELECT count(*), coalesce(avg(length), 0) FROM knowledge_vectors "
        "WHERE tenant_id = :tenant_id"
    )
    await sql.run(
        """INSERT INTO knowledge_vector_sync
            (tenant_id, embedding_model, revision, chunks, avg_length)
        VALUES (:tenant_id, :model, :revision, :chunks, :avg_length)
        ON CONFLICT (tenant_id) DO UPDATE SET embedding_model = EXCLUDED.embedding_model,
            revision = EXCLUDED.revision, chunks = EXCLUDED.chunks,
            avg_length = EXCLUDED.avg_length""",
        model=model_id,
        revision=revision,
        chunks=count,
        avg_length=float(avg_length),
    )
    return SyncState(revision, model_id, int(count), float(avg_length))


async def _copy(sql: TenantSql, rows: Sequence[Any], model_id: str) -> None:
    if not rows:
        return
    vectors, chunk_ids, terms, tfs, lengths = [], [], [], [], []
    for chunk_id, language, title, question, body, embedding in rows:
        # The same text and analysis as the memory backend's LexicalIndex.
        analysed = analyse(" ".join(filter(None, (title, question, body))), language)
        vectors.append(
            {
                "chunk_id": chunk_id,
                "model": model_id,
                "language": language,
                "length": len(analysed),
                "embedding": np.frombuffer(embedding, dtype=np.float32).tolist(),
            }
        )
        for term, tf in Counter(analysed).items():
            chunk_ids.append(chunk_id)
            terms.append(term)
            tfs.append(tf)
            lengths.append(len(analysed))
    await sql.run_many(
        """INSERT INTO knowledge_vectors
            (chunk_id, tenant_id, embedding_model, language, length, embedding)
        VALUES (:chunk_id, :tenant_id, :model, :language, :length,
            CAST(CAST(:embedding AS real[]) AS vector))""",
        vectors,
    )
    # One statement per batch: unnest turns the parallel arrays into rows.
    await sql.run(
        """INSERT INTO knowledge_postings (tenant_id, term, chunk_id, tf, length)
        SELECT :tenant_id, u.term, u.chunk_id, u.tf, u.length
        FROM unnest(CAST(:terms AS text[]), CAST(:chunk_ids AS text[]),
                    CAST(:tfs AS integer[]), CAST(:lengths AS integer[]))
            AS u(term, chunk_id, tf, length)""",
        terms=terms,
        chunk_ids=chunk_ids,
        tfs=tfs,
        lengths=lengths,
    )


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


# A scalar subquery is computed once per statement (not per row, as a cast of a
# parameter may be in a generic plan) and still lets the planner use the HNSW index.
_VECTOR_PARAM = "(SELECT CAST(CAST(:vector AS real[]) AS vector({dim})))"


async def _dense(
    sql: TenantSql, vector: Floats, model_id: str, state: SyncState, depth: int
) -> dict[str, tuple[float, str]]:
    """chunk id -> (cosine, language) of the tenant's ``depth`` nearest chunks."""
    dim = len(vector)
    query = _VECTOR_PARAM.format(dim=dim)
    params = {"vector": vector.tolist(), "model": model_id, "depth": depth}
    if state.chunks > EXACT_SCAN_LIMIT:
        # Wide enough that, after dropping other tenants' rows, ``depth`` usually remain.
        ((total,),) = await sql.run(
            "SELECT reltuples FROM pg_class WHERE oid = 'knowledge_vectors'::regclass"
        )
        share = state.chunks / max(float(total), float(state.chunks))
        ef_search = min(MAX_EF_SEARCH, max(depth, math.ceil(1.5 * depth / share)))
        await sql.run(f"SET LOCAL hnsw.ef_search = {int(ef_search)}")
        # This ORDER BY is the indexed expression, so the planner walks the HNSW graph.
        rows = await sql.run(
            f"""SELECT chunk_id, 1 - (embedding::vector({dim}) <=> {query}), language
                FROM knowledge_vectors
                WHERE tenant_id = :tenant_id AND embedding_model = :model
                ORDER BY embedding::vector({dim}) <=> {query} LIMIT :depth""",
            **params,
        )
        if len(rows) >= min(depth, state.chunks):
            return {r[0]: (float(r[1]), r[2]) for r in rows}
    # Exact: the uncast column matches no vector index, so the tenant's rows are read
    # through the btree on tenant_id and all compared (complete, fast for small tenants).
    rows = await sql.run(
        f"""SELECT chunk_id, 1 - (embedding <=> {query}), language FROM knowledge_vectors
        WHERE tenant_id = :tenant_id AND embedding_model = :model
        ORDER BY embedding <=> {query} LIMIT :depth""",
        **params,
    )
    return {r[0]: (float(r[1]), r[2]) for r in rows}


async def _lexical(
    sql: TenantSql,
    terms: list[str],
    vector: Floats,
    state: SyncState,
    also: list[str],
    depth: int,
) -> tuple[dict[str, tuple[float, float, str]], int]:
    """chunk id -> (BM25, cosine, language) of the ``depth`` best BM25 chunks and of
    ``also``; and how many of ``terms`` occur in the tenant's chunks."""
    query = _VECTOR_PARAM.format(dim=len(vector))
    # Typed literals: a bare parameter next to an integer column would be taken as one.
    avg_length = f"CAST({max(state.avg_length, 1e-9)!r} AS float8)"
    rows = await sql.run(
        f"""WITH hits AS MATERIALIZED (
                SELECT term, chunk_id, tf, length FROM knowledge_postings
                WHERE tenant_id = :tenant_id AND term = ANY(CAST(:terms AS text[]))
            ), idf AS (
                SELECT term, ln(1 + (CAST(:n AS float8) - count(*) + 0.5) / (count(*) + 0.5)) AS idf
                FROM hits GROUP BY term
            ), scored AS MATERIALIZED (
                SELECT h.chunk_id, sum(
                    idf.idf * h.tf / (h.tf + {K1} * (1 - {B} + {B} * h.length / {avg_length}))
                ) AS bm25
                FROM hits h JOIN idf USING (term) GROUP BY h.chunk_id
            ), picked AS (
                (SELECT chunk_id, bm25 FROM scored ORDER BY bm25 DESC, chunk_id LIMIT :depth)
                UNION
                SELECT chunk_id, bm25 FROM scored
                WHERE chunk_id = ANY(CAST(:also AS text[]))
            )
            SELECT p.chunk_id, p.bm25, 1 - (v.embedding <=> {query}), v.language,
                (SELECT count(*) FROM idf)
            FROM picked p JOIN knowledge_vectors v USING (chunk_id)""",
        terms=terms,
        n=float(state.chunks),
        depth=depth,
        also=also,
        vector=vector.tolist(),
    )
    known = int(rows[0][4]) if rows else 0
    return {r[0]: (float(r[1]), float(r[2]), r[3]) for r in rows}, known


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
    sql = TenantSql(session, tenant_id)
    dense = {} if mode == "lexical" else await _dense(sql, vector, state.model, state, depth)
    lexical: dict[str, tuple[float, float, str]] = {}
    coverage = 0.0
    terms = list(dict.fromkeys(analyse(query, language)))
    if mode != "dense" and terms:
        lexical, known = await _lexical(sql, terms, vector, state, list(dense), depth)
        coverage = known / len(terms)
    chunk_ids = list(dict.fromkeys([*dense, *lexical]))
    cosine = np.array(
        [dense[c][0] if c in dense else lexical[c][1] for c in chunk_ids], dtype=np.float32
    )
    languages = [dense[c][1] if c in dense else lexical[c][2] for c in chunk_ids]
    return Candidates(
        chunk_ids=chunk_ids,
        dense=cosine,
        lexical=np.array([lexical[c][0] if c in lexical else 0.0 for c in chunk_ids], np.float32),
        same_language=np.array([lang == language for lang in languages], dtype=np.float32),
        coverage=coverage,
    )
