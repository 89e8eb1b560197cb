"""Tiers: the pure rule, the tenant's thresholds (defaults, changes, validation), and the
profiles re-tiered when the thresholds change."""

from decimal import Decimal
from typing import Any

import httpx
import pytest

from libriassist.customers import service as customers_service
from libriassist.customers.errors import InvalidTiers
from libriassist.customers.tiers import DEFAULT_THRESHOLDS, checked_thresholds, tier_for
from libriassist.db import session_scope
from tests.customers.conftest import Maker, shopper, visit
from tests.factories import Tenant

TENANT = "/api/v1/admin/tenant"
CUSTOMERS = "/api/v1/admin/customers"
LADDER = {"silver": 50, "gold": 200, "platinum": 1000, "diamond": 3000}


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (0, "bronze"),
        (Decimal("49.99"), "bronze"),
        (50, "silver"),
        (Decimal("199.99"), "silver"),
        (200, "gold"),
        (Decimal("999.999"), "gold"),
        (1000, "platinum"),
        (3000, "diamond"),
        (10**9, "diamond"),
    ],
)
def test_a_tier_starts_at_its_threshold(value: Decimal | int, tier: str) -> None:
    assert tier_for(value, LADDER) == tier


def test_the_defaults_climb() -> None:
    assert checked_thresholds(DEFAULT_THRESHOLDS) == DEFAULT_THRESHOLDS
    assert tier_for(DEFAULT_THRESHOLDS["gold"], DEFAULT_THRESHOLDS) == "gold"


@pytest.mark.parametrize(
    ("ladder", "tier"),
    [
        ({**LADDER, "gold": 50}, "gold"),  # equal to the one below
        ({**LADDER, "platinum": 100}, "platinum"),  # below the one below
        ({**LADDER, "diamond": 999}, "diamond"),
        ({**LADDER, "silver": 0}, "silver"),
        ({**LADDER, "silver": -5}, "silver"),
        ({**LADDER, "diamond": 10**13}, "diamond"),
    ],
)
def test_thresholds_must_be_positive_and_ascending(ladder: dict[str, int], tier: str) -> None:
    with pytest.raises(InvalidTiers) as refused:
        checked_thresholds(ladder)
    assert refused.value.details["tier"] == tier


async def patch(client: httpx.AsyncClient, shop: Tenant, tiers: Any) -> httpx.Response:
    return await client.patch(TENANT, json={"customer_tiers": tiers}, headers=shop.admin_headers())


async def test_a_tenant_sets_its_thresholds_and_profiles_follow(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    shown = await client.get(TENANT, headers=shop.admin_headers())
    assert shown.json()["customer_tiers"] == DEFAULT_THRESHOLDS

    for customer, value in (("low", 60), ("mid", 250), ("high", 1200)):
        for tenant in (shop, other_shop):
            await visit(maker, tenant.id, shopper(customer))
            async with session_scope(maker) as session:
                await customers_service.record_orders(
                    session, tenant.id, customer, 1, Decimal(value)
                )

    async def tiers_of(tenant: Tenant) -> dict[str, str]:
        async with session_scope(maker) as session:
            page = await customers_service.list_profiles(session, tenant.id, 10)
        return {p.customer_id: p.tier for p in page.customers}

    assert await tiers_of(shop) == {"low": "bronze", "mid": "silver", "high": "gold"}

    saved = await patch(client, shop, LADDER)
    assert saved.status_code == 200, saved.text
    assert saved.json()["customer_tiers"] == LADDER
    # Every profile of this tenant is re-tiered at once; the other tenant's are not.
    assert await tiers_of(shop) == {"low": "silver", "mid": "gold", "high": "platinum"}
    assert await tiers_of(other_shop) == {"low": "bronze", "mid": "silver", "high": "gold"}
    gold = await client.get(CUSTOMERS, params={"tier": "gold"}, headers=shop.admin_headers())
    assert [c["customer_id"] for c in gold.json()["customers"]] == ["mid"]
    emerald = await client.get(CUSTOMERS, params={"tier": "emerald"}, headers=shop.admin_headers())
    assert emerald.status_code == 422
    # New order counts use the tenant's thresholds too.
    async with session_scope(maker) as session:
        profile = await customers_service.record_orders(session, shop.id, "low", 9, 3000)
    assert profile is not None and profile.tier == "diamond"

    # Another change leaves the thresholds alone; null puts the defaults back.
    renamed = await client.patch(TENANT, json={"name": "Alpha"}, headers=shop.admin_headers())
    assert renamed.json()["customer_tiers"] == LADDER
    reset = await patch(client, shop, None)
    assert reset.status_code == 200 and reset.json()["customer_tiers"] == DEFAULT_THRESHOLDS
    assert await tiers_of(shop) == {"low": "platinum", "mid": "silver", "high": "gold"}


async def test_bad_thresholds_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant
) -> None:
    assert (await patch(client, shop, LADDER)).status_code == 200
    await visit(maker, shop.id, shopper("erin"))
    async with session_scope(maker) as session:
        await customers_service.record_orders(session, shop.id, "erin", 1, 250)

    cases: list[tuple[Any, str]] = [
        ({**LADDER, "gold": 10}, "invalid_tiers"),
        ({**LADDER, "silver": 0}, "invalid_tiers"),
        ({**LADDER, "platinum": -1}, "invalid_tiers"),
        ({"silver": 1, "gold": 2, "platinum": 3}, "invalid_request"),  # diamond missing
        ({**LADDER, "emerald": 9000}, "invalid_request"),
        ({**LADDER, "gold": 200.5}, "invalid_request"),
        ({**LADDER, "gold": "lots"}, "invalid_request"),
        ([50, 200, 1000, 3000], "invalid_request"),
    ]
    for tiers, code in cases:
        # With another field: a refused change writes nothing at all.
        response = await client.patch(
            TENANT, json={"customer_tiers": tiers, "name": "Changed"}, headers=shop.admin_headers()
        )
        assert response.status_code == 422, tiers
        assert response.json()["error"]["code"] == code, (tiers, response.json())
    shown = await client.get(TENANT, headers=shop.admin_headers())
    assert shown.json()["customer_tiers"] == LADDER and shown.json()["name"] == "Alpha Books"
    async with session_scope(maker) as session:
        assert (await customers_service.get_profile(session, shop.id, "erin")).tier == "gold"
