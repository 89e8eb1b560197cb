"""Customer profiles: what the assistant knows of a tenant's logged-in shoppers, and the
shopper's right to see and erase it.

A profile is created the first time a shopper's validated token reaches the chat
(``record_visit``) and keyed by the token's ``sub`` within the tenant. The order counts
and the tier come from the tenant's order source (``record_orders``). ``export`` and
``erase`` cover the profile *and* every conversation held under the customer's id.
"""

import base64
import binascii
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.customers import tiers
from libriassist.customers.errors import CustomerNotFound, InvalidCursor
from libriassist.customers.models import CUSTOMER_ID_LENGTH, CustomerProfile
from libriassist.customers.repository import (
    CustomerConversationRepository,
    CustomerMessageRepository,
    CustomerProfileRepository,
)
from libriassist.customers.schemas import (
    ConversationExport,
    CustomerErased,
    CustomerExport,
    CustomerPage,
    MessageExport,
    ProfileOut,
)
from libriassist.customers.tiers import Tier, tier_for
from libriassist.db import utcnow
from libriassist.identity.schemas import Shopper
from libriassist.tenants import service as tenants_service


async def record_visit(
    session: AsyncSession,
    tenant_id: str,
    shopper: Shopper,
    language: str | None,
    *,
    new_session: bool,
) -> CustomerProfile:
    """A message from a logged-in shopper: create their profile on first sight, else bring
    it up to date (last seen, the language of this message, the name and e-mail when the
    token carries them, one more session when ``new_session``). The first sight counts
    as one session whatever ``new_session`` says.

    Safe when two first messages arrive at once: the insert does nothing when the profile
    exists (however recently), and the update that follows applies to it. Call it in a
    write transaction (``db.write_scope``): SQLite then waits for its turn to write.
    """
    now = utcnow()
    repository = CustomerProfileRepository(session, tenant_id)
    created = await repository.insert_if_absent(
        shopper.customer_id,
        {
            "display_name": shopper.name,
            "email": shopper.email,
            "preferred_language": language,
            "first_seen_at": now,
            "last_seen_at": now,
            "sessions_count": 1,
            "orders_count": 0,
            "orders_value_cents": 0,
            "tier": "bronze",
        },
    )
    if not created:
        changes: dict[str, Any] = {"last_seen_at": now, "updated_at": now}
        if language:
            changes["preferred_language"] = language
        if shopper.name:
            changes["display_name"] = shopper.name
        if shopper.email:
            changes["email"] = shopper.email
        if new_session:
            changes["sessions_count"] = CustomerProfile.sessions_count + 1
        await repository.change(shopper.customer_id, changes)
    profile = await repository.find(shopper.customer_id)
    assert profile is not None  # created or updated just above, in this transaction
    return profile


async def record_orders(
    session: AsyncSession,
    tenant_id: str,
    customer_id: str,
    orders_count: int,
    orders_value: Decimal | int,
) -> CustomerProfile | None:
    """Set the customer's order count and total (currency units, e.g. ``Decimal("149.90")``)
    as the order source reports them, and their tier from the tenant's thresholds.

    Returns None, writing nothing, when the customer has no profile (profiles start with
    a visit, ``record_visit``)."""
    if orders_count < 0 or orders_value < 0:
        raise ValueError("order counts and values are never negative")
    tenant = await tenants_service.get_tenant(session, tenant_id)
    value_cents = tiers.cents(orders_value)
    tier = tier_for(Decimal(value_cents).scaleb(-2), tiers.thresholds_of(tenant.customer_tiers))
    repository = CustomerProfileRepository(session, tenant_id)
    changed = await repository.change(
        customer_id,
        {
            "orders_count": orders_count,
            "orders_value_cents": value_cents,
            "tier": tier,
            "updated_at": utcnow(),
        },
    )
    return await repository.find(customer_id) if changed else None


