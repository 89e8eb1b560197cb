"""A per-process, per-tenant in-memory vector index, rebuilt when the KB version moves.

Each search is given the tenant's ``kb_revision`` (from the tenant row, which the settings
cache keeps only while nothing changed: kit/settings_cache.py), so an ingest in any process
is visible everywhere on the next question, without a restart.
"""

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from libriassist.kit.keyed_locks import KeyedLocks
from libriassist.kit.lru import Lru
from libriassist.knowledge.lexical import LexicalIndex
from libriassist.knowledge.retrieval import Mode, Ranked, rank

# Searches each tenant's index keeps the hits of (knowledge.service.search).
REMEMBERED_SEARCHES = 1024


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


_FIELDS = tuple(f.name for f in fields(IndexedChunk))


class ChunkTable:
    """A tenant's chunks, kept as plain tuples of their fields and handed out as
    ``IndexedChunk``s.

    The garbage collector stops tracking a plain tuple of strings at the first collection
    that meets it; it tracks a dataclass for ever, and every full collection then visits
    each of its nine fields. At 20,000 chunks that was 200,000 visits, most of a full
    collection's 27 ms, during which no reply moves: a stream that starts meanwhile waits.
    """

    def __init__(self, chunks: Iterable[IndexedChunk]) -> None:
        self._rows = [tuple(getattr(chunk, name) for name in _FIELDS) for chunk in chunks]

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, number: int) -> IndexedChunk:
        return IndexedChunk(*self._rows[number])

    def __iter__(self) -> Iterator[IndexedChunk]:
        return (IndexedChunk(*row) for row in self._rows)


@dataclass
class TenantIndex:
    version: str
    chunks: ChunkTable
    matrix: npt.NDArray[np.float32]  # (n, dim), rows L2-normalised
    lexical: LexicalIndex

    def __post_init__(self) -> None:
        self._languages = np.array([c.language for c in self.chunks])
        self._same_language: dict[str, npt.NDArray[np.float32]] = {}
        # Searches this index answered lately (knowledge.service.search): the same
        # question gets the same hits for as long as this index, that is this revision of
        # the tenant's knowledge, lives.
        self._answers: Lru[tuple[object, ...], tuple[Any, ...]] = Lru(REMEMBERED_SEARCHES)

    def remembered(self, key: tuple[object, ...]) -> tuple[Any, ...] | None:
        return self._answers.get(key)

    def remember(self, key: tuple[object, ...], answer: tuple[Any, ...]) -> None:
        self._answers.put(key, answer)

    def same_language(self, language: str) -> npt.NDArray[np.float32]:
        """1 for the chunks in ``language``, 0 for the others (kept: the index never changes)."""
        same = self._same_language.get(language)
        if same is None:
            same = (self._languages == language).astype(np.float32)
            same.flags.writeable = False
            self._same_language[language] = same
        return same

    def rank(
        self, vector: npt.NDArray[np.float32], query: str, language: str, mode: Mode
    ) -> tuple[Ranked, npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The ranking for ``mode``, plus every chunk's dense and lexical scores."""
        similarity: npt.NDArray[np.float32] = self.matrix @ vector
        lexical, coverage = (
            self.lexical.scores(query, language)
            if mode != "dense"
            else (np.zeros(len(self.chunks), dtype=np.float32), 0.0)
        )
        same = self.same_language(language)
        return rank(mode, similarity, lexical, coverage, same), similarity, lexical


class IndexCache:
    """Each process's indexes, least recently used dropped first once they hold more than
    ``max_chunks`` chunks in all (the index just loaded always stays)."""

    def __init__(self, max_chunks: int = 500_000) -> None:
        self.max_chunks = max_chunks
        self._indexes: OrderedDict[str, TenantIndex] = OrderedDict()
        self._locks = KeyedLocks()

    def get(self, tenant_id: str, version: str) -> TenantIndex | None:
        index = self._indexes.get(tenant_id)
        if index is None or index.version != version:
            return None
        self._indexes.move_to_end(tenant_id)
        return index

    def lock(self, tenant_id: str) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(tenant_id)

    def put(self, tenant_id: str, index: TenantIndex) -> None:
        self._indexes[tenant_id] = index
        self._indexes.move_to_end(tenant_id)
        while len(self._indexes) > 1 and self.chunk_count > self.max_chunks:
            self._indexes.popitem(last=False)

    def drop(self, tenant_id: str) -> None:
        self._indexes.pop(tenant_id, None)

    @property
    def chunk_count(self) -> int:
        return sum(len(index.chunks) for index in self._indexes.values())

    def tenants(self) -> list[str]:
        """Cached tenants, least recently used first."""
        return list(self._indexes)
