"""Rows that nearly every message reads and admins change now and then (API keys, tenants
with their knowledge version, model settings, quotas), kept in memory by each process.

Reading them cost a quarter of a quoted answer's CPU. Instead, each request reads one
number: ``settings_revision.revision``, which database triggers (migration 0016) move
whenever one of those tables changes, whoever changes it: the admin API, the CLI, another
worker, a job, a manual SQL fix. A process that sees a new number forgets everything it
kept, so a revoked key, a new allowed origin or an ingest applies to the next request
everywhere. A key's last use (written once a minute) does not move it.

``LIBRIASSIST_SETTINGS_CACHE_SECONDS`` bounds how long a row is kept all the same (a
safety net, not what makes changes apply); 0 turns the cache off.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import BigInteger, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base
from libriassist.kit.repository import Executor

T = TypeVar("T")

# The tables whose changes move the revision (the triggers are in migration 0016).
WATCHED_TABLES = ("tenants", "api_keys", "tenant_llm_settings", "tenant_quotas")


class SettingsRevision(Base):
    """One row (id 1): how many times the watched tables changed. Platform-wide, like
    the schema itself: it belongs to no tenant."""

    __tablename__ = "settings_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)


_revision_table = SettingsRevision.__table__
# On the table, not the mapped class: the ORM's handling of a select of mapped columns
# cost 0.25 ms of CPU here, two fifths of this read, on every request.
_READ_REVISION = select(_revision_table.c.revision).where(_revision_table.c.id == 1)


async def read_revision(executor: Executor) -> int | None:
    """The current revision; None if its row is missing (then nothing is cached). Every
    request reads it: on a ``DirectTransaction`` (kit/direct_sql.py) it costs least."""
    value = (await executor.execute(_READ_REVISION)).scalar()
    return None if value is None else int(value)


class SettingsCache:
    def __init__(self, seconds: float = 60.0, max_entries: int = 20_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.revision: int | None = None
        self._rows: dict[tuple[str, str], tuple[float, Any]] = {}
        # (kind, key) -> (revision, the first reader's outcome: kept?, value)
        self._loading: dict[tuple[str, str], tuple[int, asyncio.Future[tuple[bool, Any]]]] = {}

    def sync(self, revision: int | None) -> None:
        """Take the revision a request just read: any other one empties the cache. (An
        older one comes from a request that began before a change, or from the row being
        emptied and started again; the next request to read the newer one empties it
        again, and nothing read at one revision is served at another.)"""
        if revision is not None and revision != self.revision:
            self._rows.clear()
            self.revision = revision

    async def get(
        self,
        kind: str,
        key: str,
        load: Callable[[], Awaitable[T]],
        revision: int | None,
        *,
        keep_none: bool = True,
        session: AsyncSession | None = None,
    ) -> T:
        """The ``(kind, key)`` row kept at ``revision`` (the one this request read), or
        ``load()``'s result, then kept. A request that read another revision than the
        cache's (an older one: it began before a change) reads for itself and keeps
        nothing. ``keep_none=False``: a None result is not kept. ``session``: the one
        ``load`` reads an ORM row in; a row kept is taken out of it, since a rollback
        there would otherwise expire the row other requests share."""
        if self.seconds <= 0 or revision is None or revision != self.revision:
            return await load()
        now = time.monotonic()
        hit = self._rows.get((kind, key))
        if hit is not None and hit[0] > now:
            value: T = hit[1]
            return value
        # Requests that miss together (a burst after a quiet minute, or right after a
        # change) wait for the first one's read rather than each reading the row.
        loading = self._loading.get((kind, key))
        if loading is not None and loading[0] == revision:
            kept, shared = await asyncio.shield(loading[1])
            if kept:
                return cast(T, shared)
            return await load()  # not kept (an error, a change meanwhile): read it here
        done: asyncio.Future[tuple[bool, Any]] = asyncio.get_running_loop().create_future()
        self._loading[(kind, key)] = (revision, done)
        outcome: tuple[bool, Any] = (False, None)
        try:
            value = await load()
            # The revision may have moved while this request was reading: then what it
            # read may be older than the change, and is not kept.
            if revision == self.revision and (value is not None or keep_none):
                self._keep(kind, key, value, now, session)
                outcome = (True, value)
            return value
        finally:
            done.set_result(outcome)
            if self._loading.get((kind, key), (None, None))[1] is done:
                del self._loading[(kind, key)]

    def _keep(
        self, kind: str, key: str, value: Any, now: float, session: AsyncSession | None
    ) -> None:
        if len(self._rows) >= self.max_entries:
            self._rows = {k: v for k, v in self._rows.items() if v[0] > now}
            if len(self._rows) >= self.max_entries:
                self._rows.clear()
        if session is not None and value is not None:
            session.expunge(value)
        self._rows[(kind, key)] = (now + self.seconds, value)

    def __len__(self) -> int:
        return len(self._rows)

    def at(self, revision: int | None) -> "SettingsView":
        """What one request sees: this cache, at the revision it read."""
        self.sync(revision)
        return SettingsView(self, revision)


@dataclass(frozen=True)
class SettingsView:
    cache: SettingsCache
    revision: int | None

    async def get(
        self,
        kind: str,
        key: str,
        load: Callable[[], Awaitable[T]],
        *,
        keep_none: bool = True,
        session: AsyncSession | None = None,
    ) -> T:
        return await self.cache.get(
            kind, key, load, self.revision, keep_none=keep_none, session=session
        )


NO_CACHE = SettingsView(SettingsCache(0), None)
