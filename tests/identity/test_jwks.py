"""Shopper tokens signed with the shop's private keys (RS256, ES256), checked against the
public keys its JWKS URL publishes, served by a real HTTP server on loopback."""

import time
from typing import Any

import httpx
import pytest

from tests.factories import Tenant
from tests.identity.jwks_server import JwksServer
from tests.identity.keys import Clock, SigningKey, claims, forged, hs256
from tests.identity.test_hs256 import assert_refused, check
from tests.local_server import free_port


async def configure(
    client: httpx.AsyncClient, shop: Tenant, url: str, algorithm: str = "RS256", **fields: Any
) -> None:
    body = {"mode": "jwks", "algorithm": algorithm, "jwks_url": url, **fields}
    response = await client.put("/api/v1/admin/identity", json=body, headers=shop.admin_headers())
    assert response.status_code == 200, response.text


async def test_rs256_and_es256_tokens_are_accepted(
    client: httpx.AsyncClient,
    shop: Tenant,
    other_shop: Tenant,
    jwks_server: JwksServer,
    rsa_old: SigningKey,
    ec_signing: SigningKey,
) -> None:
    jwks_server.keys = [rsa_old.jwk(), ec_signing.jwk()]
    await configure(client, shop, jwks_server.url, "RS256", audience="alpha")
    await configure(client, other_shop, jwks_server.url, "ES256")
    rs = await check(client, shop, rsa_old.sign(claims(aud="alpha")))
    assert rs.status_code == 200, rs.text
    assert rs.json()["customer_id"] == "cust-1042"
    es = await check(client, other_shop, ec_signing.sign(claims(sub="beta-9")))
    assert es.status_code == 200, es.text
    assert es.json()["customer_id"] == "beta-9"
    # Each tenant's pinned algorithm holds, even though both keys sit in the same set.
    assert_refused(await check(client, shop, ec_signing.sign(claims())), "algorithm_not_allowed")
    assert_refused(await check(client, other_shop, rsa_old.sign(claims())), "algorithm_not_allowed")
    # With a single key of its kind in the set, a token may leave out its kid.
    jwks_server.keys = [rsa_old.jwk()]
    await configure(client, shop, jwks_server.url + "?single", "RS256")
    no_kid = await check(client, shop, rsa_old.sign(claims(), kid=None))
    assert no_kid.status_code == 200, no_kid.text


async def test_forged_tokens_are_refused(
    client: httpx.AsyncClient,
    shop: Tenant,
    jwks_server: JwksServer,
    rsa_old: SigningKey,
    rsa_attacker: SigningKey,
    clock: Clock,
) -> None:
    symmetric = {"kty": "oct", "kid": "sym", "k": "c2hvcC1zZWNyZXQtMDEyMzQ1Njc4OS1hYmNkZWZnaGlq"}
    jwks_server.keys = [rsa_old.jwk(), symmetric]
    await configure(client, shop, jwks_server.url)
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa_old.kid}
    attacks = [
        # HS/RS confusion: the shop's public key, which anyone can fetch, used as an HMAC secret.
        (
            "public key as HMAC secret",
            forged(header, claims(), rsa_old.public_pem()),
            "algorithm_not_allowed",
        ),
        (
            "public JWK n as HMAC secret",
            forged(header, claims(), rsa_old.jwk()["n"].encode()),
            "algorithm_not_allowed",
        ),
        (
            "alg none",
            forged({"alg": "none", "kid": rsa_old.kid}, claims(), None),
            "algorithm_not_allowed",
        ),
        (
            "HS256 with the set's oct key",
            hs256(claims(), secret="shop-secret-0123456789-abcdefghij", kid="sym"),
            "algorithm_not_allowed",
        ),
        ("RS256 naming the oct key", rsa_attacker.sign(claims(), kid="sym"), "unknown_kid"),
        ("another key under the shop's kid", rsa_attacker.sign(claims()), "bad_signature"),
        ("unknown kid", rsa_attacker.sign(claims(), kid="made-up"), "unknown_kid"),
        ("expired", rsa_old.sign(claims(exp=int(time.time()) - 600)), "expired"),
        ("not yet valid", rsa_old.sign(claims(nbf=int(time.time()) + 600)), "not_yet_valid"),
        ("missing sub", rsa_old.sign(claims(sub=None)), "missing_claim"),
    ]
    for name, token, reason in attacks:
        response = await check(client, shop, token)
        assert_refused(response, reason, token)
        assert response.json()["error"]["details"]["reason"] == reason, name
    assert (await check(client, shop, rsa_old.sign(claims()))).status_code == 200


async def test_keys_rotate_without_a_gap_and_retired_keys_stop_working(
    client: httpx.AsyncClient,
    shop: Tenant,
    jwks_server: JwksServer,
    rsa_old: SigningKey,
    rsa_new: SigningKey,
    clock: Clock,
) -> None:
    jwks_server.keys = [rsa_old.jwk()]
    jwks_server.cache_control = "public, max-age=3600"
    await configure(client, shop, jwks_server.url)
    old_token, new_token = rsa_old.sign(claims()), rsa_new.sign(claims(sub="cust-2"))
    assert (await check(client, shop, old_token)).status_code == 200
    assert (await check(client, shop, old_token)).status_code == 200
    assert jwks_server.hits == 1, "the set is cached"

    # The shop publishes its next key next to the current one and starts signing with it:
    # the first token with the new kid fetches the set at once, long before max-age.
    jwks_server.keys = [rsa_old.jwk(), rsa_new.jwk()]
    clock.advance(60)
    new = await check(client, shop, new_token)
    assert new.status_code == 200 and new.json()["customer_id"] == "cust-2"
    assert (await check(client, shop, old_token)).status_code == 200, "overlap: both work"
    assert jwks_server.hits == 2

    # The old key leaves the set. It works until the cache learns of it (max-age)...
    jwks_server.keys = [rsa_new.jwk()]
    clock.advance(60)
    assert (await check(client, shop, old_token)).status_code == 200
    assert jwks_server.hits == 2
    # ...and is refused once the set is fetched again.
    clock.advance(3600)
    assert_refused(await check(client, shop, old_token), "unknown_kid")
    assert (await check(client, shop, new_token)).status_code == 200
    assert jwks_server.hits == 3


async def test_a_key_server_that_is_down_never_makes_a_token_anonymous(
    client: httpx.AsyncClient, shop: Tenant, rsa_old: SigningKey, clock: Clock
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/jwks.json"  # nothing listens there
    await configure(client, shop, nowhere)
    response = await check(client, shop, rsa_old.sign(claims()))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "identity_provider_unavailable"
    assert error["details"] == {"reauth_required": False}


@pytest.mark.parametrize(
    ("status", "body", "what"),
    [
        (500, None, "a server error"),
        (302, None, "a redirect (never followed)"),
        (200, b"<html>maintenance</html>", "not JSON"),
        (200, b'{"keys": "none"}', "no key list"),
        (200, b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}', "only a symmetric key"),
    ],
)
async def test_a_broken_key_set_is_unavailable_not_invalid(
    client: httpx.AsyncClient,
    shop: Tenant,
    jwks_server: JwksServer,
    rsa_old: SigningKey,
    status: int,
    body: bytes | None,
    what: str,
) -> None:
    jwks_server.status = status
    jwks_server.raw_body = body if body is not None else b"{}"
    await configure(client, shop, jwks_server.url)
    response = await check(client, shop, rsa_old.sign(claims()))
    assert response.status_code == 503, what
    assert response.json()["error"]["code"] == "identity_provider_unavailable", what
