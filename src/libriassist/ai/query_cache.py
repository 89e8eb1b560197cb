"""A bounded, thread-safe LRU of query embeddings keyed by (model id, text).

Visitors ask the same FAQ questions again and again; a hit skips the model (and, for a
remote embedder, a network round trip). The model id is part of the key, so two vector
spaces never share an entry.
"""

import numpy as np
import numpy.typing as npt

from libriassist.kit.lru import Lru

Vector = npt.NDArray[np.float32]


class QueryCache:
    def __init__(self, size: int) -> None:
        self._entries: Lru[tuple[str, str], Vector] = Lru(size)

    @property
    def size(self) -> int:
        return self._entries.size

    def resize(self, size: int) -> None:
        self._entries.resize(size)

    def get(self, model_id: str, text: str) -> Vector | None:
        return self._entries.get((model_id, text))

    def put(self, model_id: str, text: str, vector: Vector) -> Vector:
        """Store a read-only copy and return it: callers share the cached array."""
        if self._entries.size == 0:
            return vector
        stored = np.array(vector, dtype=np.float32)
        stored.setflags(write=False)
        self._entries.put((model_id, text), stored)
        return stored

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
