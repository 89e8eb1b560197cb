"""Small helpers shared by the orders tests."""

import json
from pathlib import Path
from typing import Any

import httpx

from tests.factories import Tenant

IMPORT = "/api/v1/admin/orders/import"
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def order(
    number: str, customer: str = "alice", status: str = "shipped", **fields: Any
) -> dict[str, Any]:
    return {"customer_id": customer, "order_number": number, "status": status, **fields}


async def import_json(
    client: httpx.AsyncClient, tenant: Tenant, rows: list[dict[str, Any]], replace: bool = False
) -> httpx.Response:
    return await client.post(
        IMPORT,
        params={"replace": "true"} if replace else None,
        content=json.dumps(rows).encode(),
        headers=tenant.admin_headers(**{"Content-Type": "application/json"}),
    )


async def listed(client: httpx.AsyncClient, tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/admin/orders", params=params, headers=tenant.admin_headers()
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows
