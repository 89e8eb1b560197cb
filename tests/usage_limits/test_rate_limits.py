"""Rate limits on the public widget endpoints, counted in process memory."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.chat.models import Message
from libriassist.config import Settings
from tests.factories import Tenant
from tests.sse import parse_sse
from tests.usage_limits.helpers import chat, running_app, with_settings


def assert_refused(response: httpx.Response, scope: str, limit: int) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["details"]["scope"] == scope
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60 and error["details"]["retry_after"] == retry_after
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Reset"] == str(retry_after)


async def visitor_messages(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        stmt = select(func.count()).select_from(Message).where(Message.role == "visitor")
        return int((await session.execute(stmt)).scalar_one())


async def test_a_conversation_is_limited_and_a_refused_message_is_not_stored(
    settings: Settings,
    embedder: Embedder,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    limited = with_settings(settings, rate_limit_chat_per_session="2/minute")
    async with running_app(limited, embedder) as (_, client):
        first = await chat(client, tenant)
        assert first.status_code == 200
        started = first.json()
        seen = []
        for _ in range(2):
            reply = await chat(client, tenant, "Puis-je retourner un article ?", session=started)
            assert reply.status_code == 200, reply.text
            seen.append(reply.headers["RateLimit-Remaining"])
            assert reply.headers["RateLimit-Limit"] == "2"
        assert seen == ["1", "0"]
        refused = await chat(client, tenant, "Et en Belgique ?", session=started)
        assert_refused(refused, "session", 2)
        assert "Try again in" in refused.json()["error"]["message"]
        # The conversation holds the three accepted messages only.
        assert await visitor_messages(maker) == 3
        # Another conversation of the same site is not held back by this one.
        other = await chat(client, tenant)
        assert other.status_code == 200


async def test_one_ip_address_is_limited_across_conversations_and_tenants(
    settings: Settings, embedder: Embedder, tenant: Tenant, other_tenant: Tenant
) -> None:
    limited = with_settings(settings, rate_limit_chat_per_ip="3/minute")
    async with running_app(limited, embedder) as (_, client):
        for visitor in (tenant, other_tenant, tenant):
            assert (await chat(client, visitor)).status_code == 200
        assert_refused(await chat(client, other_tenant), "ip", 3)
        # Without a trusted proxy, X-Forwarded-For is the client's own say: ignored.
        spoofed = await chat(client, tenant, **{"X-Forwarded-For": "198.51.100.9"})
        assert_refused(spoofed, "ip", 3)


async def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    # The test client connects from 127.0.0.1: here, the reverse proxy.
    limited = with_settings(
        settings, rate_limit_chat_per_ip="1/minute", trusted_proxies="127.0.0.1, 10.0.0.0/8"
    )
    async with running_app(limited, embedder) as (_, client):
        alice = {"X-Forwarded-For": "203.0.113.5"}
        assert (await chat(client, tenant, **alice)).status_code == 200
        assert_refused(await chat(client, tenant, **alice), "ip", 1)
        # Another visitor behind the same proxy (through a second, internal hop).
        bob = {"X-Forwarded-For": "203.0.113.6, 10.1.2.3"}
        assert (await chat(client, tenant, **bob)).status_code == 200
        # A forged entry left of the real one does not make a new visitor.
        forged = {"X-Forwarded-For": "192.0.2.77, 203.0.113.5"}
        assert_refused(await chat(client, tenant, **forged), "ip", 1)


async def test_a_tenant_is_limited_as_a_whole_and_others_are_not(
    settings: Settings, embedder: Embedder, tenant: Tenant, other_tenant: Tenant
) -> None:
    limited = with_settings(
        settings, rate_limit_chat_per_tenant="2/minute", trusted_proxies="127.0.0.1"
    )
    async with running_app(limited, embedder) as (_, client):
        for n in range(2):
            visitor = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            assert (await chat(client, tenant, **visitor)).status_code == 200
        refused = await chat(client, tenant, **{"X-Forwarded-For": "203.0.113.50"})
        assert_refused(refused, "tenant", 2)
        assert (await chat(client, other_tenant)).status_code == 200


async def test_every_answer_of_a_limited_route_says_where_the_caller_stands(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    """The tightest limit is reported: here the per-IP one (5) under the tenant's (100)."""
    limited = with_settings(
        settings, rate_limit_chat_per_ip="5/minute", rate_limit_chat_per_tenant="100/minute"
    )
    async with running_app(limited, embedder) as (_, client):
        plain = await chat(client, tenant)
        assert plain.headers["RateLimit-Limit"] == "5"
        assert plain.headers["RateLimit-Remaining"] == "4"
        assert 1 <= int(plain.headers["RateLimit-Reset"]) <= 60
        assert "Retry-After" not in plain.headers
        # The widget's page is another origin: it may read them.
        exposed = plain.headers["Access-Control-Expose-Headers"]
        assert {"RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} <= {
            h.strip() for h in exposed.split(",")
        }
        streamed = await chat(client, tenant, stream=True)
        assert streamed.status_code == 200
        assert [e for e, _ in parse_sse(streamed.text)][-1] == "done"
        assert streamed.headers["RateLimit-Remaining"] == "3"


async def test_widget_reads_are_limited_per_ip(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    limited = with_settings(settings, rate_limit_reads_per_ip="3/minute")
    async with running_app(limited, embedder) as (_, client):
        started = (await chat(client, tenant)).json()
        history = f"/api/v1/conversations/{started['session_id']}"
        token = {"X-Session-Token": started["session_token"]}
        config = await client.get("/api/v1/widget/config", headers=tenant.widget_headers())
        assert config.status_code == 200 and config.headers["RateLimit-Remaining"] == "2"
        read = await client.get(history, headers=tenant.widget_headers(**token))
        assert read.status_code == 200 and read.headers["RateLimit-Remaining"] == "1"
        assert (await client.get(history, headers=tenant.widget_headers(**token))).is_success
        assert_refused(await client.get(history, headers=tenant.widget_headers(**token)), "ip", 3)
        refused = await client.get("/api/v1/widget/config", headers=tenant.widget_headers())
        assert_refused(refused, "ip", 3)
        # Chat messages have their own allowance.
        assert (await chat(client, tenant)).status_code == 200


async def test_an_empty_setting_means_no_limit(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    unlimited = with_settings(
        settings,
        rate_limit_chat_per_session="",
        rate_limit_chat_per_ip="",
        rate_limit_chat_per_tenant="",
    )
    async with running_app(unlimited, embedder) as (_, client):
        response = await chat(client, tenant)
        assert response.status_code == 200 and "RateLimit-Limit" not in response.headers
