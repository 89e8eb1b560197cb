"""The HTTP connector against a real local shop API: auth, retries, errors."""

import re
import socket
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from libriassist.orders.errors import (
    OrderSourceBadReply,
    OrderSourceRefused,
    OrderSourceUnavailable,
)
from libriassist.orders.http_source import (
    HttpOrderSource,
    HttpSourceConfig,
    canonical_string,
    signature,
)
from tests.orders.shop_api import ShopAPI, Step

DOCS = Path(__file__).resolve().parents[2] / "docs"
ALICE = [
    {
        "order_number": "CMD-1017",
        "status": "delivered",
        "placed_at": "2025-02-02T18:03:00Z",
        "updated_at": "2025-02-05T11:20:00Z",
    },
    {
        "order_number": "CMD-1042",
        "status": "Expédiée",
        "placed_at": "2025-03-10T09:12:00+01:00",
        "expected_at": "2025-03-14",
        "carrier": "Colissimo",
        "tracking_url": "https://track.example/6A123",
        "items": [{"name": "Le Petit Prince", "quantity": 2, "price": 12.9, "sku": "LPP-2"}],
        "total": "25.80",
        "currency": "eur",
        "shop_internal_id": 99812,  # fields the contract does not name are ignored
    },
]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


def source(
    shop: ShopAPI, http: httpx.AsyncClient, base_url: str | None = None, **overrides: Any
) -> HttpOrderSource:
    config: dict[str, Any] = {
        "base_url": base_url or shop.url,
        "auth": shop.auth,
        "secret": shop.secret,
        "timeout": 0.5,
        "retries": 2,
        "allow_private": True,
        "backoff": 0.01,
    }
    return HttpOrderSource(HttpSourceConfig(**{**config, **overrides}), http)


async def test_bearer_request_and_a_valid_reply(shop_api: ShopAPI, http: httpx.AsyncClient) -> None:
    shop_api.orders["alice"] = ALICE
    orders = await source(shop_api, http).orders_for("alice")
    # Most recent first, statuses normalised, the shop's words kept.
    assert [o.order_number for o in orders] == ["CMD-1042", "CMD-1017"]
    shipped = orders[0]
    assert (shipped.status, shipped.status_text) == ("shipped", "Expédiée")
    assert (
        shipped.placed_at is not None
        and shipped.placed_at.isoformat() == "2025-03-10T08:12:00+00:00"
    )
    assert shipped.currency == "EUR" and str(shipped.total) == "25.80"
    assert shipped.items[0].quantity == 2 and str(shipped.items[0].price) == "12.9"
    [seen] = shop_api.seen
    assert seen.authorised and seen.target == "/api/customers/alice/orders"
    assert seen.headers["authorization"] == f"Bearer {shop_api.secret}"
    assert seen.headers["accept"] == "application/json"


async def test_hmac_signatures_are_verified_by_the_shop(
    shop_api: ShopAPI, http: httpx.AsyncClient
) -> None:
    shop_api.auth = "hmac"
    customer = "cust/42 é?x"  # every character a path could misread is escaped and signed
    shop_api.orders[customer] = ALICE
    orders = await source(shop_api, http).orders_for(customer)
    assert len(orders) == 2
    [seen] = shop_api.seen
    assert seen.authorised and seen.customer_id == customer
    assert seen.target == "/api/customers/cust%2F42%20%C3%A9%3Fx/orders"
    assert "authorization" not in seen.headers
    # The verification code the docs give shops accepts it, and nothing else.
    verify = documented_verify()
    timestamp = seen.headers["x-libriassist-timestamp"]
    given = seen.headers["x-libriassist-signature"]
    assert verify(shop_api.secret, "GET", seen.target, b"", timestamp, given)
    assert not verify(shop_api.secret, "GET", "/api/customers/bob/orders", b"", timestamp, given)
    assert not verify(shop_api.secret, "GET", seen.target, b"", str(int(timestamp) - 600), given)

    with pytest.raises(OrderSourceRefused) as refused:
        await source(shop_api, http, secret="another-secret-0123456789").orders_for(customer)
    assert refused.value.details == {"status": 401}
    assert len(shop_api.seen) == 2  # a 4xx is never retried


