"""Bad input gets a clear error with a stable code: never a 500, never a partial write."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Conversation, Message
from libriassist.chat.router import get_writer
from tests.factories import Tenant

CHAT = "/api/v1/chat"


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


async def count_rows(maker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with maker() as session:
        messages = (await session.execute(select(func.count()).select_from(Message))).scalar_one()
        conversations = (
            await session.execute(select(func.count()).select_from(Conversation))
        ).scalar_one()
    return messages, conversations


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "invalid_api_key"),
        ({"X-API-Key": "pk_unknown"}, "invalid_api_key"),
        ({"X-API-Key": ""}, "invalid_api_key"),
    ],
)
async def test_unknown_or_missing_key(
    client: httpx.AsyncClient, tenant: Tenant, headers: dict[str, str], code: str
) -> None:
    assert_error(await client.post(CHAT, json={"message": "hi"}, headers=headers), 401, code)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"message": "unterminated', 400, "malformed_json"),
        (b"[]", 422, "invalid_request"),
        (b"{}", 422, "invalid_request"),
        (b'{"message": 42}', 422, "invalid_request"),
        (b'{"message": ["a"]}', 422, "invalid_request"),
        (b'{"message": "hi", "language": "de"}', 422, "invalid_request"),
        (b'{"message": "hi", "session_id": 7}', 422, "invalid_request"),
        (b'{"message": "hi", "unexpected": true}', 422, "invalid_request"),
        (b'{"message": ""}', 422, "empty_message"),
        (b'{"message": "   \\n\\t "}', 422, "empty_message"),
        (b'{"message": "' + b"a" * 2001 + b'"}', 422, "message_too_long"),
        (b'{"message": "' + b"a" * 70000 + b'"}', 413, "payload_too_large"),
    ],
)
async def test_bad_chat_input(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    body: bytes,
    status: int,
    code: str,
) -> None:
    headers = tenant.widget_headers(**{"Content-Type": "application/json"})
    assert_error(await client.post(CHAT, content=body, headers=headers), status, code)
    assert await count_rows(maker) == (0, 0)


async def test_chunked_oversized_body_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"message": "'
        for _ in range(20):
            yield b"a" * 8192
        yield b'"}'

    headers = tenant.widget_headers(**{"Content-Type": "application/json"})
    assert_error(
        await client.post(CHAT, content=chunks(), headers=headers), 413, "payload_too_large"
    )


async def test_unknown_session_id(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        CHAT, json={"message": "hi", "session_id": "nope"}, headers=tenant.widget_headers()
    )
    assert_error(response, 404, "conversation_not_found")
    assert await count_rows(maker) == (0, 0)


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(await client.get(CHAT), 405, "method_not_allowed")


async def test_bad_admin_input(client: httpx.AsyncClient, tenant: Tenant) -> None:
    h = tenant.admin_headers()
    assert_error(
        await client.post("/api/v1/admin/keys/master/rotate", headers=h), 422, "invalid_request"
    )
    assert_error(
        await client.post("/api/v1/admin/kb/search", json={"query": ""}, headers=h),
        422,
        "invalid_request",
    )
    assert_error(
        await client.get("/api/v1/admin/kb/documents?limit=0", headers=h), 422, "invalid_request"
    )
    assert_error(
        await client.delete("/api/v1/admin/kb/documents/missing", headers=h), 404, "not_found"
    )


def test_openapi_declares_the_error_envelope() -> None:
    from libriassist.main import create_app

    schema = create_app().openapi()
    chat = schema["paths"]["/api/v1/chat"]["post"]["responses"]
    assert {"401", "403", "422"} <= set(chat)
    envelope = chat["422"]["content"]["application/json"]["schema"]
    assert envelope["properties"]["error"]["required"] == ["code", "message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"message": "\\ud800 hi"}', "invalid_request"),
        (b'{"message": "a\\u0000b"}', "invalid_request"),
        (b'{"message": "caf\xe9"}', "malformed_json"),
        (b"[" * 5000 + b"]" * 5000, "malformed_json"),
    ],
)
async def test_text_that_cannot_be_stored_is_refused(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    body: bytes,
    code: str,
) -> None:
    headers = tenant.widget_headers(**{"Content-Type": "application/json"})
    response = await client.post(CHAT, content=body, headers=headers)
    assert response.status_code in (400, 422) and response.json()["error"]["code"] == code
    assert await count_rows(maker) == (0, 0)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/conversations/a%00b"),
        ("DELETE", "/api/v1/admin/kb/documents/a%00b"),
        ("DELETE", "/api/v1/admin/keys/a%00b"),
    ],
)
async def test_impossible_ids_are_simply_not_found(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str
) -> None:
    headers = {**tenant.admin_headers(), "X-Session-Token": "st_x"}
    response = await client.request(method, path, headers=headers)
    assert response.status_code == 404 and response.json()["error"]["code"].endswith("not_found")


async def test_session_id_with_a_nul_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        CHAT,
        json={"message": "hi", "session_id": "a"},
        headers=tenant.widget_headers(**{"X-Session-Token": "x"}),
    )
    assert_error(response, 404, "conversation_not_found")
    nul = await client.post(
        CHAT, json={"message": "hi", "session_id": "a\u0000"}, headers=tenant.widget_headers()
    )
    assert_error(nul, 422, "invalid_request")


@pytest.mark.parametrize(
    "patch",
    [
        {"name": None},
        {"default_language": None},
        {"enabled_languages": None},
        {"branding": None},
        {"branding": {"primary_color": None}},
        {"greetings": None},
        {"allowed_origins": None},
        {"persona": None},
        {"name": "a\u0000b"},
        {"allowed_origins": ["https://*.example.com"]},
        {"branding": {"logo_url": "javascript:alert(1)"}},
        {"greetings": {"fr": ""}},
    ],
)
async def test_bad_settings_updates_are_refused_whole(
    client: httpx.AsyncClient, tenant: Tenant, patch: dict[str, object]
) -> None:
    before = (await client.get("/api/v1/admin/tenant", headers=tenant.admin_headers())).json()
    response = await client.patch(
        "/api/v1/admin/tenant", json=patch, headers=tenant.admin_headers()
    )
    assert_error(response, 422, "invalid_request")
    after = (await client.get("/api/v1/admin/tenant", headers=tenant.admin_headers())).json()
    assert after == before


async def test_huge_offsets_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/api/v1/admin/kb/documents?offset=9223372036854775808", headers=tenant.admin_headers()
    )
    assert_error(response, 422, "invalid_request")


async def test_unexpected_errors_keep_the_envelope_request_id_and_cors(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.dependency_overrides[get_writer] = broken
    response = await client.post(CHAT, json={"message": "hi"}, headers=tenant.widget_headers())
    assert_error(response, 500, "internal_error")
    assert response.headers["x-request-id"]
    assert response.headers["access-control-allow-origin"] == tenant.origin
