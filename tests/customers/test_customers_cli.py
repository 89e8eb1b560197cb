"""``libriassist customers list|show|erase``, run as a real process against the test database."""

import json
import uuid

import httpx
import pytest

from libriassist.config import Settings
from tests.customers.conftest import Maker, add_conversation, shopper, visit
from tests.customers.test_router import url
from tests.factories import Tenant
from tests.test_cli import cli


async def test_the_operator_exports_and_erases_a_customer(
    settings: Settings, client: httpx.AsyncClient, maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    customer = "auth0|alice@example.com"
    await visit(maker, shop.id, shopper(customer, name="Alice"))
    session_id = await add_conversation(maker, shop.id, customer, ["Où est ma commande ?", "Ici."])
    await visit(maker, shop.id, shopper("bob"))
    await visit(maker, other_shop.id, shopper(customer, name="Beta Alice"))

    listed = cli(settings, "customers", "list", "--tenant", shop.id, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["customer_id"] for c in json.loads(listed.stdout)] == ["bob", customer]

    shown = cli(settings, "customers", "show", customer, "--tenant", shop.id)
    assert shown.returncode == 0, shown.stderr
    exported = json.loads(shown.stdout)
    assert exported["profile"]["display_name"] == "Alice"
    assert exported["conversations"][0]["session_id"] == session_id
    assert exported["conversations"][0]["messages"][0]["content"] == "Où est ma commande ?"

    # Without --yes the operator is asked; "no" keeps everything.
    kept = cli(settings, "customers", "erase", customer, "--tenant", shop.id, input="n\n")
    assert kept.returncode != 0
    assert (await client.get(url(customer), headers=shop.admin_headers())).status_code == 200

    erased = cli(settings, "customers", "erase", customer, "--tenant", shop.id, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "1 conversation(s), 2 message(s)" in erased.stdout
    assert (await client.get(url(customer), headers=shop.admin_headers())).status_code == 404
    theirs = await client.get(url(customer), headers=other_shop.admin_headers())
    assert theirs.json()["profile"]["display_name"] == "Beta Alice"


# Refusals come before or apart from the database engine: SQLite is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_unknown_customers_and_tenants_are_refused_clearly(
    settings: Settings, shop: Tenant
) -> None:
    unknown = cli(settings, "customers", "show", "nobody", "--tenant", shop.id)
    assert unknown.returncode == 1 and "customer_not_found" in unknown.stderr
    erase = cli(settings, "customers", "erase", "nobody", "--tenant", shop.id, "--yes")
    assert erase.returncode == 1 and "customer_not_found" in erase.stderr
    no_tenant = cli(settings, "customers", "show", "nobody", "--tenant", "no-such-shop")
    assert no_tenant.returncode == 1 and "tenant_not_found" in no_tenant.stderr
    missing = cli(settings, "customers", "show", "nobody")
    assert missing.returncode != 0 and "--tenant" in missing.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_erasing_from_the_cli_forgets_the_counters_in_redis(
    settings: Settings, maker: Maker, shop: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.asyncio import Redis

    from libriassist.usage_limits.rates import RateLimits, opaque
    from tests.usage_limits.test_redis import REDIS_URL

    namespace = f"test-erase-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("LIBRIASSIST_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("LIBRIASSIST_JOB_QUEUE", namespace)
    shared = RateLimits.from_settings(Settings(redis_url=REDIS_URL, job_queue=namespace))
    try:
        await visit(maker, shop.id, shopper("alice"))
        await shared.record_order_miss(shop.id, "alice", "s1", "203.0.113.5")
        [item] = shared.order_misses
        key = ("order-misses", "customer", shop.id, opaque("alice"))
        assert (await shared.strategy.get_window_stats(item, *key)).remaining == item.amount - 1
        erased = cli(settings, "customers", "erase", "alice", "--tenant", shop.id, "--yes")
        assert erased.returncode == 0, erased.stderr
        assert (await shared.strategy.get_window_stats(item, *key)).remaining == item.amount
    finally:
        await shared.close()
        client = Redis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(f"{namespace}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