def documented_verify() -> Callable[..., bool]:
    """The Python ``verify`` of docs/integration-orders.md, run as written."""
    doc = (DOCS / "integration-orders.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    [code] = [textwrap.dedent(b) for b in blocks if "def verify" in b]
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    verify: Callable[..., bool] = namespace["verify"]
    return verify


def test_the_documented_signature_example() -> None:
    # The worked example of docs/integration-orders.md, byte for byte.
    body_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    canonical = canonical_string("1741600000", "GET", "/api/customers/cust-1001/orders", b"")
    assert canonical == f"1741600000\nGET\n/api/customers/cust-1001/orders\n{body_hash}".encode()
    assert (
        signature(
            "shop-secret-0123456789", "1741600000", "GET", "/api/customers/cust-1001/orders", b""
        )
        == "sha256=" + DOCUMENTED_SIGNATURE
    )
    assert DOCUMENTED_SIGNATURE in (DOCS / "integration-orders.md").read_text(encoding="utf-8")


DOCUMENTED_SIGNATURE = "e23303950a37f8901a68127bfca71ca5d64b6a2a115ded5e7c7c4f33413e79ce"


async def test_unknown_customer_is_no_orders(shop_api: ShopAPI, http: httpx.AsyncClient) -> None:
    assert await source(shop_api, http).orders_for("nobody") == []
    assert len(shop_api.seen) == 1


async def test_find_asks_only_about_the_tokens_customer(
    shop_api: ShopAPI, http: httpx.AsyncClient
) -> None:
    shop_api.orders["alice"] = ALICE
    shop_api.orders["bob"] = [{"order_number": "CMD-2000", "status": "shipped"}]
    shop = source(shop_api, http)
    assert await shop.find("alice", "CMD-2000") is None
    assert await shop.find("alice", "CMD-9999") is None
    found = await shop.find("alice", "#1042")
    assert found is not None and found.order_number == "CMD-1042"
    assert {s.customer_id for s in shop_api.seen} == {"alice"}


async def test_a_shop_that_is_down(http: httpx.AsyncClient, shop_api: ShopAPI) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(OrderSourceUnavailable) as down:
        await source(shop_api, http, base_url=f"http://127.0.0.1:{port}/api").orders_for("alice")
    assert down.value.code == "order_source_unavailable" and down.value.status_code == 503
    assert "could not be reached" in down.value.message and "3 attempts" in down.value.message


async def test_a_slow_shop_times_out_after_retries(
    shop_api: ShopAPI, http: httpx.AsyncClient
) -> None:
    shop_api.orders["alice"] = ALICE
    shop_api.script = [Step(delay=1.0), Step(delay=1.0), Step(delay=1.0)]
    with pytest.raises(OrderSourceUnavailable) as slow:
        await source(shop_api, http, timeout=0.2).orders_for("alice")
    assert "did not answer within 0.2 s (3 attempts)" in slow.value.message
    assert len(shop_api.seen) == 3


async def test_a_slow_answer_then_a_quick_one(shop_api: ShopAPI, http: httpx.AsyncClient) -> None:
    shop_api.orders["alice"] = ALICE
    shop_api.script = [Step(delay=1.0)]
    assert len(await source(shop_api, http, timeout=0.2).orders_for("alice")) == 2
    assert len(shop_api.seen) == 2


async def test_a_5xx_is_retried(shop_api: ShopAPI, http: httpx.AsyncClient) -> None:
    shop_api.orders["alice"] = ALICE
    shop_api.script = [Step(status=500), Step(status=503)]
    assert len(await source(shop_api, http).orders_for("alice")) == 2
    assert len(shop_api.seen) == 3
    shop_api.seen.clear()
    shop_api.script = [Step(status=502)] * 3
    with pytest.raises(OrderSourceUnavailable, match="answered 502"):
        await source(shop_api, http).orders_for("alice")
    assert len(shop_api.seen) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 429, 301])
async def test_other_answers_are_refusals_and_not_retried(
    shop_api: ShopAPI, http: httpx.AsyncClient, status: int
) -> None:
    shop_api.script = [Step(status=status)]
    with pytest.raises(OrderSourceRefused) as refused:
        await source(shop_api, http).orders_for("alice")
    assert refused.value.details == {"status": status}
    assert len(shop_api.seen) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Bad gateway</html>", "did not answer JSON"),
        (b"[]", '"orders" array'),
        (b'{"orders": {"CMD-1": {}}}', '"orders" array'),
        (b'{"orders": [{"order_number": "CMD-1"}]}', "orders[0].status: Field required"),
        (b'{"orders": [{"order_number": "CMD-1", "status": "lost"}]}', "unknown status 'lost'"),
        (
            b'{"orders": [{"order_number": "1", "status": "shipped", "tracking_url": "javascript:x"}]}',
            "orders[0].tracking_url",
        ),
        (
            b'{"orders": [{"order_number": "1", "status": "shipped", "customer_id": "bob"}]}',
            "another customer",
        ),
    ],
)
async def test_malformed_replies(
    shop_api: ShopAPI, http: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    shop_api.script = [Step(body=body)]
    with pytest.raises(OrderSourceBadReply) as bad:
        await source(shop_api, http).orders_for("alice")
    assert bad.value.code == "order_source_bad_reply"
    assert reason in bad.value.message
    assert len(shop_api.seen) == 1


async def test_an_oversized_reply_is_refused(shop_api: ShopAPI, http: httpx.AsyncClient) -> None:
    shop_api.script = [Step(body=b'{"orders": [' + b" " * (3 * 1024 * 1024) + b"]}")]
    with pytest.raises(OrderSourceBadReply, match="more than"):
        await source(shop_api, http).orders_for("alice")


async def test_private_addresses_need_the_operators_consent(
    shop_api: ShopAPI, http: httpx.AsyncClient
) -> None:
    shop_api.orders["alice"] = ALICE
    with pytest.raises(OrderSourceUnavailable, match="private or local"):
        await source(shop_api, http, allow_private=False).orders_for("alice")
    assert shop_api.seen == []


async def test_the_connection_goes_to_the_address_that_was_checked(
    shop_api: ShopAPI, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is looked up once, checked, and connected to as checked.
    Here the check's lookup answers the local shop's address (deemed public for the
    test) and the name itself resolves nowhere: reaching the shop proves the connection
    did not look the name up again."""
    import ipaddress

    from libriassist.kit import network

    async def checked(url: str) -> list[network.IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(network, "resolve", checked)
    monkeypatch.setattr(network, "is_public", lambda address: True)
    shop_api.orders["alice"] = ALICE
    port = shop_api.url.split(":")[2].split("/")[0]
    pinned = source(shop_api, http, base_url=f"http://shop.invalid:{port}/api", allow_private=False)
    assert [o.order_number for o in await pinned.orders_for("alice")] == ["CMD-1042", "CMD-1017"]
    assert shop_api.seen[-1].headers["host"] == f"shop.invalid:{port}"
    assert shop_api.seen[-1].authorised  # the signature covers the path, not the address
