"""A tenant's own chat model: settings API, the key encrypted at rest, and its effect."""

import ssl
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.llm import LLMClients, LLMConfig
from libriassist.config import Settings
from libriassist.main import create_app
from tests.answering.helpers import ask, stored
from tests.factories import Tenant
from tests.fake_llm import FakeLLM, Turn
from tests.test_cli import cli

DELIVERY = "Quels sont les délais de livraison ?"
API_KEY = "sk-test-0123456789abcdef"


async def test_by_default_the_tenant_uses_the_platform_model(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    shown = (await client.get("/api/v1/admin/llm", headers=tenant.admin_headers())).json()
    assert shown["mode"] == "platform" and shown["api_key_set"] is False
    assert shown["effective"] == {
        "source": "platform",
        "base_url": fake_llm.url,
        "model": "fake-model",
    }


async def test_a_custom_model_with_its_key_encrypted_at_rest(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    put = await client.put(
        "/api/v1/admin/llm",
        json={
            "mode": "custom",
            "base_url": fake_llm.url,
            "model": "shop-model",
            "api_key": API_KEY,
            "temperature": 0.7,
            "max_tokens": 300,
        },
        headers=tenant.admin_headers(),
    )
    assert put.status_code == 200, put.text
    shown = put.json()
    assert shown["api_key_set"] is True and shown["api_key_hint"] == "cdef"
    assert API_KEY not in put.text
    assert shown["effective"]["source"] == "tenant" and shown["effective"]["model"] == "shop-model"
    async with maker() as session:
        stored_key = (
            await session.execute(text("SELECT api_key_encrypted FROM tenant_llm_settings"))
        ).scalar_one()
    assert stored_key and API_KEY not in stored_key and "0123456789" not in stored_key

    body = await ask(client, tenant, DELIVERY)
    assert body["model"] == "shop-model"
    [request] = fake_llm.seen
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "shop-model"
    assert (request.body["temperature"], request.body["max_tokens"]) == (0.7, 300)

    # Leaving the key out keeps it; null erases it.
    kept = await client.put(
        "/api/v1/admin/llm",
        json={"mode": "custom", "base_url": fake_llm.url, "model": "shop-model-2"},
        headers=tenant.admin_headers(),
    )
    assert kept.json()["api_key_set"] is True
    erased = await client.put(
        "/api/v1/admin/llm",
        json={"mode": "custom", "base_url": fake_llm.url, "model": "m", "api_key": None},
        headers=tenant.admin_headers(),
    )
    assert erased.json()["api_key_set"] is False

    reset = await client.delete("/api/v1/admin/llm", headers=tenant.admin_headers())
    assert reset.status_code == 204
    back = (await client.get("/api/v1/admin/llm", headers=tenant.admin_headers())).json()
    assert back["mode"] == "platform" and back["effective"]["model"] == "fake-model"


async def test_mode_off_answers_without_any_model(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    put = await client.put(
        "/api/v1/admin/llm", json={"mode": "off"}, headers=tenant.admin_headers()
    )
    assert put.json()["effective"]["source"] == "none"
    body = await ask(client, tenant, DELIVERY)
    assert body["model"] == "extractive" and "3 à 5 jours ouvrés" in body["answer"]
    assert fake_llm.seen == []


async def test_bad_settings_are_refused_with_clear_codes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    cases = [
        ({"mode": "custom", "model": "m"}, "base_url and model"),
        ({"mode": "custom", "base_url": "ftp://x.example/v1", "model": "m"}, "http"),
        ({"mode": "platform", "model": "m"}, "only for mode 'custom'"),
        ({"mode": "sometimes"}, "mode"),
        ({"mode": "off", "temperature": 3}, "temperature"),
        ({"mode": "off", "unknown": 1}, "unknown"),
    ]
    for payload, words in cases:
        response = await client.put(
            "/api/v1/admin/llm", json=payload, headers=tenant.admin_headers()
        )
        assert response.status_code == 422, payload
        error = response.json()["error"]
        assert error["code"] == "invalid_request" and words in str(error), (payload, error)
    nothing = (await client.get("/api/v1/admin/llm", headers=tenant.admin_headers())).json()
    assert nothing["mode"] == "platform", "a refused update writes nothing"


async def test_private_model_addresses_need_the_operators_consent(
    settings: Settings, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    strict = create_app(settings.model_copy(update={"llm_allow_private": False}))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for url in (fake_llm.url, "http://10.0.0.5:11434/v1", "http://[::1]:8000/v1"):
                response = await c.put(
                    "/api/v1/admin/llm",
                    json={"mode": "custom", "base_url": url, "model": "m"},
                    headers=tenant.admin_headers(),
                )
                assert response.status_code == 422
                assert response.json()["error"]["code"] == "llm_address_not_allowed"
            unknown = await c.put(
                "/api/v1/admin/llm",
                json={"mode": "custom", "base_url": "http://no-such-host.invalid/v1", "model": "m"},
                headers=tenant.admin_headers(),
            )
            assert unknown.json()["error"]["code"] == "llm_address_unresolvable"


async def test_the_test_endpoint_tells_whether_the_model_answers(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    fake_llm.script = [Turn(text="OK")]
    ok = (await client.post("/api/v1/admin/llm/test", headers=tenant.admin_headers())).json()
    assert ok["ok"] is True and ok["reply"] == "OK" and ok["model"] == "fake-model"
    assert fake_llm.seen[-1].body["max_tokens"] == 16

    fake_llm.script = [Turn("status", status=404)]
    failed = (await client.post("/api/v1/admin/llm/test", headers=tenant.admin_headers())).json()
    assert failed["ok"] is False and failed["error_code"] == "llm_model_not_found"

    await client.put("/api/v1/admin/llm", json={"mode": "off"}, headers=tenant.admin_headers())
    none = (await client.post("/api/v1/admin/llm/test", headers=tenant.admin_headers())).json()
    assert none["ok"] is False and none["error_code"] == "llm_not_configured"


async def test_a_key_encrypted_with_another_secret_falls_back_to_quoting(
    settings: Settings,
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    await client.put(
        "/api/v1/admin/llm",
        json={"mode": "custom", "base_url": fake_llm.url, "model": "m", "api_key": API_KEY},
        headers=tenant.admin_headers(),
    )
    rotated = create_app(settings.model_copy(update={"secret_key": SecretStr("x" * 40)}))
    async with rotated.router.lifespan_context(rotated):
        transport = httpx.ASGITransport(app=rotated)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            body = await ask(c, tenant, DELIVERY)
            shown = (await c.get("/api/v1/admin/llm", headers=tenant.admin_headers())).json()
    assert body["model"] == "extractive" and "3 à 5 jours" in body["answer"]
    assert (await stored(maker, body["message_id"])).llm_error == "llm_key_unreadable"
    assert shown["api_key_set"] is True and shown["effective"]["source"] == "none"
    assert fake_llm.seen == []


async def test_model_settings_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, fake_llm: FakeLLM
) -> None:
    await client.put(
        "/api/v1/admin/llm",
        json={
            "mode": "custom",
            "base_url": fake_llm.url,
            "model": "alpha-model",
            "api_key": API_KEY,
        },
        headers=tenant.admin_headers(),
    )
    theirs = (await client.get("/api/v1/admin/llm", headers=other_tenant.admin_headers())).json()
    assert theirs["mode"] == "platform" and theirs["api_key_set"] is False
    await client.delete("/api/v1/admin/llm", headers=other_tenant.admin_headers())
    await client.post("/api/v1/admin/llm/test", headers=other_tenant.admin_headers())
    assert fake_llm.seen[-1].body["model"] == "fake-model"
    assert "authorization" not in fake_llm.seen[-1].headers or API_KEY not in str(
        fake_llm.seen[-1].headers
    )
    mine = (await client.get("/api/v1/admin/llm", headers=tenant.admin_headers())).json()
    assert mine["model"] == "alpha-model" and mine["api_key_set"] is True


async def test_the_operator_sets_a_tenants_model_from_the_cli(
    settings: Settings, client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    saved = cli(
        settings,
        "llm",
        "set",
        tenant.id,
        "--base-url",
        fake_llm.url,
        "--model",
        "cli-model",
        "--api-key-stdin",
        "--max-tokens",
        "200",
        input=API_KEY + "\n",
    )
    assert saved.returncode == 0, saved.stderr
    shown = cli(settings, "llm", "show", tenant.id)
    assert "cli-model" in shown.stdout and "…cdef" in shown.stdout and API_KEY not in shown.stdout

    # The server reads the key the CLI encrypted (same DATA_DIR/secret.key).
    body = await ask(client, tenant, DELIVERY)
    assert body["model"] == "cli-model"
    assert fake_llm.seen[-1].headers["authorization"] == f"Bearer {API_KEY}"

    fake_llm.script = [Turn(text="OK")]
    tested = cli(settings, "llm", "test", tenant.id)
    assert tested.returncode == 0 and "cli-model answered 'OK'" in tested.stdout
    fake_llm.script = [Turn("status", status=401)]
    refused = cli(settings, "llm", "test", tenant.id)
    assert refused.returncode == 1 and "llm_auth_failed" in refused.stderr

    bad = cli(settings, "llm", "set", tenant.id, "--model", "m")
    assert bad.returncode == 1 and "base_url and model" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert cli(settings, "llm", "reset", tenant.id).returncode == 0
    assert '"mode": "platform"' in cli(settings, "llm", "show", tenant.id, "--json").stdout


async def test_each_key_is_sent_with_its_own_requests_and_nothing_else_is_shared(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    """Every key has its own client (and cookie jar): a cookie a provider or a gateway sets
    on one key's replies never goes out with another key's requests."""

    async def use_key(key: str) -> None:
        put = await client.put(
            "/api/v1/admin/llm",
            json={"mode": "custom", "base_url": fake_llm.url, "model": "m", "api_key": key},
            headers=tenant.admin_headers(),
        )
        assert put.status_code == 200, put.text
        await ask(client, tenant, DELIVERY)

    fake_llm.set_cookie = "gateway_session=first-key-session; Path=/"
    await use_key("sk-first-key-0001")
    await use_key("sk-first-key-0001")  # the same key's client keeps its own cookie
    fake_llm.set_cookie = None
    await use_key("sk-second-key-0002")
    await use_key("sk-first-key-0001")
    first, second = "Bearer sk-first-key-0001", "Bearer sk-second-key-0002"
    sent = [
        (seen.headers.get("authorization"), seen.headers.get("cookie")) for seen in fake_llm.seen
    ]
    session = "gateway_session=first-key-session"
    assert sent == [(first, None), (first, session), (second, None), (first, session)]


def test_the_clients_of_all_keys_share_one_tls_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # Building a trust store took 20 ms of the event loop per client (docs/performance.md).
    built: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(create(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    clients = LLMClients()
    for key in ("sk-a", "sk-b", "sk-c"):
        config = LLMConfig(base_url="https://llm.example/v1", model="m", api_key=key)
        clients.client(config)
    assert len(built) == 1
