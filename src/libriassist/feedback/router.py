from typing import Annotated

from fastapi import APIRouter, Header

from libriassist.api import AppResources
from libriassist.auth.dependencies import AnyKey
from libriassist.db import write_scope
from libriassist.errors import ERROR_RESPONSES
from libriassist.feedback import service as feedback_service
from libriassist.feedback.schemas import FeedbackIn
from libriassist.identity.dependencies import OptionalShopper
from libriassist.usage_limits.dependencies import EventsRateLimit, UsageClock
from libriassist.usage_limits.errors import LIMITED_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["feedback"], responses=ERROR_RESPONSES)


@router.post("/feedback", status_code=204, responses=LIMITED_RESPONSES)
async def rate_reply(
    body: FeedbackIn,
    _: EventsRateLimit,
    principal: AnyKey,
    resources: AppResources,
    shopper: OptionalShopper,
    clock: UsageClock,
    session_token: Annotated[
        str | None,
        Header(alias="X-Session-Token", description="The token of the reply's session."),
    ] = None,
) -> None:
    """Rate an assistant reply up or down, with an optional comment; rating again
    replaces the earlier rating. Anything but a reply of the session's own conversation
    is `404 message_not_found`."""
    # A writer from its first read (SQLite: a reader that then writes fails when another
    # writer, an analytics batch say, committed in between), opened only once the shopper
    # token is checked, so a slow key server never holds the write lock.
    async with write_scope(resources.sessionmaker) as session:
        await feedback_service.rate_reply(
            session, principal.tenant_id, body, session_token, shopper, clock()
        )
