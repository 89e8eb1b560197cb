"""Importing orders into the built-in table: all or nothing, upsert or replace, limits."""

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from libriassist.main import create_app
from libriassist.orders.source import TableOrderSource
from tests.factories import Tenant
from tests.orders.helpers import IMPORT, SAMPLES, import_json, listed, order


async def test_the_documented_sample_files_import(client: httpx.AsyncClient, shop: Tenant) -> None:
    csv_reply = await client.post(
        IMPORT,
        files={"file": ("orders.csv", (SAMPLES / "orders.csv").read_bytes(), "text/csv")},
        headers=shop.admin_headers(),
    )
    assert csv_reply.status_code == 200, csv_reply.text
    assert csv_reply.json() == {
        "mode": "upsert",
        "created": 4,
        "updated": 0,
        "deleted": 0,
        "total": 4,
    }
    rows = {r["order_number"]: r for r in await listed(client, shop)}
    shipped = rows["CMD-1042"]
    assert shipped["customer_id"] == "cust-1001" and shipped["status"] == "shipped"
    assert shipped["items"] == [
        {"name": "Le Petit Prince", "quantity": 2, "price": None},
        {"name": "Carnet A5", "quantity": 1, "price": None},
    ]
    assert shipped["total"] == "34.80" and shipped["currency"] == "EUR"
    assert shipped["expected_at"] == "2025-03-14" and shipped["carrier"] == "Colissimo"
    assert shipped["placed_at"].startswith("2025-03-10T09:12:00")
    # French words and a decimal comma are read; the shop's wording is kept.
    preparing = rows["CMD-1043"]
    assert preparing["status"] == "processing"
    assert preparing["status_text"] == "en cours de préparation"
    assert preparing["items"] == [{"name": "Stylo plume", "quantity": 1, "price": "45.00"}]
    assert preparing["placed_at"].startswith("2025-03-11T07:30:00")  # stored in UTC
    assert rows["CMD-1044"]["status"] == "cancelled" and rows["CMD-1044"]["total"] == "12.60"

    for name, content_type in (
        ("orders.json", "application/json"),
        ("orders.jsonl", "application/x-ndjson"),
    ):
        raw = await client.post(
            IMPORT,
            content=(SAMPLES / name).read_bytes(),
            headers=shop.admin_headers(**{"Content-Type": content_type}),
        )
        assert raw.status_code == 200, raw.text
        assert raw.json()["created"] == 0 and raw.json()["total"] == 4
    again = {r["order_number"]: r for r in await listed(client, shop)}
    # The JSON lines file came last and does not give CMD-1043's items: an upsert
    # replaces the whole order.
    assert again["CMD-1043"]["items"] == []
    assert again["CMD-1042"]["status_text"] == "shipped"


async def test_a_bad_row_rejects_the_whole_file_and_lists_every_problem(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    await import_json(client, shop, [order("KEEP-1", placed_at="2025-01-01")])
    csv_text = (
        "customer_id;order_number;status;placed_at;tracking_url;total;currency\n"
        "alice;A-100;shipped;2025-03-10;https://track.example/1;10.00;EUR\n"
        "bob;A-101;lost in space;yesterday;javascript:alert(1);-4;EURO\n"
        "carol;a 100;delivered;;;;\n"
        ";A-102;shipped;;;;\n"
    )
    reply = await client.post(
        IMPORT,
        content=csv_text.encode(),
        headers=shop.admin_headers(**{"Content-Type": "text/csv; charset=utf-8"}),
    )
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "invalid_orders_file"
    problems = {(d["row"], d["field"]) for d in error["details"]}
    assert problems == {
        (3, "status"),
        (3, "placed_at"),
        (3, "tracking_url"),
        (3, "total"),
        (3, "currency"),
        (4, "order_number"),  # the same number as row 2, written differently
        (5, "customer_id"),
    }
    assert "3 row(s) have errors; nothing was imported" in error["message"]
    duplicate = next(d for d in error["details"] if d["row"] == 4)
    assert duplicate["message"] == "same order number as row 2"
    # Nothing written, not even row 2.
    assert [r["order_number"] for r in await listed(client, shop)] == ["KEEP-1"]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"order_number,status\n1,shipped\n", "text/csv", "customer_id: required column missing"),
        (
            b"customer_id,order_number,status,colour\nalice,1,shipped,red\n",
            "text/csv",
            "colour: unknown column",
        ),
        (
            b'[{"customer_id": "a", "order_number": "1", "status": "shipped",]',
            "application/json",
            "not valid JSON",
        ),
        (
            b'{"customer_id": "a", "order_number": "1", "status": "shipped"}\n{oops}\n',
            "application/x-ndjson",
            "line 2",
        ),
        (b"\xff\xfecustomer_id", "text/csv", "not UTF-8"),
        (b"[]", "application/json", "no orders"),
        (b'{"orders": []}', "application/json", "no orders"),
        (b'{"orders": 3}', "application/json", "unknown field"),
    ],
)
async def test_unreadable_files_are_refused_clearly(
    client: httpx.AsyncClient, shop: Tenant, body: bytes, content_type: str, expected: str
) -> None:
    reply = await client.post(
        IMPORT, content=body, headers=shop.admin_headers(**{"Content-Type": content_type})
    )
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == "invalid_orders_file"
    assert expected in reply.json()["error"]["message"]


