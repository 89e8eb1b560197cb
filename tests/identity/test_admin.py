"""The identity settings API (secret key): validation, the secret encrypted and never
shown, address checks, and no crossing between tenants."""

from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from libriassist.main import create_app
from tests.factories import Tenant
from tests.identity.keys import OTHER_SECRET, SECRET, claims, hs256
from tests.identity.test_hs256 import assert_refused, check

IDENTITY = "/api/v1/admin/identity"


async def put(client: httpx.AsyncClient, shop: Tenant, body: dict[str, Any]) -> httpx.Response:
    return await client.put(IDENTITY, json=body, headers=shop.admin_headers())


async def test_the_shared_secret_is_stored_encrypted_and_never_shown(
    client: httpx.AsyncClient, shop: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = (await client.get(IDENTITY, headers=shop.admin_headers())).json()
    assert before["configured"] is False and before["mode"] is None

    saved = await put(client, shop, {"mode": "hs256", "secret": SECRET, "audience": "alpha"})
    assert saved.status_code == 200, saved.text
    assert SECRET not in saved.text
    body = saved.json()
    assert body == {
        "configured": True,
        "mode": "hs256",
        "algorithm": "HS256",
        "secret_set": True,
        "secret_hint": SECRET[-4:],
        "jwks_url": None,
        "audience": "alpha",
        "issuer": None,
        "leeway_seconds": 30,
    }
    shown = await client.get(IDENTITY, headers=shop.admin_headers())
    assert shown.json() == body and SECRET not in shown.text
    async with maker() as session:
        stored = (
            await session.execute(text("SELECT secret_encrypted FROM tenant_identity_settings"))
        ).scalar_one()
    assert stored and SECRET not in stored and "0123456789" not in stored

    # Leaving the secret out keeps it; a token signed with it still passes.
    kept = await put(client, shop, {"mode": "hs256", "leeway_seconds": 5})
    assert kept.json()["secret_set"] is True and kept.json()["audience"] is None
    assert (await check(client, shop, hs256(claims()))).status_code == 200
    replaced = await put(client, shop, {"mode": "hs256", "secret": OTHER_SECRET})
    assert replaced.json()["secret_hint"] == OTHER_SECRET[-4:]
    assert_refused(await check(client, shop, hs256(claims())), "bad_signature")

    # Moving to JWKS forgets the secret.
    moved = await put(client, shop, {"mode": "jwks", "jwks_url": "http://127.0.0.1:9/jwks.json"})
    assert moved.json()["secret_set"] is False and moved.json()["algorithm"] == "RS256"
    back = await put(client, shop, {"mode": "hs256"})
    assert back.status_code == 422 and back.json()["error"]["code"] == "identity_secret_required"

    deleted = await client.delete(IDENTITY, headers=shop.admin_headers())
    assert deleted.status_code == 204
    assert (await client.get(IDENTITY, headers=shop.admin_headers())).json()["configured"] is False
    gone = await check(client, shop, hs256(claims()))
    assert gone.json()["error"]["code"] == "identity_not_configured"


async def test_bad_settings_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    jwks = "https://alpha.example/jwks.json"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"mode": "hs256"}, "identity_secret_required", "secret"),
        ({"mode": "hs256", "secret": "too-short"}, "invalid_request", "secret"),
        ({"mode": "hs256", "secret": SECRET, "algorithm": "RS256"}, "invalid_request", "HS256"),
        ({"mode": "hs256", "secret": SECRET, "jwks_url": jwks}, "invalid_request", "jwks_url"),
        ({"mode": "jwks"}, "invalid_request", "jwks_url"),
        ({"mode": "jwks", "jwks_url": jwks, "algorithm": "HS256"}, "invalid_request", "RS256"),
        ({"mode": "jwks", "jwks_url": jwks, "algorithm": "none"}, "invalid_request", "algorithm"),
        ({"mode": "jwks", "jwks_url": jwks, "secret": SECRET}, "invalid_request", "secret"),
        ({"mode": "jwks", "jwks_url": "ftp://alpha.example/k"}, "invalid_request", "http"),
        ({"mode": "hs256", "secret": SECRET, "leeway_seconds": 301}, "invalid_request", "leeway"),
        ({"mode": "hs256", "secret": SECRET, "leeway_seconds": -1}, "invalid_request", "leeway"),
        ({"mode": "hs256", "secret": SECRET, "audience": ""}, "invalid_request", "audience"),
        ({"mode": "hs256", "secret": SECRET, "extra": 1}, "invalid_request", "extra"),
        ({"mode": "rsa"}, "invalid_request", "mode"),
        ({}, "invalid_request", "mode"),
    ]
    for payload, code, words in cases:
        response = await put(client, shop, payload)
        assert response.status_code == 422, payload
        error = response.json()["error"]
        assert error["code"] == code and words in str(error), (payload, error)
        assert SECRET not in response.text
    nothing = (await client.get(IDENTITY, headers=shop.admin_headers())).json()
    assert nothing["configured"] is False, "a refused update writes nothing"


