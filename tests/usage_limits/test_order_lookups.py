"""Order look-ups: an allowance per customer, and a stricter one on look-ups that find
nothing, per customer, per conversation and per IP address (enumeration gets nowhere)."""

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from libriassist.config import Settings
from libriassist.usage_limits.errors import RateLimited
from libriassist.usage_limits.rates import RateLimits
from tests.usage_limits.test_redis import REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def limits(request: pytest.FixtureRequest) -> AsyncIterator[RateLimits]:
    namespace = f"test-orders-{uuid.uuid4().hex[:12]}"
    settings = Settings(
        redis_url=REDIS_URL if request.param == "redis" else None,
        job_queue=namespace,
        rate_limit_order_lookups_per_customer="20/hour",
        rate_limit_order_misses="3/hour",
    )
    limiter = RateLimits.from_settings(settings)
    yield limiter
    await limiter.close()
    if request.param == "redis":
        client = Redis.from_url(REDIS_URL)
        try:
            keys = [key async for key in client.scan_iter(f"{namespace}:*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


async def refused_scope(limits: RateLimits, *who: str | None) -> str | None:
    tenant, customer, session, ip = who
    assert tenant is not None and ip is not None
    try:
        await limits.hit_order_lookup(tenant, customer, session, ip)
    except RateLimited as exc:
        assert exc.status_code == 429 and exc.code == "rate_limited"
        assert exc.headers and int(exc.headers["Retry-After"]) > 0
        return exc.scope
    return None


async def test_enumerating_order_numbers_is_stopped_after_a_few_misses(
    limits: RateLimits,
) -> None:
    who = ("t1", "alice", "s1", "203.0.113.5")
    looked_up = 0
    for _ in range(1000):  # 1,000 made-up order numbers, none of them alice's
        if await refused_scope(limits, *who) is not None:
            continue
        looked_up += 1
        await limits.record_order_miss(*who)
    assert looked_up == 3
    assert await refused_scope(limits, *who) == "order_misses_customer"


async def test_misses_count_per_customer_per_conversation_and_per_address(
    limits: RateLimits,
) -> None:
    for _ in range(3):
        await limits.record_order_miss("t1", "alice", "s1", "203.0.113.5")
    # Alice elsewhere (new conversation, new address) is still held back.
    assert await refused_scope(limits, "t1", "alice", "s2", "198.51.100.1") == (
        "order_misses_customer"
    )
    # Bob in Alice's conversation is held back, and so is anyone on her address.
    assert await refused_scope(limits, "t1", "bob", "s1", "198.51.100.2") == (
        "order_misses_session"
    )
    assert await refused_scope(limits, "t1", "carol", "s3", "203.0.113.5") == "order_misses_ip"
    # Someone else entirely is not, nor the same customer id at another tenant.
    assert await refused_scope(limits, "t1", "dave", "s4", "198.51.100.3") is None
    assert await refused_scope(limits, "t2", "alice", "s5", "198.51.100.4") is None


async def test_found_orders_count_against_the_customers_allowance_only(
    limits: RateLimits,
) -> None:
    for _ in range(20):
        window = await limits.hit_order_lookup("t1", "alice", "s1", "203.0.113.5")
        assert window is not None
    assert window.remaining == 0 and window.limit == 20
    assert await refused_scope(limits, "t1", "alice", "s1", "203.0.113.5") == "customer"
    assert await refused_scope(limits, "t1", "bob", "s2", "203.0.113.5") is None


async def test_anonymous_look_ups_are_held_by_the_conversation_and_address(
    limits: RateLimits,
) -> None:
    for _ in range(3):
        assert await refused_scope(limits, "t1", None, "s1", "203.0.113.5") is None
        await limits.record_order_miss("t1", None, "s1", "203.0.113.5")
    assert await refused_scope(limits, "t1", None, "s1", "203.0.113.5") == "order_misses_session"


async def test_erasing_a_customer_forgets_the_counters_kept_under_their_id(
    limits: RateLimits,
) -> None:
    for _ in range(3):
        await limits.record_order_miss("t1", "alice", "s1", "203.0.113.5")
        await limits.record_order_miss("t1", "bob", "s9", "198.51.100.9")
    assert await refused_scope(limits, "t1", "alice", "s2", "192.0.2.1") == "order_misses_customer"
    await limits.forget_customer("t1", "alice")
    # Alice's own counters are gone (a new conversation from a new address passes)…
    assert await refused_scope(limits, "t1", "alice", "s2", "192.0.2.1") is None
    # …the ones not under her id stay (her old conversation, her address), and Bob's.
    assert await refused_scope(limits, "t1", "alice", "s1", "192.0.2.1") == "order_misses_session"
    assert await refused_scope(limits, "t1", "bob", "s8", "192.0.2.2") == "order_misses_customer"
