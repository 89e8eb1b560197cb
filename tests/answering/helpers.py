from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Message
from tests.factories import Tenant
from tests.sse import parse_sse


async def ask(
    client: httpx.AsyncClient, tenant: Tenant, message: str, **extra: Any
) -> dict[str, Any]:
    headers = tenant.widget_headers()
    if "session_token" in extra:
        headers["X-Session-Token"] = str(extra.pop("session_token"))
    response = await client.post(
        "/api/v1/chat", json={"message": message, **extra}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ask_stream(
    client: httpx.AsyncClient, tenant: Tenant, message: str
) -> list[tuple[str, dict[str, Any]]]:
    response = await client.post(
        "/api/v1/chat",
        json={"message": message},
        headers=tenant.widget_headers(Accept="text/event-stream"),
    )
    assert response.status_code == 200, response.text
    return parse_sse(response.text)


async def stored(maker: async_sessionmaker[AsyncSession], message_id: str) -> Message:
    async with maker() as session:
        row = await session.get(Message, message_id)
    assert row is not None
    return row
