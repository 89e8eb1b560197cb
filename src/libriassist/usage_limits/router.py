"""A tenant's usage this month (or a past one) and its own monthly caps (secret key)."""

from typing import Annotated

from fastapi import APIRouter, Query

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.usage_limits import service as usage_service
from libriassist.usage_limits.dependencies import UsageClock
from libriassist.usage_limits.schemas import PERIOD_PATTERN, QuotasIn, QuotasOut, UsageOut

router = APIRouter(prefix="/api/v1/admin", tags=["usage"], responses=ERROR_RESPONSES)


@router.get("/usage", response_model=UsageOut)
async def get_usage(
    principal: SecretKey,
    session: DbSession,
    resources: AppResources,
    clock: UsageClock,
    period: Annotated[
        str | None, Query(pattern=PERIOD_PATTERN, description="YYYY-MM; default: this month.")
    ] = None,
) -> UsageOut:
    """Messages, sessions and tokens counted in a calendar month (UTC), with the caps that
    apply today and what is left of them."""
    return await usage_service.usage_report(
        session, principal.tenant_id, resources.settings, period, clock()
    )


@router.get("/quotas", response_model=QuotasOut)
async def get_quotas(
    principal: SecretKey, session: DbSession, resources: AppResources
) -> QuotasOut:
    return await usage_service.describe_quotas(session, principal.tenant_id, resources.settings)


@router.put("/quotas", response_model=QuotasOut)
async def put_quotas(
    body: QuotasIn, principal: SecretKey, session: WriteSession, resources: AppResources
) -> QuotasOut:
    """Set the tenant's own monthly caps, e.g. to bound what its model costs. The
    platform's ceilings still apply: the lower one wins."""
    return await usage_service.set_quotas(session, principal.tenant_id, body, resources.settings)
