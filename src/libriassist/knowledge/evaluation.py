"""Retrieval evaluation on a BEIR-layout directory (corpus.jsonl, queries.jsonl, qrels.tsv).

The corpus is loaded into a fresh tenant of a database of its own (under
``DATA_DIR/eval``), through the product's own ingestion, chunking and index, and every
query is run through the product's own ranking. The database is kept, so a second run
on the same set embeds nothing.
"""

import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.db import session_scope
from libriassist.errors import TenantNotFound
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.index import IndexCache
from libriassist.knowledge.ingestion import Progress
from libriassist.knowledge.retrieval import Mode
from libriassist.knowledge.sources import parse_markdown
from libriassist.tenants.schemas import LANGUAGES

CUTOFFS = (1, 5, 10, 100)


class EvalSetError(Exception):
    """The directory is not a usable BEIR-layout set; the message says why."""


@dataclass
class EvalSet:
    name: str
    corpus: list[dict[str, Any]]
    queries: list[dict[str, Any]]
    qrels: dict[str, set[str]]

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for doc in self.corpus:
            digest.update(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()[:16]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise EvalSetError(f"missing {path.name} in {path.parent}")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"{path.name} line {number}: {exc.msg}") from exc
            if not isinstance(row, dict) or "_id" not in row or "text" not in row:
                raise EvalSetError(f"{path.name} line {number}: needs '_id' and 'text'")
            rows.append(row)
    return rows


def load_set(directory: Path) -> EvalSet:
    corpus = _read_jsonl(directory / "corpus.jsonl")
    queries = _read_jsonl(directory / "queries.jsonl")
    qrels_path = directory / "qrels.tsv"
    if not qrels_path.is_file():
        raise EvalSetError(f"missing qrels.tsv in {directory}")
    qrels: dict[str, set[str]] = {}
    for number, line in enumerate(qrels_path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t")
        if number == 1 and parts[0] in ("query-id", "query_id", "qid"):
            continue
        if len(parts) < 2 or not line.strip():
            continue
        score = float(parts[2]) if len(parts) > 2 and parts[2].strip() else 1.0
        if score > 0:
            qrels.setdefault(parts[0], set()).add(parts[1])
    queries = [q for q in queries if str(q["_id"]) in qrels]
    if not corpus or not queries:
        raise EvalSetError("the set has no corpus entries or no judged queries")
    return EvalSet(directory.resolve().name, corpus, queries, qrels)


def _language(row: dict[str, Any], default: str) -> str:
    lang = str(row.get("lang") or default)
    return lang if lang in LANGUAGES else default


def _document(row: dict[str, Any], default_language: str) -> Any:
    title = " ".join(str(row.get("title") or "").split())
    text = str(row["text"])
    body = f"# {title}\n\n{text}" if title else text
    marked = f"---\nlanguage: {_language(row, default_language)}\n---\n{body}"
    return parse_markdown(marked, str(row["_id"]), title or str(row["_id"]), default_language)


def metrics(ranked_ids: Sequence[str], relevant: set[str]) -> dict[str, float]:
    out = {
        f"recall@{k}": len(relevant.intersection(ranked_ids[:k])) / len(relevant) for k in CUTOFFS
    }
    first = next((i for i, doc in enumerate(ranked_ids[:10]) if doc in relevant), None)
    out["mrr@10"] = 0.0 if first is None else 1.0 / (first + 1)
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked_ids[:10]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    out["ndcg@10"] = dcg / ideal
    return out


async def prepare(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    eval_set: EvalSet,
    progress: Progress | None = None,
) -> tuple[str, int]:
    """Create the set's tenant and load its corpus (unchanged entries cost nothing).
    Returns the tenant id and how many chunks had to be embedded."""
    from libriassist.platform import service as platform_service
    from libriassist.tenants import service as tenants_service
    from libriassist.tenants.schemas import TenantSettings

    languages = [_language(row, "en") for row in eval_set.corpus]
    default = max(set(languages), key=languages.count)
    tenant_id = f"eval-{eval_set.fingerprint}"
    async with session_scope(maker) as session:
        try:
            await tenants_service.get_tenant(session, tenant_id)
        except TenantNotFound:
            settings = TenantSettings.model_validate(
                {"name": f"Evaluation {eval_set.name}", "default_language": default}
            )
            await platform_service.create_tenant(session, settings, tenant_id)
    documents = [_document(row, default) for row in eval_set.corpus]
    results = await knowledge_service.ingest_documents(
        maker, tenant_id, embedder, documents, progress
    )
    return tenant_id, sum(r.embedded for r in results)


async def evaluate(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    eval_set: EvalSet,
    tenant_id: str,
    modes: Sequence[Mode],
    progress: Progress | None = None,
) -> dict[str, dict[str, float]]:
    cache = IndexCache()
    async with maker() as session:
        index = await knowledge_service.load_index(session, tenant_id, embedder, cache)
    chunk_docs = [chunk.source_uri for chunk in index.chunks]
    totals: dict[str, dict[str, float]] = {mode: {} for mode in modes}
    latencies: dict[str, list[float]] = {mode: [] for mode in modes}
    search_latencies: dict[str, list[float]] = {mode: [] for mode in modes}
    for number, query in enumerate(eval_set.queries, start=1):
        text = str(query["text"])
        language = _language(query, "en")
        started = time.perf_counter()
        vector = await embed_query(embedder, text, language)
        embed_ms = (time.perf_counter() - started) * 1000
        for mode in modes:
            started = time.perf_counter()
            ranked, _, _ = index.rank(vector, text, language, mode)
            ranked_ids = _documents_in_order(ranked.order, chunk_docs, limit=max(CUTOFFS))
            search_ms = (time.perf_counter() - started) * 1000
            search_latencies[mode].append(search_ms)
            latencies[mode].append(search_ms + (0.0 if mode == "lexical" else embed_ms))
            for name, value in metrics(ranked_ids, eval_set.qrels[str(query["_id"])]).items():
                totals[mode][name] = totals[mode].get(name, 0.0) + value
        if progress and (number % 25 == 0 or number == len(eval_set.queries)):
            progress("query", number, len(eval_set.queries), "")
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        count = len(eval_set.queries)
        row = {name: total / count for name, total in totals[mode].items()}
        row["latency_ms_p50"] = float(np.percentile(latencies[mode], 50))
        row["latency_ms_p95"] = float(np.percentile(latencies[mode], 95))
        row["search_latency_ms_p50"] = float(np.percentile(search_latencies[mode], 50))
        row["search_latency_ms_p95"] = float(np.percentile(search_latencies[mode], 95))
        row["queries"] = count
        row["corpus"] = len(eval_set.corpus)
        row["chunks"] = len(index.chunks)
        results[mode] = row
    return results


def _documents_in_order(order: Any, chunk_docs: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for position in order:
        seen.setdefault(chunk_docs[position], None)
        if len(seen) == limit:
            break
    return list(seen)
