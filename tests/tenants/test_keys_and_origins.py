import anyio
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.db import session_scope
from libriassist.tenants import service as tenants_service
from tests.factories import Tenant

CHAT = "/api/v1/chat"
QUESTION = {"message": "Quels sont les délais de livraison ?"}


async def test_keys_are_stored_only_as_hashes(
    tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    async with maker() as session:
        keys = await tenants_service.list_keys(session, tenant.id)
    assert {k.kind for k in keys} == {"publishable", "secret"}
    for key in keys:
        assert tenant.secret_key not in (key.key_hash, key.display_prefix)
        assert tenant.publishable_key not in (key.key_hash, key.display_prefix)
        assert len(key.key_hash) == 64
    assert tenant.publishable_key.startswith("pk_") and tenant.secret_key.startswith("sk_")


async def test_rotating_a_key_stops_the_old_one_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rotated = await client.post("/api/v1/admin/keys/secret/rotate", headers=tenant.admin_headers())
    assert rotated.status_code == 200
    new_secret = rotated.json()["key"]
    old = await client.get("/api/v1/admin/tenant", headers=tenant.admin_headers())
    assert old.status_code == 401 and old.json()["error"]["code"] == "invalid_api_key"
    new = await client.get("/api/v1/admin/tenant", headers={"X-API-Key": new_secret})
    assert new.status_code == 200 and new.json()["id"] == tenant.id

    rotated = await client.post(
        "/api/v1/admin/keys/publishable/rotate", headers={"X-API-Key": new_secret}
    )
    new_pk = rotated.json()["key"]
    assert (
        await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    ).status_code == 401
    ok = await client.post(
        CHAT, json=QUESTION, headers={"X-API-Key": new_pk, "Origin": tenant.origin}
    )
    assert ok.status_code == 200


async def test_revoked_key_is_refused_and_last_use_recorded(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    # The last use is written in the background, so the request never waits for it.
    with anyio.fail_after(5):
        while True:
            keys = (await client.get("/api/v1/admin/keys", headers=tenant.admin_headers())).json()
            publishable = next(k for k in keys if k["kind"] == "publishable")
            if publishable["last_used_at"] is not None:
                break
            await anyio.sleep(0.02)
    secret = next(k for k in keys if k["kind"] == "secret")
    refused = await client.delete(
        f"/api/v1/admin/keys/{secret['id']}", headers=tenant.admin_headers()
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_secret_key"

    revoked = await client.delete(
        f"/api/v1/admin/keys/{publishable['id']}", headers=tenant.admin_headers()
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert after.status_code == 401


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://alpha.example", "https://alpha.example.evil.example", "null"],
)
async def test_publishable_key_is_bound_to_the_tenants_origins(
    client: httpx.AsyncClient, tenant: Tenant, origin: str
) -> None:
    response = await client.post(
        CHAT, json=QUESTION, headers={"X-API-Key": tenant.publishable_key, "Origin": origin}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"


async def test_origin_refusal_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    from sqlalchemy import func, select

    from libriassist.chat.models import Message

    await client.post(
        CHAT,
        json=QUESTION,
        headers={"X-API-Key": tenant.publishable_key, "Origin": "https://evil.example"},
    )
    async with maker() as session:
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 0


async def test_cors_headers_are_per_tenant(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ok = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert ok.headers["access-control-allow-origin"] == tenant.origin
    # Tenant B's page may not use tenant A's key, and gets no CORS grant for a success.
    cross = await client.post(
        CHAT,
        json=QUESTION,
        headers={"X-API-Key": tenant.publishable_key, "Origin": other_tenant.origin},
    )
    assert cross.status_code == 403
    preflight = await client.options(
        CHAT,
        headers={
            "Origin": tenant.origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-api-key",
        },
    )
    assert preflight.status_code == 204
    assert "X-API-Key" in preflight.headers["access-control-allow-headers"]


async def test_secret_keys_never_get_cors_grants(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/api/v1/admin/tenant", headers={**tenant.admin_headers(), "Origin": tenant.origin}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_widget_key_cannot_call_admin_endpoints(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get("/api/v1/admin/tenant", headers=tenant.widget_headers())
    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_key_kind"


async def test_admin_updates_settings_with_validation(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    changed = await client.patch(
        "/api/v1/admin/tenant",
        json={
            "greetings": {"fr": "Salut !"},
            "allowed_origins": ["https://Alpha.example/", "https://www.alpha.example"],
        },
        headers=tenant.admin_headers(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["allowed_origins"] == [
        "https://alpha.example",
        "https://www.alpha.example",
    ]
    for bad in (
        {"default_language": "de"},
        {"allowed_origins": ["https://alpha.example/path"]},
        {"branding": {"primary_color": "red"}},
        {"id": "other"},
    ):
        refused = await client.patch(
            "/api/v1/admin/tenant", json=bad, headers=tenant.admin_headers()
        )
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] == "invalid_request"


async def test_operator_can_delete_a_tenant_with_all_its_data(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    from sqlalchemy import func, select

    from libriassist.knowledge.models import KnowledgeChunk
    from libriassist.platform import service as platform_service

    await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    async with session_scope(maker) as session:
        await platform_service.delete_tenant(session, tenant.id)
    async with maker() as session:
        assert (
            await session.execute(select(func.count()).select_from(KnowledgeChunk))
        ).scalar_one() == 0
    gone = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert gone.status_code == 401


async def test_branding_updates_merge_and_languages_are_deduplicated(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    h = tenant.admin_headers()
    await client.patch(
        "/api/v1/admin/tenant",
        json={"branding": {"primary_color": "#112233", "title": "Aide"}},
        headers=h,
    )
    changed = await client.patch(
        "/api/v1/admin/tenant",
        json={
            "branding": {"logo_url": "https://alpha.example/logo.png"},
            "enabled_languages": ["fr", "fr", "en"],
        },
        headers=h,
    )
    body = changed.json()
    assert body["branding"]["primary_color"] == "#112233" and body["branding"]["title"] == "Aide"
    assert body["branding"]["logo_url"] == "https://alpha.example/logo.png"
    assert body["enabled_languages"] == ["fr", "en"]
