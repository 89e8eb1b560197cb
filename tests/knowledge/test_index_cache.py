"""Each process keeps tenants' indexes within a chunk budget, least recently used out,
and builds them off the event loop."""

import gc
import threading
from typing import Any

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.knowledge import service
from libriassist.knowledge.index import ChunkTable, IndexCache, IndexedChunk, TenantIndex
from libriassist.knowledge.lexical import LexicalIndex
from libriassist.knowledge.repository import ChunkRepository
from tests.factories import Tenant


def index(version: str, size: int) -> TenantIndex:
    chunks = [
        IndexedChunk(str(i), "d", "faq", "t", None, f"text {i}", "en", None, "faq.json")
        for i in range(size)
    ]
    matrix = np.ones((size, 4), dtype=np.float32) / 2
    return TenantIndex(
        version, ChunkTable(chunks), matrix, LexicalIndex([c.text for c in chunks], ["en"] * size)
    )


def test_the_least_recently_used_tenants_leave_first() -> None:
    cache = IndexCache(max_chunks=10)
    cache.put("a", index("v1", 4))
    cache.put("b", index("v1", 4))
    assert cache.get("a", "v1") is not None  # a is now the most recent
    cache.put("c", index("v1", 4))  # 12 chunks > 10: b goes, a stays
    assert cache.tenants() == ["a", "c"] and cache.chunk_count == 8
    assert cache.get("b", "v1") is None


def test_a_tenant_bigger_than_the_budget_is_still_served() -> None:
    cache = IndexCache(max_chunks=5)
    cache.put("a", index("v1", 3))
    cache.put("huge", index("v1", 50))
    assert cache.tenants() == ["huge"] and cache.get("huge", "v1") is not None


def test_a_new_version_replaces_the_old_index() -> None:
    cache = IndexCache(max_chunks=100)
    cache.put("a", index("v1", 3))
    assert cache.get("a", "v2") is None
    cache.put("a", index("v2", 5))
    assert cache.chunk_count == 5 and cache.get("a", "v2") is not None


async def test_the_index_is_built_from_the_stored_chunks_off_the_event_loop(
    maker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Building 10k chunks' index took 70-100 ms of the event loop: no reply moved meanwhile.
    threads: list[int] = []
    build = service._build_index

    def watched(*args: Any) -> TenantIndex:
        threads.append(threading.get_ident())
        return build(*args)

    monkeypatch.setattr(service, "_build_index", watched)
    async with maker() as session:
        built = await service.load_index(session, tenant.id, embedder, IndexCache())
        rows = await ChunkRepository(session, tenant.id).all_for_index(embedder.model_id)
    assert threads and threads[0] != threading.get_ident()
    assert [c.chunk_id for c in built.chunks] == [row.id for row in rows] and rows
    for position, row in enumerate(rows):  # each row of the matrix is its chunk's vector
        assert built.matrix[position].tobytes() == row.embedding


def test_an_indexs_chunks_are_not_walked_by_every_full_garbage_collection() -> None:
    """A full collection visited each field of each chunk of every index held: at 20,000
    chunks, most of its 27 ms, during which no reply streams. Plain tuples of strings are
    untracked at their first collection; the chunks are still read as ``IndexedChunk``."""
    built = index("v1", 100)
    gc.collect()
    rows = [o for o in gc.get_referents(built.chunks) if isinstance(o, list)]
    assert rows and len(rows[0]) == 100
    assert not any(gc.is_tracked(row) for row in rows[0])
    assert len(built.chunks) == 100
    assert built.chunks[7] == IndexedChunk(
        "7", "d", "faq", "t", None, "text 7", "en", None, "faq.json"
    )
    assert [c.chunk_id for c in built.chunks][:3] == ["0", "1", "2"]
