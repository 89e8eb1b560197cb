"""``libriassist identity show|set|reset``, run as a real process against the test database."""

import json

import httpx
import pytest

from libriassist.config import Settings
from tests.factories import Tenant
from tests.identity.keys import SECRET, SigningKey, claims, hs256
from tests.identity.test_hs256 import check
from tests.test_cli import cli


async def test_the_operator_sets_shows_and_resets_identity(
    settings: Settings, client: httpx.AsyncClient, shop: Tenant, rsa_old: SigningKey
) -> None:
    saved = cli(
        settings,
        "identity",
        "set",
        shop.id,
        "--mode",
        "hs256",
        "--secret-stdin",
        "--audience",
        "alpha",
        input=SECRET + "\n",
    )
    assert saved.returncode == 0, saved.stderr
    shown = cli(settings, "identity", "show", shop.id)
    assert "hs256" in shown.stdout and f"…{SECRET[-4:]}" in shown.stdout
    assert SECRET not in shown.stdout + saved.stdout + saved.stderr
    assert (await check(client, shop, hs256(claims(aud="alpha")))).status_code == 200

    # The operator may point a tenant at a key server on its own network, over http.
    url = "http://127.0.0.1:9/jwks.json"
    jwks = cli(
        settings,
        "identity",
        "set",
        shop.id,
        "--mode",
        "jwks",
        "--algorithm",
        "ES256",
        "--jwks-url",
        url,
        "--leeway",
        "10",
    )
    assert jwks.returncode == 0, jwks.stderr
    as_json = json.loads(cli(settings, "identity", "show", shop.id, "--json").stdout)
    assert as_json["mode"] == "jwks" and as_json["jwks_url"] == url
    assert as_json["algorithm"] == "ES256" and as_json["leeway_seconds"] == 10
    assert as_json["secret_set"] is False

    reset = cli(settings, "identity", "reset", shop.id)
    assert reset.returncode == 0, reset.stderr
    after = await client.get("/api/v1/admin/identity", headers=shop.admin_headers())
    assert after.json()["configured"] is False


# Refusals come before or apart from the database engine: SQLite is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_bad_cli_input_is_refused_clearly(
    settings: Settings, client: httpx.AsyncClient, shop: Tenant
) -> None:
    no_secret = cli(settings, "identity", "set", shop.id, "--mode", "hs256")
    assert no_secret.returncode == 1 and "identity_secret_required" in no_secret.stderr
    short = cli(
        settings, "identity", "set", shop.id, "--mode", "hs256", "--secret-stdin", input="short\n"
    )
    assert short.returncode == 1 and "secret" in short.stderr and "at least 32" in short.stderr
    # A secret never goes on the command line, where the process list would show it.
    on_line = cli(settings, "identity", "set", shop.id, "--mode", "hs256", "--secret", SECRET)
    assert on_line.returncode != 0
    shown = await client.get("/api/v1/admin/identity", headers=shop.admin_headers())
    assert shown.json()["configured"] is False
