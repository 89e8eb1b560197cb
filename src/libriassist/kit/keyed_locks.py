"""One asyncio lock per key (a tenant), kept only while someone holds or waits for it.

The index and intent caches hold a tenant's lock while they build its index or model, so
that the questions arriving meanwhile wait for that one build rather than each start
their own. Kept for ever, the locks grew by one per tenant ever seen."""

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class KeyedLocks:
    def __init__(self) -> None:
        # key -> (its lock, how many hold it or wait for it)
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        # No await between reading and writing the count: one event loop, no race.
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            _, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        return len(self._locks)
