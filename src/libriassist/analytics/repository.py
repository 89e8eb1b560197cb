"""All SQL for analytics events, scoped to one tenant."""

from datetime import datetime
from typing import Any

from sqlalchemy import func

from libriassist.analytics.models import AnalyticsEvent
from libriassist.kit.repository import TenantRepository


class EventRepository(TenantRepository[AnalyticsEvent]):
    model = AnalyticsEvent

    def add_all(self, events: list[AnalyticsEvent]) -> None:
        for event in events:
            self.add(event)

    async def newest(
        self, event_type: str | None, since: datetime | None, limit: int
    ) -> list[AnalyticsEvent]:
        stmt = self.select()
        stmt = self._filtered(stmt, event_type, since)
        stmt = stmt.order_by(
            AnalyticsEvent.at.desc(), AnalyticsEvent.received_at.desc(), AnalyticsEvent.id
        )
        return list((await self.session.execute(stmt.limit(limit))).scalars())

    async def counts(self, since: datetime | None) -> dict[str, int]:
        stmt = self.select(AnalyticsEvent.type, func.count()).group_by(AnalyticsEvent.type)
        rows = await self.session.execute(self._filtered(stmt, None, since))
        return {str(kind): int(count) for kind, count in rows}

    async def session_durations(self, since: datetime | None) -> tuple[int, float | None]:
        """How many session_duration events, and their mean duration."""
        stmt = self.select(func.count(), func.avg(AnalyticsEvent.duration_ms))
        stmt = self._filtered(stmt, "session_duration", since)
        count, mean = (await self.session.execute(stmt)).one()
        return int(count), None if mean is None else float(mean)

    @staticmethod
    def _filtered(stmt: Any, event_type: str | None, since: datetime | None) -> Any:
        if event_type is not None:
            stmt = stmt.where(AnalyticsEvent.type == event_type)
        if since is not None:
            stmt = stmt.where(AnalyticsEvent.at >= since)
        return stmt
