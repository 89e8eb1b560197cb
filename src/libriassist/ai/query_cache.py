"""A bounded, thread-safe LRU of query embeddings keyed by (model id, text).

Visitors ask the same FAQ questions again and again; a hit skips the model (and, for a
remote embedder, a network round trip). The model id is part of the key, so two vector
spaces never share an entry.
"""

import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class QueryCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], Vector] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def resize(self, size: int) -> None:
        with self._lock:
            self._size = size
            self._trim()

    def get(self, model_id: str, text: str) -> Vector | None:
        with self._lock:
            vector = self._entries.get((model_id, text))
            if vector is not None:
                self._entries.move_to_end((model_id, text))
            return vector

    def put(self, model_id: str, text: str, vector: Vector) -> Vector:
        """Store a read-only copy and return it: callers share the cached array."""
        if self._size == 0:
            return vector
        stored = np.array(vector, dtype=np.float32)
        stored.setflags(write=False)
        with self._lock:
            self._entries[(model_id, text)] = stored
            self._entries.move_to_end((model_id, text))
            self._trim()
        return stored

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _trim(self) -> None:
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
