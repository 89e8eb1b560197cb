"""Where a tenant's orders come from: settings API, the secret at rest, the live test."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from libriassist.kit.secrets import SecretBox
from libriassist.main import create_app
from libriassist.orders import service as orders_service
from libriassist.orders.errors import OrderSourceKeyUnreadable
from libriassist.orders.http_source import HttpOrderSource
from tests.factories import Tenant
from tests.orders.helpers import import_json, order
from tests.orders.shop_api import ShopAPI, Step

SOURCE = "/api/v1/admin/orders/source"
SECRET = "hmac-secret-for-the-shop-api-42"


def http_source(shop: ShopAPI, **fields: Any) -> dict[str, Any]:
    return {
        "source": "http",
        "base_url": shop.url,
        "auth": shop.auth,
        "secret": shop.secret,
        **fields,
    }


async def test_the_table_is_the_default(client: httpx.AsyncClient, shop: Tenant) -> None:
    shown = await client.get(SOURCE, headers=shop.admin_headers())
    assert shown.json() == {
        "source": "table",
        "base_url": None,
        "auth": None,
        "secret_set": False,
        "secret_hint": None,
        "timeout": None,
        "retries": None,
        "effective_timeout": 2.0,
        "effective_retries": 2,
    }
    await import_json(client, shop, [order("CMD-1042")])
    tested = await client.post(
        f"{SOURCE}/test", json={"customer_id": "alice"}, headers=shop.admin_headers()
    )
    assert tested.json()["ok"] is True and tested.json()["source"] == "table"
    assert [o["order_number"] for o in tested.json()["orders"]] == ["CMD-1042"]


async def test_an_http_source_with_its_secret_encrypted_at_rest(
    client: httpx.AsyncClient,
    shop: Tenant,
    shop_api: ShopAPI,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    shop_api.auth, shop_api.secret = "hmac", SECRET
    shop_api.orders["cust-7"] = [{"order_number": "W-77", "status": "shipped"}]
    put = await client.put(
        SOURCE, json=http_source(shop_api, timeout=1.5, retries=1), headers=shop.admin_headers()
    )
    assert put.status_code == 200, put.text
    assert SECRET not in put.text
    shown = put.json()
    assert shown["source"] == "http" and shown["auth"] == "hmac"
    assert shown["secret_set"] is True and shown["secret_hint"] == SECRET[-4:]
    assert (shown["effective_timeout"], shown["effective_retries"]) == (1.5, 1)
    async with maker() as session:
        stored = (
            await session.execute(text("SELECT secret_encrypted FROM tenant_order_sources"))
        ).scalar_one()
    assert stored and SECRET not in stored and "shop-api" not in stored

    tested = await client.post(
        f"{SOURCE}/test", json={"customer_id": "cust-7"}, headers=shop.admin_headers()
    )
    result = tested.json()
    assert result["ok"] is True and result["source"] == "http" and result["orders_count"] == 1
    assert result["orders"][0]["order_number"] == "W-77"
    assert shop_api.seen[-1].authorised

    # Leaving the secret out keeps it; the shop going down is reported, not raised.
    kept = await client.put(
        SOURCE,
        json={"source": "http", "base_url": shop_api.url, "auth": "hmac", "retries": 0},
        headers=shop.admin_headers(),
    )
    assert kept.json()["secret_set"] is True
    shop_api.script = [Step(status=503)]
    down = await client.post(
        f"{SOURCE}/test", json={"customer_id": "cust-7"}, headers=shop.admin_headers()
    )
    assert down.status_code == 200
    assert down.json()["ok"] is False
    assert down.json()["error_code"] == "order_source_unavailable"

    back = await client.delete(SOURCE, headers=shop.admin_headers())
    assert back.status_code == 204
    assert (await client.get(SOURCE, headers=shop.admin_headers())).json()["source"] == "table"
    async with maker() as session:
        assert (
            await session.execute(text("SELECT count(*) FROM tenant_order_sources"))
        ).scalar_one() == 0


async def test_bad_settings_are_refused(
    client: httpx.AsyncClient, shop: Tenant, shop_api: ShopAPI
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"source": "http", "base_url": shop_api.url}, "needs base_url and auth"),
        ({"source": "table", "base_url": shop_api.url}, "only for source 'http'"),
        ({**http_source(shop_api), "secret": "short"}, "at least 16"),
        ({**http_source(shop_api), "base_url": "ftp://shop.example"}, "http"),
        ({**http_source(shop_api), "base_url": shop_api.url + "?key=1"}, "without query"),
        ({**http_source(shop_api), "timeout": 120}, "less than or equal to 30"),
        ({**http_source(shop_api), "auth": "basic"}, "auth"),
    ]
    for body, reason in cases:
        reply = await client.put(SOURCE, json=body, headers=shop.admin_headers())
        assert reply.status_code == 422, body
        assert reason in reply.text, (body, reply.text)
    no_secret = await client.put(
        SOURCE, json={**http_source(shop_api), "secret": None}, headers=shop.admin_headers()
    )
    assert no_secret.status_code == 422 and "needs a secret" in no_secret.text
    assert (await client.get(SOURCE, headers=shop.admin_headers())).json()["source"] == "table"


async def test_private_addresses_need_the_operators_consent(
    settings: Settings, shop: Tenant, shop_api: ShopAPI, client: httpx.AsyncClient
) -> None:
    strict = create_app(settings.model_copy(update={"orders_allow_private": False}))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as strict_client:
            # Plain http carries the secret and the orders in clear: refused first.
            plain = await strict_client.put(
                SOURCE, json=http_source(shop_api), headers=shop.admin_headers()
            )
            assert plain.json()["error"]["code"] == "order_source_https_required"
            for url in ("https://127.0.0.1/api", "https://10.0.0.8/api", "https://[::1]:8080/api"):
                refused = await strict_client.put(
                    SOURCE, json=http_source(shop_api, base_url=url), headers=shop.admin_headers()
                )
                assert refused.status_code == 422, url
                assert refused.json()["error"]["code"] == "order_source_address_not_allowed"
            unknown = await strict_client.put(
                SOURCE,
                json=http_source(shop_api, base_url="https://no-such-host.invalid/api"),
                headers=shop.admin_headers(),
            )
            assert unknown.json()["error"]["code"] == "order_source_address_unresolvable"
    # Saved while allowed, then the operator turns it off: calls stop too.
    saved = await client.put(SOURCE, json=http_source(shop_api), headers=shop.admin_headers())
    assert saved.status_code == 200
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as strict_client:
            tested = await strict_client.post(
                f"{SOURCE}/test", json={"customer_id": "alice"}, headers=shop.admin_headers()
            )
    assert tested.json()["ok"] is False and "private or local" in tested.json()["error_message"]
    assert shop_api.seen == []


async def test_a_secret_encrypted_with_another_key(
    client: httpx.AsyncClient,
    shop: Tenant,
    shop_api: ShopAPI,
    app: FastAPI,
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    await client.put(SOURCE, json=http_source(shop_api), headers=shop.admin_headers())
    resources = app.state.resources
    async with maker() as session:
        with pytest.raises(OrderSourceKeyUnreadable) as unreadable:
            await orders_service.source_for(
                session, shop.id, settings, SecretBox(["x" * 40]), resources.order_http
            )
        assert unreadable.value.status_code == 503
        reported = await orders_service.try_source(
            session, shop.id, "alice", settings, SecretBox(["x" * 40]), resources.order_http
        )
        assert reported.ok is False and reported.error_code == "order_source_key_unreadable"
        source = await orders_service.source_for(
            session, shop.id, settings, resources.secret_box, resources.order_http
        )
        assert isinstance(source, HttpOrderSource)
    tested = await client.post(
        f"{SOURCE}/test", json={"customer_id": "alice"}, headers=shop.admin_headers()
    )
    assert tested.json()["ok"] is True