async def get_profile(session: AsyncSession, tenant_id: str, customer_id: str) -> CustomerProfile:
    profile = await CustomerProfileRepository(session, tenant_id).find(customer_id)
    if profile is None:
        raise CustomerNotFound()
    return profile


async def export(session: AsyncSession, tenant_id: str, customer_id: str) -> CustomerExport:
    """The customer's profile and conversations with every message, oldest first.
    ``CustomerNotFound`` when the tenant has neither under this id."""
    profile = await CustomerProfileRepository(session, tenant_id).find(customer_id)
    conversations_repository = CustomerConversationRepository(session, tenant_id)
    conversations = await conversations_repository.of_customer(customer_id)
    if profile is None and not conversations:
        raise CustomerNotFound()
    messages = await CustomerMessageRepository(session, tenant_id).in_conversations(
        conversations_repository.ids_of(customer_id)
    )
    by_conversation: dict[str, list[MessageExport]] = defaultdict(list)
    for message in messages:
        by_conversation[message.conversation_id].append(MessageExport.model_validate(message))
    return CustomerExport(
        customer_id=customer_id,
        profile=describe(profile) if profile is not None else None,
        conversations=[
            ConversationExport(
                session_id=c.id,
                language=c.language,
                created_at=c.created_at,
                last_message_at=c.last_message_at,
                messages=by_conversation[c.id],
            )
            for c in conversations
        ],
    )


async def erase(session: AsyncSession, tenant_id: str, customer_id: str) -> CustomerErased:
    """Delete the customer's profile, conversations and their messages, all in the
    caller's transaction. ``CustomerNotFound`` when there is nothing under this id."""
    conversations = CustomerConversationRepository(session, tenant_id)
    messages_deleted = await CustomerMessageRepository(session, tenant_id).remove_in_conversations(
        conversations.ids_of(customer_id)
    )
    conversations_deleted = await conversations.remove_of_customer(customer_id)
    profiles_deleted = await CustomerProfileRepository(session, tenant_id).remove(customer_id)
    if not profiles_deleted and not conversations_deleted:
        raise CustomerNotFound()
    return CustomerErased(
        customer_id=customer_id,
        profile_deleted=bool(profiles_deleted),
        conversations_deleted=conversations_deleted,
        messages_deleted=messages_deleted,
    )


async def list_profiles(
    session: AsyncSession,
    tenant_id: str,
    limit: int,
    cursor: str | None = None,
    tier: Tier | None = None,
) -> CustomerPage:
    """A page of profiles (of one tier, when given), most recently seen first;
    ``next_cursor`` continues it."""
    after = _decode_cursor(cursor) if cursor else None
    rows = await CustomerProfileRepository(session, tenant_id).page(limit + 1, after, tier)
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(
        customers=[describe(row) for row in rows],
        next_cursor=_encode_cursor(rows[-1]) if more else None,
    )


def describe(profile: CustomerProfile) -> ProfileOut:
    return ProfileOut(
        customer_id=profile.customer_id,
        display_name=profile.display_name,
        email=profile.email,
        preferred_language=profile.preferred_language,
        first_seen_at=profile.first_seen_at,
        last_seen_at=profile.last_seen_at,
        sessions_count=profile.sessions_count,
        orders_count=profile.orders_count,
        orders_value=Decimal(profile.orders_value_cents).scaleb(-2),
        tier=profile.tier,  # type: ignore[arg-type]
    )


def _encode_cursor(row: CustomerProfile) -> str:
    seen = row.last_seen_at
    if seen.tzinfo is None:  # SQLite drops the zone; every stored time is UTC
        seen = seen.replace(tzinfo=UTC)
    raw = json.dumps([seen.isoformat(), row.customer_id], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seen, customer_id = json.loads(raw)
        when = datetime.fromisoformat(seen)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if not isinstance(customer_id, str) or len(customer_id) > CUSTOMER_ID_LENGTH:
        raise InvalidCursor()
    if when.tzinfo is None:
        raise InvalidCursor()
    return when, customer_id
