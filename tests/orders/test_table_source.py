"""The built-in table as an order source: one customer's orders, never anyone else's."""

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.orders import service as orders_service
from libriassist.orders.source import OrderSource, TableOrderSource
from tests.factories import Tenant
from tests.orders.helpers import import_json, order


async def _source(app: FastAPI, session: AsyncSession, tenant: Tenant) -> OrderSource:
    resources = app.state.resources
    return await orders_service.source_for(
        session, tenant.id, resources.settings, resources.secret_box, resources.order_http
    )


async def test_find_looks_only_within_the_customers_own_orders(
    client: httpx.AsyncClient,
    app: FastAPI,
    shop: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await import_json(
        client,
        shop,
        [
            order("CMD-1042", placed_at="2025-03-10T09:00:00Z", expected_at="2025-03-14"),
            order("CMD-1001", placed_at="2025-01-05T09:00:00Z", status="delivered"),
            order("CMD-2000", customer="bob", status="processing"),
        ],
    )
    async with maker() as session:
        source = await _source(app, session, shop)
        assert isinstance(source, TableOrderSource)  # no source configured: the table
        mine = await source.find("alice", "#1042")
        assert mine is not None and mine.order_number == "CMD-1042"
        assert mine.expected_at is not None and mine.expected_at.isoformat() == "2025-03-14"
        # Bob's order, by its exact number or its digits: as if it did not exist.
        assert await source.find("alice", "CMD-2000") is None
        assert await source.find("alice", "2000") is None
        assert await source.find("alice", "CMD-9999") is None
        assert (await source.find("bob", "2000")) is not None
        assert [o.order_number for o in await source.orders_for("alice")] == [
            "CMD-1042",
            "CMD-1001",
        ]
        assert await source.orders_for("mallory") == []
        assert await source.orders_for("") == []
        assert await source.find("alice", "") is None


async def test_anothers_order_and_a_missing_one_cost_the_same_query(
    client: httpx.AsyncClient,
    app: FastAPI,
    shop: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await import_json(client, shop, [order("CMD-1042"), order("CMD-2000", customer="bob")])
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "orders" in statement:  # not SQLite's BEGIN, nor a key's last use written meanwhile
            statements.append((statement, parameters))

    engine = app.state.resources.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with maker() as session:
            source = TableOrderSource(session, shop.id)
            statements.clear()
            assert await source.find("alice", "CMD-2000") is None  # exists, Bob's
            someone_elses = list(statements)
            statements.clear()
            assert await source.find("alice", "CMD-7777") is None  # exists nowhere
            nowhere = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(someone_elses) == len(nowhere) == 1
    assert someone_elses[0][0] == nowhere[0][0]
    assert str(someone_elses[0][1]).replace("CMD2000", "CMD7777") == str(nowhere[0][1])


async def test_orders_do_not_cross_tenants_through_the_source(
    client: httpx.AsyncClient,
    app: FastAPI,
    shop: Tenant,
    other_shop: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await import_json(client, shop, [order("CMD-1042")])
    async with maker() as session:
        theirs = await _source(app, session, other_shop)
        assert await theirs.find("alice", "CMD-1042") is None
        assert await theirs.orders_for("alice") == []
