"""The customers admin API: export and erase a customer with their conversations, the
paginated list, ids that need percent-encoding, and no crossing between tenants."""

from decimal import Decimal
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from libriassist.chat.models import Conversation, Message
from libriassist.customers import service as customers_service
from libriassist.customers.models import CustomerProfile
from libriassist.db import session_scope
from libriassist.usage_limits.rates import opaque
from tests.customers.conftest import Maker, add_conversation, shopper, visit
from tests.factories import Tenant

CUSTOMERS = "/api/v1/admin/customers"


def url(customer_id: str) -> str:
    return f"{CUSTOMERS}/{quote(customer_id, safe='')}"


async def counts(maker: Maker) -> dict[str, dict[tuple[str, str | None], int]]:
    """Rows per (tenant, customer) in each table the erasure touches."""
    async with session_scope(maker) as session:
        profiles = await session.execute(
            select(CustomerProfile.tenant_id, CustomerProfile.customer_id, func.count()).group_by(
                CustomerProfile.tenant_id, CustomerProfile.customer_id
            )
        )
        conversations = await session.execute(
            select(Conversation.tenant_id, Conversation.customer_id, func.count()).group_by(
                Conversation.tenant_id, Conversation.customer_id
            )
        )
        messages = await session.execute(
            select(Conversation.tenant_id, Conversation.customer_id, func.count())
            .join(Message, Message.conversation_id == Conversation.id)
            .group_by(Conversation.tenant_id, Conversation.customer_id)
        )
        return {
            name: {(t, c): n for t, c, n in result.all()}
            for name, result in (
                ("profiles", profiles),
                ("conversations", conversations),
                ("messages", messages),
            )
        }


async def test_the_export_holds_the_profile_and_every_conversation(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant
) -> None:
    alice = shopper("auth0|alice", name="Alice Martin", email="alice@example.com")
    await visit(maker, shop.id, alice, "fr")
    first = await add_conversation(
        maker, shop.id, alice.customer_id, ["Où est ma commande 1042 ?", "Elle est en route."]
    )
    second = await add_conversation(
        maker, shop.id, alice.customer_id, ["Hello", "Hi!", "Thanks"], language="en"
    )
    await add_conversation(maker, shop.id, "auth0|bob", ["Bob's question"])
    await add_conversation(maker, shop.id, None, ["An anonymous question"])
    async with session_scope(maker) as session:
        await customers_service.record_orders(
            session, shop.id, alice.customer_id, 3, Decimal("149.9")
        )

    response = await client.get(url(alice.customer_id), headers=shop.admin_headers())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == "auth0|alice"
    profile = body["profile"]
    assert profile["display_name"] == "Alice Martin" and profile["email"] == "alice@example.com"
    assert profile["orders_count"] == 3 and profile["orders_value"] == "149.90"
    assert profile["tier"] == "silver" and profile["sessions_count"] == 1
    assert profile["first_seen_at"].endswith(("Z", "+00:00"))
    assert [c["session_id"] for c in body["conversations"]] == [first, second]
    assert [m["content"] for m in body["conversations"][0]["messages"]] == [
        "Où est ma commande 1042 ?",
        "Elle est en route.",
    ]
    assert [m["role"] for m in body["conversations"][1]["messages"]] == [
        "visitor",
        "assistant",
        "visitor",
    ]
    assert "Bob's question" not in response.text and "anonymous" not in response.text


