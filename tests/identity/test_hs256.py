"""Shopper tokens signed with a secret shared with the shop (HS256), checked end to end
through ``POST /api/v1/validate-user``."""

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from libriassist.identity.dependencies import OptionalShopper
from libriassist.identity.schemas import Shopper
from tests.factories import Tenant
from tests.identity.keys import OTHER_SECRET, SECRET, SigningKey, claims, forged, hs256

VALIDATE = "/api/v1/validate-user"


async def configure(client: httpx.AsyncClient, shop: Tenant, **fields: Any) -> None:
    body = {"mode": "hs256", "secret": SECRET, **fields}
    response = await client.put("/api/v1/admin/identity", json=body, headers=shop.admin_headers())
    assert response.status_code == 200, response.text


async def check(client: httpx.AsyncClient, shop: Tenant, token: str) -> httpx.Response:
    return await client.post(VALIDATE, headers=shop.widget_headers(Authorization=f"Bearer {token}"))


def assert_refused(response: httpx.Response, reason: str, token: str = "") -> None:
    assert response.status_code == 401, (reason, response.text)
    error = response.json()["error"]
    assert error["code"] == "invalid_user_token", (reason, error)
    assert error["details"]["reauth_required"] is True
    assert error["details"]["reason"] == reason, (reason, error)
    # Nothing of the token comes back: not the token, not a claim's value.
    for secret_part in (token, "cust-1042", "Alice", "alice@example.com"):
        assert not secret_part or secret_part not in response.text


