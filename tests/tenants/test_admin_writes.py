"""Admin changes made while visitors chat: on SQLite, a change that reads before it
writes must not fail because a visitor's message was stored in between."""

import asyncio

import httpx

from tests.factories import Tenant


async def test_settings_changes_and_messages_at_once_all_succeed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    async def change(n: int) -> int:
        response = await client.patch(
            "/api/v1/admin/tenant", json={"name": f"Boutique {n}"}, headers=tenant.admin_headers()
        )
        return response.status_code

    async def message(n: int) -> int:
        response = await client.post(
            "/api/v1/chat", json={"message": f"Bonjour {n}"}, headers=tenant.widget_headers()
        )
        return response.status_code

    for round_ in range(5):
        statuses = await asyncio.gather(
            *(change(round_ * 10 + n) for n in range(4)),
            *(message(round_ * 10 + n) for n in range(4)),
        )
        assert statuses == [200] * 8
    current = await client.get("/api/v1/admin/tenant", headers=tenant.admin_headers())
    assert current.json()["name"].startswith("Boutique 4")
