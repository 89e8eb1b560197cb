"""Monthly quotas: counters per tenant and calendar month, caps, refusals that store
nothing, the usage route, and the change of month."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.chat.models import Conversation, Message
from libriassist.config import Settings
from libriassist.db import session_scope, write_scope
from libriassist.usage_limits import service as usage_service
from libriassist.usage_limits.errors import QuotaExceeded
from libriassist.usage_limits.schemas import QuotasIn
from tests.factories import Tenant
from tests.fake_llm import FakeLLM, Turn, running
from tests.sse import parse_sse
from tests.usage_limits.helpers import Clock, chat, running_app, with_settings

MID_MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    fixed = Clock(MID_MARCH)
    fixed.install(app)
    return fixed


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with running() as fake:
        yield fake


async def set_quotas(client: httpx.AsyncClient, tenant: Tenant, **quotas: int) -> None:
    response = await client.put("/api/v1/admin/quotas", json=quotas, headers=tenant.admin_headers())
    assert response.status_code == 200, response.text


async def usage(client: httpx.AsyncClient, tenant: Tenant, period: str | None = None) -> dict:
    params = {"period": period} if period else {}
    response = await client.get(
        "/api/v1/admin/usage", params=params, headers=tenant.admin_headers()
    )
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


async def count(maker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with maker() as session:
        stmt = select(func.count()).select_from(model)
        if model is Message:
            stmt = stmt.where(Message.role == "visitor")
        return int((await session.execute(stmt)).scalar_one())


async def test_over_the_message_quota_a_message_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: Clock,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await set_quotas(client, tenant, messages_per_month=2)
    started = (await chat(client, tenant)).json()
    assert (
        await chat(client, tenant, "Puis-je retourner un article ?", session=started)
    ).is_success
    refused = await chat(client, tenant, "Et en Belgique ?", session=started)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["message"] == (
        "This assistant has used its monthly quota of 2 messages for 2026-03; "
        "it resets on 2026-04-01 00:00 UTC."
    )
    assert error["details"] == {
        "quota": "messages",
        "limit": 2,
        "used": 2,
        "period": "2026-03",
        "resets_at": "2026-04-01T00:00:00Z",
    }
    # Retry-After: the start of next month, seen from the (injected) present.
    assert refused.headers["Retry-After"] == str(
        int((datetime(2026, 4, 1, tzinfo=UTC) - MID_MARCH).total_seconds())
    )
    assert (await chat(client, tenant)).status_code == 429  # a new conversation too
    assert await count(maker, Message) == 2
    assert await count(maker, Conversation) == 1

    report = await usage(client, tenant)
    assert report["period"] == "2026-03" and report["current"] is True
    assert report["starts_at"] == "2026-03-01T00:00:00Z"
    assert report["resets_at"] == "2026-04-01T00:00:00Z"
    assert report["messages"] == {"used": 2, "quota": 2, "remaining": 0}
    assert report["sessions"] == {"used": 1, "quota": None, "remaining": None}
    assert report["tokens"] == {"used": 0, "quota": None, "remaining": None}


async def test_over_the_session_quota_conversations_go_on_but_none_starts(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: Clock,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await set_quotas(client, tenant, sessions_per_month=1)
    started = (await chat(client, tenant)).json()
    for question in ("Puis-je retourner un article ?", "Et en Belgique ?"):
        assert (await chat(client, tenant, question, session=started)).status_code == 200
    refused = await chat(client, tenant)
    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["quota"] == "sessions"
    assert "quota of 1 sessions" in refused.json()["error"]["message"]
    assert await count(maker, Conversation) == 1
    report = await usage(client, tenant)
    assert report["sessions"] == {"used": 1, "quota": 1, "remaining": 0}
    assert report["messages"]["used"] == 3


async def test_messages_that_are_not_stored_are_not_counted(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    unknown = {"session_id": "0" * 32, "session_token": "st_nope"}
    assert (await chat(client, tenant, session=unknown)).status_code == 404
    assert (await chat(client, tenant, "   ")).status_code == 422
    assert (await chat(client, tenant, "x" * 2001)).status_code == 422
    report = await usage(client, tenant)
    assert report["messages"]["used"] == 0 and report["sessions"]["used"] == 0
    assert (await chat(client, tenant)).status_code == 200
    report = await usage(client, tenant)
    assert report["messages"]["used"] == 1 and report["sessions"]["used"] == 1


async def test_the_platform_ceiling_beats_a_higher_tenant_cap(
    settings: Settings, embedder: Embedder, tenant: Tenant
) -> None:
    capped = with_settings(settings, quota_messages_per_month=1, quota_tokens_per_month=1000)
    async with running_app(capped, embedder) as (_, client):
        await set_quotas(client, tenant, messages_per_month=5, tokens_per_month=500)
        quotas = (await client.get("/api/v1/admin/quotas", headers=tenant.admin_headers())).json()
        assert quotas["tenant"]["messages_per_month"] == 5
        assert quotas["platform"]["messages_per_month"] == 1
        assert quotas["effective"] == {
            "messages_per_month": 1,
            "sessions_per_month": None,
            "tokens_per_month": 500,
        }
        assert (await chat(client, tenant)).status_code == 200
        refused = await chat(client, tenant)
        assert refused.json()["error"]["details"]["limit"] == 1


async def test_reply_tokens_are_counted_and_capped(
    settings: Settings,
    embedder: Embedder,
    tenant: Tenant,
    llm_server: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    llm_server.default = Turn(text="Comptez 3 à 5 jours ouvrés [1].")
    with_llm = with_settings(
        settings, llm_base_url=llm_server.url, llm_model="fake-model", llm_allow_private=True
    )
    async with running_app(with_llm, embedder) as (app, client):
        Clock(MID_MARCH).install(app)
        first = (await chat(client, tenant)).json()
        assert first["model"] == "fake-model"
        spent = first["usage"]["prompt_tokens"] + first["usage"]["completion_tokens"]
        streamed = await chat(client, tenant, stream=True)
        done = [data for name, data in parse_sse(streamed.text) if name == "done"][0]
        spent += done["usage"]["prompt_tokens"] + done["usage"]["completion_tokens"]
        # Extractive replies (no model) use no tokens.
        assert (await chat(client, tenant, "Bonjour")).json()["usage"] is None
        report = await usage(client, tenant)
        assert report["tokens"]["used"] == spent > 0
        assert report["messages"]["used"] == 3

        await set_quotas(client, tenant, tokens_per_month=spent)
        refused = await chat(client, tenant)
        assert refused.status_code == 429
        assert refused.json()["error"]["details"]["quota"] == "tokens"
        assert await count(maker, Message) == 3
        await set_quotas(client, tenant, tokens_per_month=spent + 1)
        assert (await chat(client, tenant)).status_code == 200


async def test_the_counters_start_again_each_calendar_month(
    client: httpx.AsyncClient, app: FastAPI, tenant: Tenant
) -> None:
    clock = Clock(datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC))
    clock.install(app)
    await set_quotas(client, tenant, messages_per_month=1)
    assert (await chat(client, tenant)).status_code == 200
    refused = await chat(client, tenant)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["details"]["resets_at"] == "2026-02-01T00:00:00Z"

    clock.now = datetime(2026, 2, 1, tzinfo=UTC)
    assert (await chat(client, tenant)).status_code == 200
    january = await usage(client, tenant, "2026-01")
    assert january["current"] is False and january["messages"]["used"] == 1
    assert january["resets_at"] == "2026-02-01T00:00:00Z"
    february = await usage(client, tenant)
    assert february["period"] == "2026-02" and february["messages"]["used"] == 1
    december = await usage(client, tenant, "2025-12")
    assert december["messages"]["used"] == 0
    assert december["resets_at"] == "2026-01-01T00:00:00Z"


async def test_concurrent_messages_never_overrun_the_quota(
    maker: async_sessionmaker[AsyncSession], settings: Settings, tenant: Tenant
) -> None:
    async with session_scope(maker) as session:
        await usage_service.set_quotas(
            session, tenant.id, QuotasIn(messages_per_month=7, sessions_per_month=4), settings
        )

    async def one(new_session: bool) -> bool:
        try:
            # As the chat counts a message: in the write transaction that stores it.
            async with write_scope(maker) as session:
                await usage_service.admit_message(
                    session, tenant.id, settings, new_session=new_session, now=MID_MARCH
                )
                return True
        except QuotaExceeded:
            return False

    admitted = await asyncio.gather(*(one(n % 2 == 0) for n in range(20)))
    assert sum(admitted) == 7
    async with maker() as session:
        report = await usage_service.usage_report(session, tenant.id, settings, now=MID_MARCH)
    assert report.messages.used == 7 and report.sessions.used <= 4
    assert report.sessions.used == sum(a for n, a in enumerate(admitted) if n % 2 == 0)


async def test_tokens_recorded_within_a_transaction_land_in_the_current_month(
    maker: async_sessionmaker[AsyncSession], settings: Settings, tenant: Tenant
) -> None:
    async with session_scope(maker) as session:
        await usage_service.record_tokens(session, tenant.id, 120, MID_MARCH)
        await usage_service.record_tokens(session, tenant.id, 0, MID_MARCH)
        await usage_service.record_tokens(session, tenant.id, 30, datetime(2026, 4, 1, tzinfo=UTC))
    async with maker() as session:
        march = await usage_service.usage_report(session, tenant.id, settings, "2026-03")
        april = await usage_service.usage_report(session, tenant.id, settings, "2026-04")
    assert (march.tokens.used, april.tokens.used) == (120, 30)


async def test_the_usage_routes_check_their_input_and_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for period in ("2026-13", "2026-3", "march", "2026-00"):
        bad = await client.get(
            "/api/v1/admin/usage", params={"period": period}, headers=tenant.admin_headers()
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    for body in (
        {"messages_per_month": -1},
        {"messages": 10},
        {"tokens_per_month": "lots"},
        {"tokens_per_month": 10**19},  # beyond the database's 64-bit counters
    ):
        bad = await client.put("/api/v1/admin/quotas", json=body, headers=tenant.admin_headers())
        assert bad.status_code == 422, body
    widget = await client.get("/api/v1/admin/usage", headers=tenant.widget_headers())
    assert widget.status_code == 403 and widget.json()["error"]["code"] == "wrong_key_kind"
    # PUT replaces: a field left out is no cap.
    await set_quotas(client, tenant, messages_per_month=10, sessions_per_month=3)
    await set_quotas(client, tenant, sessions_per_month=4)
    quotas = (await client.get("/api/v1/admin/quotas", headers=tenant.admin_headers())).json()
    assert quotas["tenant"] == {
        "messages_per_month": None,
        "sessions_per_month": 4,
        "tokens_per_month": None,
    }


async def test_caps_beyond_32_bits_are_counted_against(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    big = 3_000_000_000
    await set_quotas(
        client, tenant, messages_per_month=big, sessions_per_month=big, tokens_per_month=big
    )
    asked = await chat(client, tenant)
    assert asked.status_code == 200, asked.text
    report = await usage(client, tenant)
    assert report["messages"] == {"used": 1, "quota": big, "remaining": big - 1}


async def test_usage_and_quotas_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    await set_quotas(client, tenant, messages_per_month=50)
    for _ in range(2):
        assert (await chat(client, tenant)).status_code == 200
    theirs = await usage(client, other_tenant)
    assert theirs["messages"] == {"used": 0, "quota": None, "remaining": None}
    assert theirs["sessions"]["used"] == 0
    # B's caps are B's: a zero quota there leaves A's visitors alone.
    await set_quotas(client, other_tenant, messages_per_month=0)
    assert (await chat(client, tenant)).status_code == 200
    assert (await chat(client, other_tenant, "¿Cuánto tarda el envío?")).status_code == 429
    mine = await usage(client, tenant)
    assert mine["messages"] == {"used": 3, "quota": 50, "remaining": 47}
    their_quotas = await client.get("/api/v1/admin/quotas", headers=other_tenant.admin_headers())
    assert their_quotas.json()["tenant"]["messages_per_month"] == 0
