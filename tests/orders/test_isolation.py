"""Tenant B's key never reads, changes or deletes tenant A's orders or order source."""

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.orders import service as orders_service
from libriassist.orders.http_source import HttpOrderSource
from tests.factories import Tenant
from tests.orders.helpers import import_json, listed, order
from tests.orders.shop_api import ShopAPI

SOURCE = "/api/v1/admin/orders/source"


async def test_orders_and_their_source_do_not_cross_tenants(
    client: httpx.AsyncClient,
    app: FastAPI,
    shop: Tenant,
    other_shop: Tenant,
    shop_api: ShopAPI,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    a, b = shop.admin_headers(), other_shop.admin_headers()
    await import_json(client, shop, [order("CMD-1042", customer="alice")])
    shop_api.orders["alice"] = [{"order_number": "API-1", "status": "shipped"}]

    # B imports the same order number for its own customer: both exist, apart.
    same_number = await import_json(client, other_shop, [order("CMD-1042", customer="mallory")])
    assert same_number.json()["total"] == 1
    assert [r["customer_id"] for r in await listed(client, shop)] == ["alice"]
    assert [r["customer_id"] for r in await listed(client, other_shop)] == ["mallory"]
    assert await listed(client, other_shop, customer_id="alice") == []

    # B's replace and delete touch only B's orders.
    await import_json(client, other_shop, [order("B-1", customer="x")], replace=True)
    gone = await client.delete("/api/v1/admin/orders/CMD-1042", headers=b)
    assert gone.status_code == 404
    assert [r["order_number"] for r in await listed(client, shop)] == ["CMD-1042"]

    # A's source setting is A's: B sees the default, and B's test looks at B's table.
    put = await client.put(
        SOURCE,
        json={
            "source": "http",
            "base_url": shop_api.url,
            "auth": "bearer",
            "secret": shop_api.secret,
        },
        headers=a,
    )
    assert put.status_code == 200
    assert (await client.get(SOURCE, headers=b)).json()["source"] == "table"
    b_test = await client.post(f"{SOURCE}/test", json={"customer_id": "alice"}, headers=b)
    assert b_test.json()["source"] == "table" and b_test.json()["orders_count"] == 0
    assert shop_api.seen == []
    # B resetting or replacing its own setting leaves A's alone.
    assert (await client.delete(SOURCE, headers=b)).status_code == 204
    await client.put(SOURCE, json={"source": "table"}, headers=b)
    a_source = (await client.get(SOURCE, headers=a)).json()
    assert a_source["source"] == "http" and a_source["secret_set"] is True
    a_test = await client.post(f"{SOURCE}/test", json={"customer_id": "alice"}, headers=a)
    assert [o["order_number"] for o in a_test.json()["orders"]] == ["API-1"]

    resources = app.state.resources
    async with maker() as session:
        a_orders = await orders_service.source_for(
            session, shop.id, resources.settings, resources.secret_box, resources.order_http
        )
        b_orders = await orders_service.source_for(
            session, other_shop.id, resources.settings, resources.secret_box, resources.order_http
        )
        assert isinstance(a_orders, HttpOrderSource)
        assert await b_orders.find("alice", "CMD-1042") is None
        assert await b_orders.find("alice", "API-1") is None
