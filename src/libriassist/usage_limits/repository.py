"""All SQL for usage counters and quotas. Counters move only by ``x = x + n`` in the
database, never read-modify-write in Python, so concurrent workers never lose a count."""

from collections.abc import Mapping
from functools import cache
from typing import Any, cast

from sqlalchemy import BigInteger, Insert, Select, Table, and_, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from libriassist.db import utcnow
from libriassist.kit.repository import TenantRepository
from libriassist.usage_limits.models import TenantQuota, TenantUsage

COUNTERS = ("messages", "sessions", "tokens")


class UsageRepository(TenantRepository[TenantUsage]):
    model = TenantUsage

    async def of_period(self, period: str) -> TenantUsage | None:
        stmt = (
            self.select()
            .where(TenantUsage.period == period)
            .execution_options(populate_existing=True)
        )
        row: TenantUsage | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return row

    async def add_to(
        self, period: str, *, room: Mapping[str, tuple[int, int]] | None = None, **amounts: int
    ) -> bool:
        """Adds ``amounts`` to the period's counters in one statement (an upsert: the first
        count of a month creates its row), only if each counter named in ``room`` as
        ``(needed, cap)`` has ``counter + needed <= cap`` on the row as it is then (the
        database evaluates it under the row lock). False when a condition stopped it. A
        new row is not checked: callers refuse a cap of 0 first."""
        room = room or {}
        dialect = self.executor.get_bind().dialect.name
        stmt = _upsert(dialect, tuple(sorted(amounts)), tuple(sorted(room)))
        now = utcnow()
        params: dict[str, object] = {
            "tenant_id": self.tenant_id,
            "period": period,
            "created_at": now,
            "updated_at": now,
            **{name: amounts.get(name, 0) for name in COUNTERS},
            **{f"add_{name}": amount for name, amount in amounts.items()},
            **{f"needed_{name}": needed for name, (needed, _) in room.items()},
            **{f"cap_{name}": cap for name, (_, cap) in room.items()},
        }
        result = await self.executor.execute(stmt, params)
        return bool(getattr(result, "rowcount", 0))

    async def counters(self, period: str) -> tuple[int, int, int] | None:
        """The period's (messages, sessions, tokens), or None before its first count."""
        row = await self.first_scoped(_counters(), {"period": period})
        return None if row is None else (int(row[0]), int(row[1]), int(row[2]))


@cache
def _counters() -> Select[Any]:
    columns = [TenantUsage.__table__.c[name] for name in COUNTERS]
    stmt = UsageRepository.scoped_select(*columns)
    return stmt.where(TenantUsage.__table__.c.period == bindparam("period"))


@cache
def _upsert(dialect: str, added: tuple[str, ...], checked: tuple[str, ...]) -> Insert:
    """The counting upsert, built once per dialect and shape (it runs with every message)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, TenantUsage.__table__)
    columns = ("tenant_id", "period", "created_at", "updated_at", *COUNTERS)
    stmt = insert(table).values({name: bindparam(name) for name in columns})
    conditions = [
        table.c[name] + bindparam(f"needed_{name}", type_=BigInteger)
        <= bindparam(f"cap_{name}", type_=BigInteger)
        for name in checked
    ]
    return stmt.on_conflict_do_update(
        index_elements=["tenant_id", "period"],
        set_={
            **{name: table.c[name] + bindparam(f"add_{name}", type_=BigInteger) for name in added},
            "updated_at": bindparam("updated_at"),
        },
        where=and_(*conditions) if conditions else None,
    )


class QuotaRepository(TenantRepository[TenantQuota]):
    model = TenantQuota

    async def current(self) -> TenantQuota | None:
        row: TenantQuota | None = (await self.session.execute(self.select())).scalar_one_or_none()
        return row
