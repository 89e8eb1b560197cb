"""record_visit and record_orders: profiles created on first sight, kept up to date, safe
when two first messages race, and never shared between tenants."""

import asyncio
from decimal import Decimal

from sqlalchemy import func, select

from libriassist.customers import service as customers_service
from libriassist.customers.models import CustomerProfile
from libriassist.db import session_scope, write_scope
from tests.customers.conftest import Maker, shopper, visit
from tests.factories import Tenant


async def test_a_first_visit_creates_the_profile_and_later_ones_update_it(
    maker: Maker, shop: Tenant
) -> None:
    alice = shopper("auth0|alice", name="Alice Martin", email="alice@example.com")
    first = await visit(maker, shop.id, alice, "fr")
    assert first.display_name == "Alice Martin" and first.email == "alice@example.com"
    assert first.preferred_language == "fr" and first.sessions_count == 1
    assert first.orders_count == 0 and first.orders_value_cents == 0 and first.tier == "bronze"
    assert first.first_seen_at == first.last_seen_at

    # Same session, another language: the latest message's language wins, no new session.
    same = await visit(maker, shop.id, alice, "en", new_session=False)
    assert same.sessions_count == 1 and same.preferred_language == "en"
    assert same.last_seen_at > first.last_seen_at
    assert same.first_seen_at == first.first_seen_at

    # A token without name or e-mail keeps the ones known; a new name replaces the old.
    bare = await visit(maker, shop.id, shopper("auth0|alice"), "es")
    assert bare.display_name == "Alice Martin" and bare.email == "alice@example.com"
    assert bare.sessions_count == 2 and bare.preferred_language == "es"
    renamed = await visit(maker, shop.id, shopper("auth0|alice", name="Alice Durand"), None)
    assert renamed.display_name == "Alice Durand" and renamed.preferred_language == "es"
    assert renamed.sessions_count == 3


async def test_a_first_sight_mid_session_still_counts_one_session(
    maker: Maker, shop: Tenant
) -> None:
    # The shopper logged in during a conversation that had started anonymously.
    profile = await visit(maker, shop.id, shopper("c-9"), "ar", new_session=False)
    assert profile.sessions_count == 1 and profile.preferred_language == "ar"


async def test_two_first_messages_at_once_make_one_profile(maker: Maker, shop: Tenant) -> None:
    bob = shopper("google-oauth2|1234567890", name="Bob")

    async def first_message(scope: str) -> None:
        opener = write_scope if scope == "write" else session_scope
        async with opener(maker) as session:
            await customers_service.record_visit(session, shop.id, bob, "fr", new_session=True)

    # Deferred and immediate transactions alike, several racing at once.
    await asyncio.gather(*(first_message(s) for s in ["write", "plain"] * 3))
    async with session_scope(maker) as session:
        rows = (
            await session.execute(select(func.count()).select_from(CustomerProfile))
        ).scalar_one()
        profile = await customers_service.get_profile(session, shop.id, bob.customer_id)
    assert rows == 1
    assert profile.sessions_count == 6 and profile.display_name == "Bob"


async def test_the_same_customer_id_at_two_tenants_is_two_profiles(
    maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    await visit(maker, shop.id, shopper("cust-1", name="Alpha's Carol"), "fr")
    await visit(maker, other_shop.id, shopper("cust-1", name="Beta's Carol"), "es")
    await visit(maker, other_shop.id, shopper("cust-1"), "es")
    async with session_scope(maker) as session:
        await customers_service.record_orders(session, other_shop.id, "cust-1", 3, Decimal("900"))
    async with session_scope(maker) as session:
        alpha = await customers_service.get_profile(session, shop.id, "cust-1")
        beta = await customers_service.get_profile(session, other_shop.id, "cust-1")
    assert (alpha.display_name, alpha.sessions_count, alpha.orders_count, alpha.tier) == (
        "Alpha's Carol",
        1,
        0,
        "bronze",
    )
    assert (beta.display_name, beta.sessions_count, beta.orders_count, beta.tier) == (
        "Beta's Carol",
        2,
        3,
        "gold",
    )


async def test_orders_set_the_counts_and_the_tier(maker: Maker, shop: Tenant) -> None:
    await visit(maker, shop.id, shopper("dan"))
    steps = [
        (1, Decimal("49.90"), 4990, "bronze"),
        (2, Decimal("99.995"), 10000, "silver"),  # rounded half up to 100.00
        (5, Decimal("1499.99"), 149999, "gold"),
        (7, 1500, 150000, "platinum"),
        (20, Decimal("12000"), 1200000, "diamond"),
        (0, Decimal("0"), 0, "bronze"),  # the order source is the truth: it can go down
    ]
    for count, value, cents, tier in steps:
        async with session_scope(maker) as session:
            profile = await customers_service.record_orders(session, shop.id, "dan", count, value)
        assert profile is not None
        assert (profile.orders_count, profile.orders_value_cents, profile.tier) == (
            count,
            cents,
            tier,
        ), value
        assert customers_service.describe(profile).orders_value == Decimal(cents) / 100


async def test_orders_of_a_customer_never_seen_write_nothing(maker: Maker, shop: Tenant) -> None:
    async with session_scope(maker) as session:
        assert await customers_service.record_orders(session, shop.id, "ghost", 2, 10) is None
        count = select(func.count()).select_from(CustomerProfile)
        assert (await session.execute(count)).scalar_one() == 0