async def test_unknown_fields_in_json_are_refused(client: httpx.AsyncClient, shop: Tenant) -> None:
    reply = await import_json(
        client, shop, [order("1"), order("2", trackin_url="https://x.example")]
    )
    assert reply.status_code == 422
    assert reply.json()["error"]["details"] == [
        {"row": 2, "field": "trackin_url", "message": "unknown field"}
    ]


async def test_upsert_updates_by_number_and_replace_swaps_everything(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    first = await import_json(
        client, shop, [order("CMD-1", status="pending"), order("CMD-2", customer="bob")]
    )
    assert first.json() == {"mode": "upsert", "created": 2, "updated": 0, "deleted": 0, "total": 2}
    # "cmd 1" is CMD-1: updated in place, with its new number spelling and status.
    second = await import_json(client, shop, [order("cmd 1", status="delivered"), order("CMD-3")])
    assert second.json() == {"mode": "upsert", "created": 1, "updated": 1, "deleted": 0, "total": 3}
    rows = {r["order_number"]: r for r in await listed(client, shop)}
    assert set(rows) == {"cmd 1", "CMD-2", "CMD-3"}
    assert rows["cmd 1"]["status"] == "delivered"

    replaced = await import_json(client, shop, [order("NEW-9", customer="carol")], replace=True)
    assert replaced.json() == {
        "mode": "replace",
        "created": 1,
        "updated": 0,
        "deleted": 3,
        "total": 1,
    }
    assert [r["order_number"] for r in await listed(client, shop)] == ["NEW-9"]
    # A bad file in replace mode deletes nothing either.
    bad = await import_json(client, shop, [order("X-1", status="???")], replace=True)
    assert bad.status_code == 422
    assert [r["order_number"] for r in await listed(client, shop)] == ["NEW-9"]


async def test_multipart_and_formats(client: httpx.AsyncClient, shop: Tenant) -> None:
    jsonl = b'{"customer_id": "alice", "order_number": 501, "status": "livree"}\n'
    reply = await client.post(
        IMPORT,
        files={"file": ("export.jsonl", jsonl, "application/octet-stream")},
        headers=shop.admin_headers(),
    )
    assert reply.status_code == 200, reply.text
    assert (await listed(client, shop))[0]["order_number"] == "501"
    unnamed = await client.post(
        IMPORT,
        files={"file": ("orders.xlsx", b"PK...", "application/octet-stream")},
        headers=shop.admin_headers(),
    )
    assert unnamed.status_code == 415
    assert unnamed.json()["error"]["code"] == "unsupported_orders_format"
    wrong_field = await client.post(
        IMPORT, files={"upload": ("orders.csv", b"x", "text/csv")}, headers=shop.admin_headers()
    )
    assert wrong_field.status_code == 422
    plain = await client.post(
        IMPORT, content=b"hello", headers=shop.admin_headers(**{"Content-Type": "text/plain"})
    )
    assert plain.status_code == 415


async def test_row_and_size_limits(settings: Settings, shop: Tenant, app: FastAPI) -> None:
    limited = create_app(
        settings.model_copy(update={"orders_import_max_rows": 3, "orders_import_max_bytes": 2048})
    )
    async with limited.router.lifespan_context(limited):
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            too_many = await import_json(client, shop, [order(f"N-{i}") for i in range(4)])
            assert too_many.status_code == 422
            assert "at most 3 per import" in too_many.json()["error"]["message"]
            big = [order(f"N-{i}", carrier="x" * 90) for i in range(3)]
            body = json.dumps(big).encode() + b" " * 2048
            too_big = await client.post(
                IMPORT,
                content=body,
                headers=shop.admin_headers(**{"Content-Type": "application/json"}),
            )
            assert too_big.status_code == 413
            assert too_big.json()["error"]["code"] == "payload_too_large"
            as_file = await client.post(
                IMPORT,
                files={"file": ("orders.json", body, "application/json")},
                headers=shop.admin_headers(),
            )
            assert as_file.status_code == 413
            fits = await import_json(client, shop, big)
            assert fits.status_code == 200, fits.text
            assert await listed(client, shop) != []


async def test_delete_one_order(
    client: httpx.AsyncClient, shop: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    await import_json(client, shop, [order("CMD-1042"), order("CMD-1043")])
    gone = await client.delete("/api/v1/admin/orders/cmd1042", headers=shop.admin_headers())
    assert gone.status_code == 204
    again = await client.delete("/api/v1/admin/orders/CMD-1042", headers=shop.admin_headers())
    assert again.status_code == 404 and again.json()["error"]["code"] == "order_not_found"
    # Deleting is by exact number: "1043" does not delete CMD-1043.
    digits = await client.delete("/api/v1/admin/orders/1043", headers=shop.admin_headers())
    assert digits.status_code == 404
    async with maker() as session:
        left = await TableOrderSource(session, shop.id).orders_for("alice")
    assert [o.order_number for o in left] == ["CMD-1043"]


async def test_listing_filters_by_customer(client: httpx.AsyncClient, shop: Tenant) -> None:
    await import_json(
        client,
        shop,
        [
            order("A-1", placed_at="2025-01-01T10:00:00Z"),
            order("A-2", placed_at="2025-03-01T10:00:00Z"),
            order("B-1", customer="bob"),
        ],
    )
    assert [r["order_number"] for r in await listed(client, shop, customer_id="alice")] == [
        "A-2",
        "A-1",
    ]
    assert [r["order_number"] for r in await listed(client, shop, customer_id="bob")] == ["B-1"]
    assert await listed(client, shop, customer_id="nobody") == []
    assert len(await listed(client, shop)) == 3
