"""The widget's analytics events: a batch is checked whole and stored whole, or refused
whole (the widget sends it once, from ``sendBeacon``, and cannot retry part of it)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.analytics.models import AnalyticsEvent
from libriassist.analytics.repository import EventRepository
from libriassist.analytics.schemas import EVENT_TYPES, EventBatch, EventsSummary, EventType
from libriassist.errors import AppError, MalformedJson
from libriassist.kit.ids import new_id

# A page can be left open (or a laptop closed) for a while before the batch goes out;
# older than this, a widget is replaying something it should have dropped.
MAX_AGE = timedelta(hours=24)
# Clocks of visitors' machines drift; further ahead than this, the time is made up.
MAX_AHEAD = timedelta(minutes=5)


class InvalidEvents(AppError):
    status_code = 422
    code = "invalid_events"
    message = "Some events are invalid; none were stored."


def _problem(index: int | None, field: str | None, message: str, kind: str) -> dict[str, Any]:
    return {"index": index, "field": field, "message": message, "type": kind}


def parse_batch(raw: bytes) -> EventBatch:
    """The body as JSON whatever its content type: ``sendBeacon`` sends text/plain."""
    try:
        return EventBatch.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if any(err["type"] in ("json_invalid", "json_type") for err in errors):
            raise MalformedJson() from None
        problems = [_located(err) for err in errors]
        first = problems[0]
        where = f"event {first['index']}: " if first["index"] is not None else ""
        raise InvalidEvents(
            f"{where}'{first['field']}' {first['message']}; none of the events were stored.",
            details=problems,
        ) from None


def _located(err: Any) -> dict[str, Any]:
    loc = list(err.get("loc", ()))
    message = err.get("msg", "")
    kind = err.get("type", "")
    if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
        field = ".".join(str(part) for part in loc[2:]) or None
        return _problem(loc[1], field, message, kind)
    return _problem(None, ".".join(str(part) for part in loc) or "body", message, kind)


async def record(session: AsyncSession, tenant_id: str, batch: EventBatch, now: datetime) -> int:
    problems = []
    for index, event in enumerate(batch.events):
        if event.at < now - MAX_AGE:
            problems.append(_problem(index, "at", "is more than 24 hours old", "too_old"))
        elif event.at > now + MAX_AHEAD:
            problems.append(
                _problem(index, "at", "is more than 5 minutes in the future", "in_future")
            )
    if problems:
        first = problems[0]
        raise InvalidEvents(
            f"event {first['index']}: 'at' {first['message']}; none of the events were stored.",
            details=problems,
        )
    EventRepository(session, tenant_id).add_all(
        [
            AnalyticsEvent(
                id=new_id(),
                type=event.type,
                # Stored in UTC: SQLite keeps no zone, and comparisons are on the text.
                at=event.at.astimezone(UTC),
                session_id=event.session_id,
                language=event.language,
                duration_ms=event.duration_ms,
                message_id=event.message_id,
                rating=event.rating,
                received_at=now,
            )
            for event in batch.events
        ]
    )
    await session.flush()
    return len(batch.events)


async def list_events(
    session: AsyncSession,
    tenant_id: str,
    event_type: EventType | None,
    since: datetime | None,
    limit: int,
) -> list[AnalyticsEvent]:
    return await EventRepository(session, tenant_id).newest(event_type, _as_utc(since), limit)


async def summary(session: AsyncSession, tenant_id: str, since: datetime | None) -> EventsSummary:
    events = EventRepository(session, tenant_id)
    since = _as_utc(since)
    counts = await events.counts(since)
    measured, mean = await events.session_durations(since)
    return EventsSummary(
        since=since,
        counts={kind: counts.get(kind, 0) for kind in EVENT_TYPES},
        sessions_measured=measured,
        mean_session_duration_ms=mean,
    )


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # A time without a zone is read as UTC, like every stored time.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
