"""Visitors rate the assistant's replies of their own conversation, and only those."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Message
from tests.factories import Tenant
from tests.identity.keys import SECRET, claims, hs256

NOT_FOUND = {
    "code": "message_not_found",
    "message": "No assistant reply with this id in this session's conversation.",
}


async def start_conversation(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """A conversation of one question and its reply: session id, token, reply id."""
    response = await client.post(
        "/api/v1/chat",
        json={"message": "Quels sont les délais de livraison ?"},
        headers=tenant.widget_headers(),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def rate(
    client: httpx.AsyncClient, tenant: Tenant, token: str | None, **body: Any
) -> httpx.Response:
    headers = tenant.widget_headers(**({"X-Session-Token": token} if token else {}))
    return await client.post("/api/v1/feedback", json=body, headers=headers)


async def stored(maker: async_sessionmaker[AsyncSession], message_id: str) -> Message:
    async with maker() as session:
        return (await session.execute(select(Message).where(Message.id == message_id))).scalar_one()


async def history(client: httpx.AsyncClient, tenant: Tenant, chat: dict[str, Any]) -> list[Any]:
    response = await client.get(
        f"/api/v1/conversations/{chat['session_id']}",
        headers=tenant.widget_headers(**{"X-Session-Token": chat["session_token"]}),
    )
    assert response.status_code == 200
    return list(response.json()["messages"])


async def test_a_visitor_rates_their_reply_and_rating_again_replaces_it(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    chat = await start_conversation(client, tenant)
    token, reply_id = chat["session_token"], chat["message_id"]
    assert [m["feedback"] for m in await history(client, tenant, chat)] == [None, None]

    up = await rate(client, tenant, token, message_id=reply_id, rating="up", comment="  Merci !  ")
    assert up.status_code == 204 and up.content == b""
    # Cross-origin: the tenant's site may read the answer.
    assert up.headers["Access-Control-Allow-Origin"] == tenant.origin
    row = await stored(maker, reply_id)
    assert (row.feedback, row.feedback_comment) == ("up", "Merci !")
    assert row.feedback_at is not None
    assert [m["feedback"] for m in await history(client, tenant, chat)] == [None, "up"]

    down = await rate(client, tenant, token, message_id=reply_id, rating="down", comment=None)
    assert down.status_code == 204
    row = await stored(maker, reply_id)
    assert (row.feedback, row.feedback_comment) == ("down", None)
    assert [m["feedback"] for m in await history(client, tenant, chat)] == [None, "down"]
    # The same rating twice is not an error.
    again = await rate(client, tenant, token, message_id=reply_id, rating="down")
    assert again.status_code == 204


async def test_comments_are_trimmed_and_limited(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    chat = await start_conversation(client, tenant)
    token, reply_id = chat["session_token"], chat["message_id"]
    longest = "x" * 1000
    ok = await rate(
        client, tenant, token, message_id=reply_id, rating="up", comment=f" {longest}\n"
    )
    assert ok.status_code == 204
    assert (await stored(maker, reply_id)).feedback_comment == longest

    blank = await rate(client, tenant, token, message_id=reply_id, rating="up", comment="   ")
    assert blank.status_code == 204
    assert (await stored(maker, reply_id)).feedback_comment is None

    for body in (
        {"rating": "down", "comment": "y" * 1001},
        {"rating": "down", "comment": "nul\x00byte"},
        {"rating": "meh"},
        {"rating": "down", "stars": 1},
        {},
    ):
        refused = await rate(client, tenant, token, message_id=reply_id, **body)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["code"] == "invalid_request"
    row = await stored(maker, reply_id)
    assert (row.feedback, row.feedback_comment) == ("up", None)


async def test_anything_but_a_reply_of_the_sessions_conversation_is_not_found_alike(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    mine = await start_conversation(client, tenant)
    theirs = await start_conversation(client, tenant)
    elsewhere = await start_conversation(client, other_tenant)
    visitor_id = (await history(client, tenant, mine))[0]["id"]
    token = mine["session_token"]

    cases = [
        (tenant, token, "0" * 32),  # unknown id
        (tenant, token, "not-an-id"),
        (tenant, token, visitor_id),  # the visitor's own message
        (tenant, token, theirs["message_id"]),  # another session's reply
        (tenant, theirs["session_token"], mine["message_id"]),  # wrong token
        (tenant, "st_guess", mine["message_id"]),
        (tenant, None, mine["message_id"]),  # no token
        # Another tenant's reply, with a valid token of that tenant's conversation, sent
        # with this tenant's key...
        (tenant, elsewhere["session_token"], elsewhere["message_id"]),
        # ...and this tenant's reply, with its own token, through the other tenant's key.
        (other_tenant, token, mine["message_id"]),
    ]
    for key_holder, session_token, message_id in cases:
        response = await rate(client, key_holder, session_token, message_id=message_id, rating="up")
        assert response.status_code == 404, (session_token, message_id)
        assert response.json() == {"error": NOT_FOUND}
    for reply in (mine, theirs, elsewhere):
        assert (await stored(maker, reply["message_id"])).feedback is None
    assert (await stored(maker, visitor_id)).feedback is None


async def test_feedback_from_a_site_not_allowed_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    chat = await start_conversation(client, tenant)
    response = await client.post(
        "/api/v1/feedback",
        json={"message_id": chat["message_id"], "rating": "up"},
        headers=tenant.widget_headers(
            Origin="https://evil.example", **{"X-Session-Token": chat["session_token"]}
        ),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert (await stored(maker, chat["message_id"])).feedback is None


async def test_a_logged_in_shoppers_reply_needs_that_shopper(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    identity = {"mode": "hs256", "secret": SECRET}
    configured = await client.put(
        "/api/v1/admin/identity", json=identity, headers=tenant.admin_headers()
    )
    assert configured.status_code == 200, configured.text
    alice = f"Bearer {hs256(claims())}"
    started = await client.post(
        "/api/v1/chat",
        json={"message": "Quels sont les délais de livraison ?"},
        headers=tenant.widget_headers(Authorization=alice),
    )
    assert started.status_code == 200, started.text
    chat = started.json()
    body = {"message_id": chat["message_id"], "rating": "up"}
    token = {"X-Session-Token": chat["session_token"]}
    # The same rule as for the history: on a shared computer, the next visitor (logged
    # out, or someone else) cannot rate Alice's replies.
    for extra in ({}, {"Authorization": f"Bearer {hs256(claims(sub='cust-2001'))}"}):
        refused = await client.post(
            "/api/v1/feedback", json=body, headers=tenant.widget_headers(**token, **extra)
        )
        assert refused.status_code == 404 and refused.json() == {"error": NOT_FOUND}
    assert (await stored(maker, chat["message_id"])).feedback is None
    rated = await client.post(
        "/api/v1/feedback", json=body, headers=tenant.widget_headers(**token, Authorization=alice)
    )
    assert rated.status_code == 204
    assert (await stored(maker, chat["message_id"])).feedback == "up"


async def test_ratings_and_analytics_written_at_once_all_succeed(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    # The widget sends its analytics batch and a rating at about the same moment. On
    # SQLite a rating that read before the batch committed could not write afterwards
    # ("database is locked", a 500).
    chat = await start_conversation(client, tenant)
    token, reply_id = chat["session_token"], chat["message_id"]
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    batch = {"events": [{"type": "widget_open", "at": now}] * 20}

    async def both(rating: str) -> list[int]:
        responses = await asyncio.gather(
            rate(client, tenant, token, message_id=reply_id, rating=rating),
            client.post("/api/v1/analytics/events", json=batch, headers=tenant.widget_headers()),
            rate(client, tenant, token, message_id=reply_id, rating=rating, comment="ok"),
            client.post("/api/v1/analytics/events", json=batch, headers=tenant.widget_headers()),
        )
        return [r.status_code for r in responses]

    for n in range(15):
        assert await both("up" if n % 2 else "down") == [204, 202, 204, 202]
    assert (await stored(maker, reply_id)).feedback == "down"
