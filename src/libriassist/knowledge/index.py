"""A per-process, per-tenant in-memory vector index, rebuilt when the KB version moves.

Each worker checks the tenant's ``kb_revision`` (one indexed read) before searching, so an
ingest in any process is visible everywhere on the next question, without a restart.
"""

import asyncio
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from libriassist.ai.embedder import Embedder
from libriassist.knowledge.background import BACKGROUND_QUESTIONS


@dataclass(frozen=True)
class IndexedChunk:
    chunk_id: str
    document_id: str
    kind: str
    title: str
    question: str | None
    text: str
    language: str
    url: str | None
    source_uri: str


@dataclass
class TenantIndex:
    version: str
    chunks: list[IndexedChunk]
    matrix: npt.NDArray[np.float32]  # (n, dim), rows L2-normalised

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        result: npt.NDArray[np.float32] = self.matrix @ query
        return result


class IndexCache:
    def __init__(self) -> None:
        self._indexes: dict[str, TenantIndex] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._background: dict[str, npt.NDArray[np.float32]] = {}

    def background(self, embedder: Embedder) -> npt.NDArray[np.float32]:
        """The background questions embedded as passages, once per model."""
        if embedder.model_id not in self._background:
            self._background[embedder.model_id] = embedder.embed_passages(BACKGROUND_QUESTIONS)
        return self._background[embedder.model_id]

    def get(self, tenant_id: str, version: str) -> TenantIndex | None:
        index = self._indexes.get(tenant_id)
        return index if index is not None and index.version == version else None

    def lock(self, tenant_id: str) -> asyncio.Lock:
        return self._locks.setdefault(tenant_id, asyncio.Lock())

    def put(self, tenant_id: str, index: TenantIndex) -> None:
        self._indexes[tenant_id] = index

    def drop(self, tenant_id: str) -> None:
        self._indexes.pop(tenant_id, None)
