"""Rate limits kept in the real Redis: every worker counts against the same windows."""

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from tests.factories import Tenant
from tests.usage_limits.helpers import chat, running_app, with_settings

REDIS_URL = os.environ.get("LIBRIASSIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    """A namespace of this test's own (the rate-limit keys live under it), emptied after."""
    namespace = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(f"{namespace}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_two_app_instances_share_their_counters(
    settings: Settings, embedder: Embedder, tenant: Tenant, redis_namespace: str
) -> None:
    shared = with_settings(
        settings,
        redis_url=REDIS_URL,
        job_queue=redis_namespace,
        rate_limit_chat_per_ip="3/minute",
    )
    async with (
        running_app(shared, embedder) as (_, first),
        running_app(shared, embedder) as (_, second),
    ):
        assert (await chat(first, tenant)).headers["RateLimit-Remaining"] == "2"
        assert (await chat(second, tenant)).headers["RateLimit-Remaining"] == "1"
        assert (await chat(first, tenant)).headers["RateLimit-Remaining"] == "0"
        refused = await chat(second, tenant)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1

    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key.decode() async for key in client.scan_iter(f"{redis_namespace}:*")]
    finally:
        await client.aclose()
    # The counters are in Redis, under the deployment's namespace; no visitor's token
    # appears in a key (only hashes).
    assert keys and all(key.startswith(f"{redis_namespace}:ratelimit") for key in keys)


async def test_deployments_sharing_a_redis_count_apart(
    settings: Settings, embedder: Embedder, tenant: Tenant, redis_namespace: str
) -> None:
    mine = with_settings(
        settings, redis_url=REDIS_URL, job_queue=redis_namespace, rate_limit_chat_per_ip="1/minute"
    )
    theirs = with_settings(mine, job_queue=f"{redis_namespace}:other")
    async with running_app(mine, embedder) as (_, a), running_app(theirs, embedder) as (_, b):
        assert (await chat(a, tenant)).status_code == 200
        assert (await chat(b, tenant)).status_code == 200
        assert (await chat(a, tenant)).status_code == 429


async def test_an_unreachable_redis_lets_visitors_through(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    """The counters failing must not take the chat down: requests pass uncounted."""
    down = with_settings(
        settings, redis_url="redis://127.0.0.1:9/0", rate_limit_chat_per_ip="1/minute"
    )
    async with running_app(down, embedder) as (_, client):
        for _ in range(2):
            response = await chat(client, tenant)
            assert response.status_code == 200 and "RateLimit-Limit" not in response.headers
