"""A tenant's customers (secret key): list them, export or erase one with their
conversations.

A customer id is whatever the shop's tokens carry in ``sub`` (``auth0|5f1c…``,
``alice@example.com``, even ``a/b``): send it percent-encoded. The ``path`` converter
takes it whole, slashes included.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.customers import service as customers_service
from libriassist.customers.schemas import CustomerErased, CustomerExport, CustomerPage
from libriassist.customers.tiers import Tier
from libriassist.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/admin/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.get("", response_model=CustomerPage)
async def list_customers(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    tier: Tier | None = None,
) -> CustomerPage:
    """Customer profiles (of one tier, when given), most recently seen first."""
    return await customers_service.list_profiles(session, principal.tenant_id, limit, cursor, tier)


@router.get("/{customer_id:path}", response_model=CustomerExport)
async def export_customer(
    customer_id: str, principal: SecretKey, session: DbSession
) -> CustomerExport:
    """Everything kept about one customer: the profile and every conversation, with its
    messages."""
    return await customers_service.export(session, principal.tenant_id, customer_id)


@router.delete("/{customer_id:path}", response_model=CustomerErased)
async def erase_customer(
    customer_id: str, principal: SecretKey, session: WriteSession, resources: AppResources
) -> CustomerErased:
    """Erase the profile and the customer's conversations with their messages, at once,
    and the order look-up counters kept under the customer's (hashed) id."""
    erased = await customers_service.erase(session, principal.tenant_id, customer_id)
    await resources.rate_limits.forget_customer(principal.tenant_id, customer_id)
    return erased