async def test_jwks_addresses_need_https_and_public_hosts_unless_the_operator_allows(
    settings: Settings, shop: Tenant
) -> None:
    strict = create_app(settings.model_copy(update={"identity_allow_private": False}))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for url, code in (
                ("http://127.0.0.1:8080/jwks.json", "identity_https_required"),
                ("http://shop.example/jwks.json", "identity_https_required"),
                ("https://127.0.0.1/jwks.json", "identity_address_not_allowed"),
                ("https://10.0.0.5/jwks.json", "identity_address_not_allowed"),
                ("https://[::1]/jwks.json", "identity_address_not_allowed"),
                ("https://169.254.169.254/jwks.json", "identity_address_not_allowed"),
                ("https://no-such-host.invalid/jwks.json", "identity_address_unresolvable"),
            ):
                response = await put(c, shop, {"mode": "jwks", "jwks_url": url})
                assert response.status_code == 422, url
                assert response.json()["error"]["code"] == code, url
            shown = await c.get(IDENTITY, headers=shop.admin_headers())
            assert shown.json()["configured"] is False


async def test_the_settings_need_a_secret_key(client: httpx.AsyncClient, shop: Tenant) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(
            method,
            IDENTITY,
            json={"mode": "hs256", "secret": SECRET},
            headers=shop.widget_headers(),
        )
        assert response.status_code == 403, method
        assert response.json()["error"]["code"] == "wrong_key_kind"


async def test_identity_settings_do_not_cross_tenants(
    client: httpx.AsyncClient, shop: Tenant, other_shop: Tenant
) -> None:
    a = await put(client, shop, {"mode": "hs256", "secret": SECRET, "issuer": "alpha"})
    assert a.status_code == 200
    b_headers = other_shop.admin_headers()
    assert (await client.get(IDENTITY, headers=b_headers)).json()["configured"] is False
    # B's changes land on B only.
    b = await client.put(
        IDENTITY, json={"mode": "hs256", "secret": OTHER_SECRET}, headers=b_headers
    )
    assert b.json()["secret_hint"] == OTHER_SECRET[-4:] and b.json()["issuer"] is None
    assert (await client.delete(IDENTITY, headers=b_headers)).status_code == 204
    mine = (await client.get(IDENTITY, headers=shop.admin_headers())).json()
    assert mine["configured"] is True and mine["issuer"] == "alpha"
    assert mine["secret_hint"] == SECRET[-4:]
    # A's shoppers' tokens open A only, whoever asks.
    token = hs256(claims(iss="alpha"))
    assert (await check(client, shop, token)).status_code == 200
    refused = await check(client, other_shop, token)
    assert refused.json()["error"]["code"] == "identity_not_configured"


async def test_a_secret_encrypted_with_another_server_key_is_reported(
    settings: Settings, client: httpx.AsyncClient, shop: Tenant
) -> None:
    await put(client, shop, {"mode": "hs256", "secret": SECRET})
    other_key = settings.model_copy(update={"secret_key": SecretStr("x" * 40)})
    moved = create_app(other_key)
    async with moved.router.lifespan_context(moved):
        transport = httpx.ASGITransport(app=moved)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await check(c, shop, hs256(claims()))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "identity_secret_unreadable"
