"""The widget's analytics events: sent with a header or by sendBeacon, checked whole,
stored per tenant, read back by the tenant's admin only."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.analytics.models import AnalyticsEvent
from libriassist.config import Settings
from tests.factories import Tenant
from tests.usage_limits.helpers import running_app, with_settings

URL = "/api/v1/analytics/events"
BEACON = {"Content-Type": "text/plain;charset=UTF-8"}


def iso(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def event(kind: str = "widget_open", **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": iso(), **fields}


async def stored(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return int((await session.execute(select(func.count(AnalyticsEvent.id)))).scalar_one())


async def send(
    client: httpx.AsyncClient, tenant: Tenant, *events: dict[str, Any]
) -> httpx.Response:
    return await client.post(URL, json={"events": list(events)}, headers=tenant.widget_headers())


async def test_events_are_accepted_with_the_key_in_a_header(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await send(
        client,
        tenant,
        event("widget_open", at=iso(-timedelta(minutes=3)), language="fr", session_id=None),
        event("message_sent", at=iso(-timedelta(minutes=2)), session_id="s1"),
        event("feedback", at=iso(-timedelta(minutes=1)), message_id="m1", rating="down"),
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 3}
    assert response.headers["Access-Control-Allow-Origin"] == tenant.origin
    listed = await client.get("/api/v1/admin/analytics/events", headers=tenant.admin_headers())
    events = listed.json()
    assert [e["type"] for e in events] == ["feedback", "message_sent", "widget_open"]
    assert events[0]["message_id"] == "m1" and events[0]["rating"] == "down"
    assert events[2]["language"] == "fr" and events[2]["at"].endswith("Z")


async def test_a_beacon_sends_the_key_in_the_url_and_the_body_as_text(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    body = json.dumps({"events": [event("session_duration", duration_ms=61_000)]})
    response = await client.post(
        URL,
        params={"key": tenant.publishable_key},
        content=body,
        headers={"Origin": tenant.origin, **BEACON},
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1}
    assert response.headers["Access-Control-Allow-Origin"] == tenant.origin
    assert await stored(maker) == 1


async def test_the_origin_check_applies_to_a_key_in_the_url(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    body = json.dumps({"events": [event()]})
    for headers in (
        {"Origin": "https://evil.example", **BEACON},
        {**tenant.widget_headers(Origin="https://evil.example")},
    ):
        response = await client.post(
            URL, params={"key": tenant.publishable_key}, content=body, headers=headers
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "origin_not_allowed"
    secret = await client.post(URL, params={"key": tenant.secret_key}, content=body, headers=BEACON)
    assert secret.status_code == 403 and secret.json()["error"]["code"] == "wrong_key_kind"
    nothing = await client.post(URL, content=body, headers=BEACON)
    assert nothing.status_code == 401
    assert await stored(maker) == 0


async def test_a_json_request_from_the_site_passes_the_preflight(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    preflight = await client.options(
        URL,
        headers={
            "Origin": tenant.origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-api-key",
        },
    )
    assert preflight.status_code == 204
    assert "X-API-Key" in preflight.headers["Access-Control-Allow-Headers"]


async def test_an_invalid_event_refuses_the_whole_batch(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    cases: list[tuple[dict[str, Any], int | None, str]] = [
        ({"events": [event(), event(colour="red")]}, 1, "colour"),
        ({"events": [event(), event("page_view")]}, 1, "type"),
        ({"events": [event("widget_open", duration_ms=5)]}, 0, "duration_ms"),
        ({"events": [event(), event(), event("session_duration")]}, 2, "duration_ms"),
        ({"events": [event("session_duration", duration_ms=86_400_001)]}, 0, "duration_ms"),
        ({"events": [event("session_duration", duration_ms=-1)]}, 0, "duration_ms"),
        ({"events": [event(at="2026-11-27T10:00:00")]}, 0, "at"),  # no time zone
        ({"events": [event(at="yesterday")]}, 0, "at"),
        ({"events": [event(rating="meh")]}, 0, "rating"),
        ({"events": [event(session_id="s" * 65)]}, 0, "session_id"),
        ({"events": [event()], "extra": 1}, None, "extra"),
        ({"events": []}, None, "events"),
        ({"events": [event()] * 51}, None, "events"),
    ]
    for body, index, field in cases:
        response = await client.post(URL, json=body, headers=tenant.widget_headers())
        assert response.status_code == 422, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_events"
        assert (error["details"][0]["index"], error["details"][0]["field"]) == (index, field)
    malformed = await client.post(
        URL, content=b'{"events": [', headers={**tenant.widget_headers(), **BEACON}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    assert await stored(maker) == 0


async def test_fifty_events_fit_and_the_body_is_limited_to_16_kb(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    full = event(
        "feedback", session_id="a" * 32, language="pt-BR", message_id="b" * 32, rating="up"
    )
    batch = json.dumps({"events": [full] * 50}).encode()
    assert len(batch) < 16 * 1024
    accepted = await client.post(URL, content=batch, headers=tenant.widget_headers())
    assert accepted.status_code == 202 and accepted.json() == {"accepted": 50}

    padded = json.dumps({"events": [event()]}).encode() + b" " * (16 * 1024)
    too_large = await client.post(URL, content=padded, headers=tenant.widget_headers())
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "payload_too_large"
    # The error is readable by the site (the widget can log why).
    assert too_large.headers["Access-Control-Allow-Origin"] == tenant.origin
    assert await stored(maker) == 50


async def test_times_more_than_a_day_old_or_minutes_ahead_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    inside = [
        event(at=iso(-timedelta(hours=23))),
        event(at=iso(timedelta(minutes=4))),
        # The same window in another time zone.
        event(at=datetime.now(timezone(timedelta(hours=-5))).isoformat()),
    ]
    for bad in (iso(-timedelta(hours=25)), iso(timedelta(minutes=6))):
        response = await send(client, tenant, *inside, event(at=bad))
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_events"
        assert [(d["index"], d["field"]) for d in error["details"]] == [(3, "at")]
    assert await stored(maker) == 0
    assert (await send(client, tenant, *inside[:2])).status_code == 202


async def test_event_batches_are_rate_limited_per_ip(
    settings: Settings,
    embedder: Embedder,
    tenant: Tenant,
    other_tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    limited = with_settings(settings, rate_limit_events_per_ip="2/minute")
    async with running_app(limited, embedder) as (_, client):
        assert (await send(client, tenant, event())).status_code == 202
        assert (await send(client, other_tenant, event())).status_code == 202
        refused = await send(client, tenant, event())
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.json()["error"]["details"]["scope"] == "ip"
        assert "Retry-After" in refused.headers
    assert await stored(maker) == 2


async def test_the_summary_counts_types_and_averages_sessions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = iso(-timedelta(hours=20))
    response = await send(
        client,
        tenant,
        event("widget_open", at=old),
        event("session_duration", at=old, duration_ms=1_000),
        event("widget_open"),
        event("widget_close"),
        event("session_duration", duration_ms=30_000),
        event("session_duration", duration_ms=60_000),
    )
    assert response.status_code == 202
    summary = await client.get("/api/v1/admin/analytics/summary", headers=tenant.admin_headers())
    assert summary.json()["counts"] == {
        "widget_open": 2,
        "widget_close": 1,
        "message_sent": 0,
        "feedback": 0,
        "session_duration": 3,
    }
    assert summary.json()["mean_session_duration_ms"] == 91_000 / 3
    since = iso(-timedelta(hours=1))
    recent = await client.get(
        "/api/v1/admin/analytics/summary", params={"since": since}, headers=tenant.admin_headers()
    )
    assert recent.json()["counts"]["widget_open"] == 1
    assert recent.json()["sessions_measured"] == 2
    assert recent.json()["mean_session_duration_ms"] == 45_000
    listed = await client.get(
        "/api/v1/admin/analytics/events",
        params={"type": "session_duration", "since": since, "limit": 1},
        headers=tenant.admin_headers(),
    )
    assert [e["duration_ms"] for e in listed.json()] == [60_000]


async def test_events_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await send(client, tenant, event("widget_open"))).status_code == 202
    assert (await send(client, other_tenant, event("widget_close"))).status_code == 202
    for owner, kind in ((tenant, "widget_open"), (other_tenant, "widget_close")):
        listed = await client.get("/api/v1/admin/analytics/events", headers=owner.admin_headers())
        assert [e["type"] for e in listed.json()] == [kind]
        summary = await client.get("/api/v1/admin/analytics/summary", headers=owner.admin_headers())
        assert sum(summary.json()["counts"].values()) == 1 and summary.json()["counts"][kind] == 1
    # The widget's key reads nothing.
    widget = await client.get("/api/v1/admin/analytics/events", headers=tenant.widget_headers())
    assert widget.status_code == 403 and widget.json()["error"]["code"] == "wrong_key_kind"
