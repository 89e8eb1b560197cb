"""All SQL for usage counters and quotas. Counters move only by ``x = x + n`` in the
database, never read-modify-write in Python, so concurrent workers never lose a count."""

from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.dialects import postgresql, sqlite

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

    async def ensure(self, period: str) -> None:
        """The period's row exists afterwards. On SQLite this write also takes the
        database's write lock first, so the rest of the transaction cannot fail on a
        read snapshot that went stale."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(TenantUsage)
            .values(tenant_id=self.tenant_id, period=period, messages=0, sessions=0, tokens=0)
            .on_conflict_do_nothing(index_elements=["tenant_id", "period"])
        )
        await self.session.execute(stmt)

    async def add_to(
        self, period: str, *, only_if: list[ColumnElement[bool]] | None = None, **amounts: int
    ) -> bool:
        """Adds ``amounts`` to the period's counters in one statement, only if every
        condition in ``only_if`` holds on the row as it is then (the database evaluates it
        under the row lock). False when a condition stopped it."""
        await self.ensure(period)
        values: dict[str, Any] = {
            name: getattr(TenantUsage, name) + amount for name, amount in amounts.items()
        }
        stmt = self.update().where(TenantUsage.period == period)
        if only_if:
            stmt = stmt.where(and_(*only_if))
        result = await self.session.execute(
            stmt.values(values).execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


class QuotaRepository(TenantRepository[TenantQuota]):
    model = TenantQuota

    async def current(self) -> TenantQuota | None:
        row: TenantQuota | None = (await self.session.execute(self.select())).scalar_one_or_none()
        return row
