"""Shared helpers for curated-answer tests."""

from typing import Any

import httpx

from tests.factories import Tenant

CURATED = "/api/v1/admin/kb/curated"

DELIVERY = {
    "question": "How long does delivery take?",
    "paraphrases": ["Combien de temps prend la livraison ?", "¿Cuánto tarda el envío?"],
    "answer": "Pinned: we ship the same day and deliver within 48 hours.",
    "language": "en",
    "url": "https://alpha.example/pinned-delivery",
}


async def pin(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = await client.post(CURATED, json=body, headers=tenant.admin_headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def ask(
    client: httpx.AsyncClient, tenant: Tenant, message: str, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/chat", json={"message": message}, headers=tenant.widget_headers(**headers)
    )