async def test_a_valid_token_names_the_shopper(client: httpx.AsyncClient, shop: Tenant) -> None:
    await configure(client, shop)
    expires = int(time.time()) + 900
    response = await check(client, shop, hs256(claims(exp=expires)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "valid": True,
        "customer_id": "cust-1042",
        "name": "Alice Martin",
        "email": "alice@example.com",
        "expires_at": body["expires_at"],
    }
    assert int(httpx_datetime(body["expires_at"])) == expires
    # Name and e-mail are optional; a malformed one is dropped, the token still holds.
    bare = await check(client, shop, hs256(claims(name=None, email="not an address")))
    assert bare.status_code == 200
    assert (bare.json()["name"], bare.json()["email"]) == (None, None)


def httpx_datetime(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


async def test_every_forged_or_stale_token_is_refused_with_its_reason(
    client: httpx.AsyncClient, shop: Tenant, rsa_old: SigningKey
) -> None:
    await configure(client, shop, audience="libriassist", issuer="https://alpha.example")
    good = {"aud": "libriassist", "iss": "https://alpha.example"}
    now = int(time.time())
    signed = hs256(claims(**good))
    head, payload, signature = signed.split(".")
    tampered_payload = hs256(claims(**good, sub="someone-else")).split(".")[1]
    attacks = [
        (
            "alg none",
            forged({"alg": "none", "typ": "JWT"}, claims(**good), None),
            "algorithm_not_allowed",
        ),
        (
            "alg NONE signed",
            forged({"alg": "None"}, claims(**good), SECRET.encode()),
            "algorithm_not_allowed",
        ),
        ("RS256 token", rsa_old.sign(claims(**good)), "algorithm_not_allowed"),
        ("HS512 token", _hs512(claims(**good)), "algorithm_not_allowed"),
        ("expired", hs256(claims(**good, exp=now - 120)), "expired"),
        ("not yet valid", hs256(claims(**good, nbf=now + 300)), "not_yet_valid"),
        ("issued in the future", hs256(claims(**good, iat=now + 300)), "not_yet_valid"),
        ("wrong audience", hs256(claims(aud="another-app", iss=good["iss"])), "wrong_audience"),
        ("no audience", hs256(claims(iss=good["iss"])), "missing_claim"),
        (
            "wrong issuer",
            hs256(claims(aud="libriassist", iss="https://evil.example")),
            "wrong_issuer",
        ),
        ("another shop's secret", hs256(claims(**good), secret=OTHER_SECRET), "bad_signature"),
        ("payload swapped", f"{head}.{tampered_payload}.{signature}", "bad_signature"),
        ("signature cut", f"{head}.{payload}.", "bad_signature"),
        ("missing sub", hs256(claims(**good, sub=None)), "missing_claim"),
        ("missing exp", hs256(claims(**good, exp=None)), "missing_claim"),
        ("sub not a string", hs256(claims(**good, sub=1042)), "invalid_claim"),
        ("sub blank", hs256(claims(**good, sub="  ")), "invalid_claim"),
        ("exp not a number", hs256(claims(**good, exp="tomorrow")), "malformed"),
        ("garbage", "not-a-token", "malformed"),
        ("three garbage parts", "aaa.bbb.ccc", "malformed"),
        ("header not JSON", f"{_b64(b'{oops')}.{payload}.{signature}", "malformed"),
        ("huge", "a" * 9000 + ".b.c", "malformed"),
    ]
    for name, token, reason in attacks:
        response = await check(client, shop, token)
        assert_refused(response, reason, token)
        assert response.json()["error"]["details"]["reason"] == reason, name
    missing = await check(client, shop, hs256(claims(**good, sub=None)))
    assert missing.json()["error"]["details"]["claim"] == "sub"
    # The same claims, honestly signed, pass: the refusals above are the attacks' doing.
    assert (await check(client, shop, signed)).status_code == 200


def _hs512(payload: dict[str, Any]) -> str:
    import jwt

    return jwt.encode(payload, SECRET + SECRET, algorithm="HS512")


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_clock_leeway_is_honoured_and_bounded(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    await configure(client, shop, leeway_seconds=30)
    now = int(time.time())
    assert (await check(client, shop, hs256(claims(exp=now - 10)))).status_code == 200
    assert (await check(client, shop, hs256(claims(nbf=now + 10, iat=now + 10)))).status_code == 200
    assert_refused(await check(client, shop, hs256(claims(exp=now - 60))), "expired")
    await configure(client, shop, leeway_seconds=0)
    assert_refused(await check(client, shop, hs256(claims(exp=now - 10))), "expired")


async def test_an_audience_in_the_token_is_ignored_when_the_shop_checks_none(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    await configure(client, shop)
    response = await check(client, shop, hs256(claims(aud="whatever", iss="x")))
    assert response.status_code == 200


async def test_the_header_must_carry_a_bearer_token(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    await configure(client, shop)
    no_header = await client.post(VALIDATE, headers=shop.widget_headers())
    assert_refused(no_header, "missing")
    for header, reason in (
        ("Basic YWxpY2U6eA==", "malformed"),
        ("Bearer ", "missing"),
        ("", "malformed"),
    ):
        response = await client.post(VALIDATE, headers=shop.widget_headers(Authorization=header))
        assert_refused(response, reason)
    lower = await client.post(
        VALIDATE, headers=shop.widget_headers(Authorization=f"bearer {hs256(claims())}")
    )
    assert lower.status_code == 200
    # The widget's key is still required: a token alone is not a tenant.
    alone = await client.post(VALIDATE, headers={"Authorization": f"Bearer {hs256(claims())}"})
    assert alone.status_code == 401 and alone.json()["error"]["code"] == "invalid_api_key"


async def test_a_tenant_without_identity_settings_refuses_tokens_distinctly(
    client: httpx.AsyncClient, shop: Tenant
) -> None:
    response = await check(client, shop, hs256(claims()))
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "identity_not_configured"
    assert error["details"] == {"reauth_required": False}


async def test_a_token_signed_for_another_tenant_does_not_open_this_one(
    client: httpx.AsyncClient, shop: Tenant, other_shop: Tenant
) -> None:
    await configure(client, shop)
    other = {"mode": "hs256", "secret": OTHER_SECRET}
    await client.put("/api/v1/admin/identity", json=other, headers=other_shop.admin_headers())
    alphas = hs256(claims())
    assert (await check(client, shop, alphas)).status_code == 200
    assert_refused(await check(client, other_shop, alphas), "bad_signature", alphas)
    betas = hs256(claims(sub="beta-7"), secret=OTHER_SECRET)
    assert (await check(client, other_shop, betas)).json()["customer_id"] == "beta-7"
    assert_refused(await check(client, shop, betas), "bad_signature", betas)


@pytest.fixture
def shopper_route(app: FastAPI) -> str:
    """A route declaring ``OptionalShopper``, as the chat will."""

    async def whoami(shopper: OptionalShopper) -> dict[str, Any]:
        return {"customer_id": shopper.customer_id if isinstance(shopper, Shopper) else None}

    app.add_api_route("/test/whoami", whoami, methods=["GET"])
    return "/test/whoami"


async def test_the_optional_shopper_dependency_never_turns_a_bad_token_anonymous(
    client: httpx.AsyncClient, shop: Tenant, shopper_route: str
) -> None:
    await configure(client, shop)
    anonymous = await client.get(shopper_route, headers=shop.widget_headers())
    assert anonymous.status_code == 200 and anonymous.json() == {"customer_id": None}
    known = await client.get(
        shopper_route, headers=shop.widget_headers(Authorization=f"Bearer {hs256(claims())}")
    )
    assert known.json() == {"customer_id": "cust-1042"}
    expired = hs256(claims(exp=int(time.time()) - 3600))
    for header, reason in ((f"Bearer {expired}", "expired"), ("Token abc", "malformed")):
        refused = await client.get(shopper_route, headers=shop.widget_headers(Authorization=header))
        assert_refused(refused, reason)
