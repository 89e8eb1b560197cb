"""The Python examples of docs/integration.md, run as they are against the server."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.factories import Tenant
from tests.identity.jwks_server import JwksServer
from tests.identity.keys import SECRET
from tests.identity.test_hs256 import check

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def python_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, str(DOC), "exec"), namespace)
    return namespace


async def test_the_shared_secret_example_makes_tokens_the_server_accepts(
    client: httpx.AsyncClient, shop: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIBRIASSIST_TOKEN_SECRET", SECRET)
    example = run(python_examples()[0])
    body = {"mode": "hs256", "secret": SECRET, "audience": "libriassist"}
    await client.put("/api/v1/admin/identity", json=body, headers=shop.admin_headers())
    token = example["shopper_token"]("cust-77", "Zoé", "zoe@example.com")
    response = await check(client, shop, token)
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == "cust-77" and response.json()["name"] == "Zoé"


async def test_the_key_pair_example_publishes_a_set_the_server_uses(
    client: httpx.AsyncClient,
    shop: Tenant,
    jwks_server: JwksServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "shop-private-key.pem").write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.chdir(tmp_path)
    example = run(python_examples()[1])
    jwks_server.raw_body = example["jwks_document"]().encode()
    body = {"mode": "jwks", "jwks_url": jwks_server.url, "audience": "libriassist"}
    await client.put("/api/v1/admin/identity", json=body, headers=shop.admin_headers())
    response = await check(client, shop, example["shopper_token"]("cust-78", email="a@b.example"))
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "a@b.example"
