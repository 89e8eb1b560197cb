"""The last step of the fallback order: a shared platform knowledge base that a tenant
opts into, used only when the tenant's own knowledge has no confident match."""

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.db import session_scope
from libriassist.platform import service as platform_service
from libriassist.platform.service import PLATFORM_KB_ID
from tests.chat.test_router import ask
from tests.factories import Tenant, create_tenant, ingest_faq

PLATFORM_FAQ = [
    {
        "question": "Comment réinitialiser mon mot de passe ?",
        "answer": "Cliquez sur « Mot de passe oublié » sur la page de connexion.",
        "language": "fr",
        "url": "https://help.platform.example/password",
    }
]
PASSWORD = "Comment réinitialiser mon mot de passe ?"


async def test_an_opted_in_tenant_falls_back_to_the_platform_kb(
    client: httpx.AsyncClient,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    # Opted in, but the operator has no platform knowledge base yet: "I don't know".
    await client.patch(
        "/api/v1/admin/tenant", json={"use_platform_kb": True}, headers=tenant.admin_headers()
    )
    before = (await ask(client, tenant, PASSWORD)).json()
    assert before["answered_from_kb"] is False

    async with session_scope(maker) as session:
        await platform_service.ensure_platform_kb(session)
    await ingest_faq(maker, embedder, PLATFORM_KB_ID, PLATFORM_FAQ, tmp_path / "platform")

    body = (await ask(client, tenant, PASSWORD)).json()
    assert body["answered_from_kb"] is True and "Mot de passe oublié" in body["answer"]
    (source,) = body["sources"]
    assert (
        source["kind"] == "platform" and source["url"] == "https://help.platform.example/password"
    )
    # The tenant's own knowledge still comes first.
    own = (await ask(client, tenant, "Quels sont les délais de livraison ?")).json()
    assert "3 à 5 jours" in own["answer"] and own["sources"][0]["kind"] == "knowledge"

    # A tenant that did not opt in never sees the platform's knowledge.
    other = await create_tenant(maker, "Gamma", origins=["https://gamma.example"])
    refused = (await ask(client, other, PASSWORD)).json()
    assert refused["answered_from_kb"] is False and refused["sources"] == []

    # Opting out takes effect at once.
    await client.patch(
        "/api/v1/admin/tenant", json={"use_platform_kb": False}, headers=tenant.admin_headers()
    )
    assert (await ask(client, tenant, PASSWORD)).json()["answered_from_kb"] is False


async def test_the_platform_kb_is_not_a_tenant(maker: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(maker) as session:
        await platform_service.ensure_platform_kb(session)
        await platform_service.ensure_platform_kb(session)  # idempotent
        listed = await platform_service.list_tenants(session)
    assert PLATFORM_KB_ID not in [tenant.id for tenant, _ in listed]


async def test_tenants_see_their_opt_in_setting(client: httpx.AsyncClient, tenant: Tenant) -> None:
    shown = await client.get("/api/v1/admin/tenant", headers=tenant.admin_headers())
    assert shown.json()["use_platform_kb"] is False
    bad = await client.patch(
        "/api/v1/admin/tenant", json={"use_platform_kb": "maybe"}, headers=tenant.admin_headers()
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    null = await client.patch(
        "/api/v1/admin/tenant", json={"use_platform_kb": None}, headers=tenant.admin_headers()
    )
    assert null.status_code == 422


async def test_the_platform_kb_can_never_get_keys(maker: async_sessionmaker[AsyncSession]) -> None:
    import pytest

    from libriassist.errors import InvalidRequest
    from libriassist.tenants import service as tenants_service

    async with session_scope(maker) as session:
        await platform_service.ensure_platform_kb(session)
    with pytest.raises(InvalidRequest):
        async with session_scope(maker) as session:
            await tenants_service.rotate_key(session, PLATFORM_KB_ID, "secret")