async def test_erasure_removes_the_profile_conversations_and_messages_and_nothing_else(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    alice, bob = shopper("auth0|alice", name="Alice"), shopper("auth0|bob")
    for tenant in (shop, other_shop):
        for who in (alice, bob):
            await visit(maker, tenant.id, who)
            await add_conversation(maker, tenant.id, who.customer_id, ["q1", "a1"])
        await add_conversation(maker, tenant.id, None, ["anonymous", "reply"])
    await add_conversation(maker, shop.id, alice.customer_id, ["q2", "a2", "q3"])
    before = await counts(maker)

    erased = await client.delete(url(alice.customer_id), headers=shop.admin_headers())
    assert erased.status_code == 200, erased.text
    assert erased.json() == {
        "customer_id": "auth0|alice",
        "profile_deleted": True,
        "conversations_deleted": 2,
        "messages_deleted": 5,
    }
    after = await counts(maker)
    gone = (shop.id, "auth0|alice")
    assert gone not in after["profiles"]
    assert gone not in after["conversations"] and gone not in after["messages"]
    for table in ("profiles", "conversations", "messages"):
        assert after[table] == {k: v for k, v in before[table].items() if k != gone}, table
    async with session_scope(maker) as session:
        orphans = (
            select(func.count())
            .select_from(Message)
            .where(Message.conversation_id.not_in(select(Conversation.id)))
        )
        assert (await session.execute(orphans)).scalar_one() == 0

    # Gone means gone: export and erase answer 404 now.
    for method in ("GET", "DELETE"):
        again = await client.request(method, url(alice.customer_id), headers=shop.admin_headers())
        assert again.status_code == 404 and again.json()["error"]["code"] == "customer_not_found"


async def test_conversations_without_a_profile_are_still_exported_and_erased(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant
) -> None:
    await add_conversation(maker, shop.id, "legacy-7", ["q", "a"])
    shown = await client.get(url("legacy-7"), headers=shop.admin_headers())
    assert shown.json()["profile"] is None and len(shown.json()["conversations"]) == 1
    erased = await client.delete(url("legacy-7"), headers=shop.admin_headers())
    assert erased.json()["profile_deleted"] is False
    assert erased.json()["conversations_deleted"] == 1 and erased.json()["messages_deleted"] == 2


async def test_ids_that_need_percent_encoding_reach_their_customer(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant
) -> None:
    ids = [
        "auth0|5f1c2b3a",
        "alice@example.com",
        "a/b/c",
        "with space & ?query=1#frag",
        "100%",
        "élodie+ünïcode",
        "x" * 255,
    ]
    for customer_id in ids:
        await visit(maker, shop.id, shopper(customer_id))
        await add_conversation(maker, shop.id, customer_id, [f"question of {customer_id}"])
    for customer_id in ids:
        shown = await client.get(url(customer_id), headers=shop.admin_headers())
        assert shown.status_code == 200, customer_id
        assert shown.json()["customer_id"] == customer_id
        [conversation] = shown.json()["conversations"]
        assert conversation["messages"][0]["content"] == f"question of {customer_id}"
    # "a/b" is not "a/b/c"; "100" is not "100%".
    for near in ("a/b", "100", "auth0", "x" * 256):
        missing = await client.get(url(near), headers=shop.admin_headers())
        assert missing.status_code == 404, near
    erased = await client.delete(url("a/b/c"), headers=shop.admin_headers())
    assert erased.json()["customer_id"] == "a/b/c" and erased.json()["conversations_deleted"] == 1
    assert (await client.get(url("a/b/c"), headers=shop.admin_headers())).status_code == 404
    assert (
        await client.get(url("auth0|5f1c2b3a"), headers=shop.admin_headers())
    ).status_code == 200


async def test_the_list_pages_through_every_profile_newest_first(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    names = [f"cust-{n:02d}" for n in range(7)]
    for name in names:
        await visit(maker, shop.id, shopper(name))
    await visit(maker, other_shop.id, shopper("beta-only"))
    await visit(maker, shop.id, shopper("cust-02"))  # seen again: first now

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await client.get(CUSTOMERS, params=params, headers=shop.admin_headers())
        assert page.status_code == 200, page.text
        seen += [c["customer_id"] for c in page.json()["customers"]]
        cursor = page.json()["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert seen == ["cust-02", "cust-06", "cust-05", "cust-04", "cust-03", "cust-01", "cust-00"]

    for bad in ("nonsense", "W10", "WyJ4IiwgInkiXQ", "x" * 1001):
        refused = await client.get(CUSTOMERS, params={"cursor": bad}, headers=shop.admin_headers())
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] in ("invalid_cursor", "invalid_request"), bad
    wrong = await client.get(CUSTOMERS, params={"cursor": "nonsense"}, headers=shop.admin_headers())
    assert wrong.json()["error"]["code"] == "invalid_cursor"
    too_many = await client.get(CUSTOMERS, params={"limit": 201}, headers=shop.admin_headers())
    assert too_many.status_code == 422


async def test_customers_do_not_cross_tenants(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant, other_shop: Tenant
) -> None:
    await visit(maker, shop.id, shopper("alpha-only", name="Alpha Secret"))
    await add_conversation(maker, shop.id, "alpha-only", ["ALPHA-PRIVATE question"])
    await visit(maker, shop.id, shopper("shared", name="Alpha Shared"))
    await add_conversation(maker, shop.id, "shared", ["ALPHA-PRIVATE too"])
    await visit(maker, other_shop.id, shopper("shared", name="Beta Shared"))
    before = await counts(maker)
    b_headers = other_shop.admin_headers()

    for method in ("GET", "DELETE"):
        response = await client.request(method, url("alpha-only"), headers=b_headers)
        assert response.status_code == 404, method
        assert response.json()["error"]["code"] == "customer_not_found"
    # The same id at B is B's customer: B sees and erases its own, never A's.
    shown = await client.get(url("shared"), headers=b_headers)
    assert shown.json()["profile"]["display_name"] == "Beta Shared"
    assert shown.json()["conversations"] == [] and "ALPHA" not in shown.text
    listed = await client.get(CUSTOMERS, headers=b_headers)
    assert [c["customer_id"] for c in listed.json()["customers"]] == ["shared"]
    erased = await client.delete(url("shared"), headers=b_headers)
    assert erased.json()["conversations_deleted"] == 0 and erased.json()["profile_deleted"]

    after = await counts(maker)
    assert after["profiles"] == {k: v for k, v in before["profiles"].items() if k[0] == shop.id}
    assert after["conversations"] == before["conversations"]
    assert after["messages"] == before["messages"]
    mine = await client.get(url("shared"), headers=shop.admin_headers())
    assert mine.json()["profile"]["display_name"] == "Alpha Shared"


async def test_the_routes_need_a_secret_key(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant
) -> None:
    await visit(maker, shop.id, shopper("c1"))
    for method, path in (("GET", CUSTOMERS), ("GET", url("c1")), ("DELETE", url("c1"))):
        widget = await client.request(method, path, headers=shop.widget_headers())
        assert widget.status_code == 403 and widget.json()["error"]["code"] == "wrong_key_kind"
        anonymous = await client.request(method, path)
        assert anonymous.status_code == 401
    assert (await client.get(url("c1"), headers=shop.admin_headers())).status_code == 200


async def test_erasing_a_customer_also_forgets_their_rate_limit_counters(
    client: httpx.AsyncClient, maker: Maker, shop: Tenant, app: FastAPI
) -> None:
    limits = app.state.resources.rate_limits
    await visit(maker, shop.id, shopper("alice"))
    for _ in range(3):
        await limits.hit_order_lookup(shop.id, "alice", "s1", "203.0.113.5")
        await limits.record_order_miss(shop.id, "alice", "s1", "203.0.113.5")
    key = ("order-misses", "customer", shop.id, opaque("alice"))
    [item] = limits.order_misses[:1]
    assert (await limits.strategy.get_window_stats(item, *key)).remaining < item.amount
    erased = await client.delete(url("alice"), headers=shop.admin_headers())
    assert erased.status_code == 200
    for items, kind in ((limits.order_misses, "order-misses"), (limits.order_lookups, "orders")):
        for item in items:
            stats = await limits.strategy.get_window_stats(
                item, kind, "customer", shop.id, opaque("alice")
            )
            assert stats.remaining == item.amount, (kind, item)
