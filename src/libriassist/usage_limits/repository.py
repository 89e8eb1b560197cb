"""All SQL for usage counters and quotas. Counters move only by ``x = x + n`` in the
database, never read-modify-write in Python, so concurrent workers never lose a count."""

from sqlalchemy import ColumnElement, and_
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
        self, period: str, *, only_if: list[ColumnElement[bool]] | None = None, **amounts: int
    ) -> bool:
        """Adds ``amounts`` to the period's counters in one statement (an upsert: the first
        count of a month creates its row), only if every condition in ``only_if`` holds on
        the row as it is then (the database evaluates it under the row lock). False when a
        condition stopped it. A new row is not checked: callers refuse a cap of 0 first."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        stmt = insert(TenantUsage).values(
            tenant_id=self.tenant_id,
            period=period,
            created_at=now,
            updated_at=now,
            **{name: amounts.get(name, 0) for name in COUNTERS},
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "period"],
            set_={
                **{name: getattr(TenantUsage, name) + amount for name, amount in amounts.items()},
                "updated_at": now,
            },
            where=and_(*only_if) if only_if else None,
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))


class QuotaRepository(TenantRepository[TenantQuota]):
    model = TenantQuota

    async def current(self) -> TenantQuota | None:
        row: TenantQuota | None = (await self.session.execute(self.select())).scalar_one_or_none()
        return row
