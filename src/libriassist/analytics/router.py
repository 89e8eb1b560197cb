from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from libriassist.analytics import service as analytics_service
from libriassist.analytics.schemas import EventOut, EventsAccepted, EventsSummary, EventType
from libriassist.api import AppResources, DbSession
from libriassist.auth.dependencies import BeaconKey, SecretKey
from libriassist.db import write_scope
from libriassist.errors import ERROR_RESPONSES
from libriassist.usage_limits.dependencies import EventsRateLimit, UsageClock
from libriassist.usage_limits.errors import LIMITED_RESPONSES

EVENTS_PATH = "/api/v1/analytics/events"
# Fifty small events fit with room to spare; the body limit is applied by
# kit.middleware.BodySizeLimitMiddleware (main.py) before anything is read.
MAX_EVENTS_BYTES = 16 * 1024

router = APIRouter(prefix="/api/v1", tags=["analytics"], responses=ERROR_RESPONSES)

_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": '`{"events": [...]}`, 1 to 50 events, at most 16 KB. Read as JSON '
        "whatever the content type: `navigator.sendBeacon` sends `text/plain`.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/analytics/events",
    status_code=202,
    response_model=EventsAccepted,
    responses=LIMITED_RESPONSES,
    openapi_extra=_BATCH_BODY,
)
async def receive_events(
    request: Request,
    _: EventsRateLimit,
    principal: BeaconKey,
    resources: AppResources,
    clock: UsageClock,
) -> EventsAccepted:
    """The widget's usage events. The publishable key goes in `X-API-Key` or, for
    `sendBeacon`, in the `key` query parameter. All stored, or none (`422 invalid_events`
    names each bad event's index and field)."""
    batch = analytics_service.parse_batch(await request.body())
    async with write_scope(resources.sessionmaker) as session:  # queued with other writers
        accepted = await analytics_service.record(session, principal.tenant_id, batch, clock())
    return EventsAccepted(accepted=accepted)


@router.get("/admin/analytics/events", response_model=list[EventOut])
async def list_events(
    principal: SecretKey,
    session: DbSession,
    type: Annotated[EventType | None, Query(description="Only this type.")] = None,
    since: Annotated[datetime | None, Query(description="Only events at or after.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EventOut]:
    """Stored events, newest first."""
    events = await analytics_service.list_events(session, principal.tenant_id, type, since, limit)
    return [EventOut.model_validate(event) for event in events]


@router.get("/admin/analytics/summary", response_model=EventsSummary)
async def summary(
    principal: SecretKey,
    session: DbSession,
    since: Annotated[datetime | None, Query(description="Only events at or after.")] = None,
) -> EventsSummary:
    """Events per type, and the mean session length."""
    return await analytics_service.summary(session, principal.tenant_id, since)
