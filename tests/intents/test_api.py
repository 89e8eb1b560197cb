"""The tenant intents admin API: secret key only, strict input, and the chat labels
messages with the tenant's intents."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, query_cache
from libriassist.chat.models import Message
from libriassist.intents import service as intents_service
from libriassist.intents.models import TenantIntent
from libriassist.tenants import service as tenants_service
from tests.factories import Tenant

INTENTS = "/api/v1/admin/intents"

WHOLESALE = {
    "name": "wholesale",
    "description": "Shops asking for bulk prices or a reseller account",
    "examples": [
        "Do you sell in bulk to shops?",
        "Je suis revendeur, vendez-vous en gros ?",
        "¿Tienen precios para mayoristas?",
        "بغيت نشري بالجملة للمحل ديالي",
    ],
}


async def create(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = await client.post(INTENTS, json=body, headers=tenant.admin_headers())
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def chat(client: httpx.AsyncClient, tenant: Tenant, message: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/chat", json={"message": message}, headers=tenant.widget_headers()
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def revision(maker: async_sessionmaker[AsyncSession], tenant: Tenant) -> str:
    async with maker() as session:
        return await tenants_service.current_kb_revision(session, tenant.id)


async def test_an_admin_creates_reads_updates_and_deletes_an_intent(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    headers = tenant.admin_headers()
    before = await revision(maker, tenant)
    created = await create(
        client,
        tenant,
        **{**WHOLESALE, "examples": [*WHOLESALE["examples"], "do you sell in BULK to shops"]},
    )
    # A repeated example (case and punctuation aside) is dropped; no vectors in the API.
    assert created["examples"] == WHOLESALE["examples"]
    assert created["name"] == "wholesale" and created["enabled"] is True
    assert "embeddings" not in created
    assert await revision(maker, tenant) != before

    listed = await client.get(INTENTS, headers=headers)
    assert [i["id"] for i in listed.json()] == [created["id"]]
    one = await client.get(f"{INTENTS}/{created['id']}", headers=headers)
    assert one.json() == created

    moved = await revision(maker, tenant)
    patched = await client.patch(
        f"{INTENTS}/{created['id']}",
        json={"name": "bulk_orders", "description": None, "examples": ["Vendez-vous en gros ?"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "bulk_orders" and patched.json()["description"] is None
    assert await revision(maker, tenant) != moved
    async with maker() as session:
        row = await session.get(TenantIntent, created["id"])
        assert row is not None
        # Embedded again: the example and the name ("bulk orders").
        assert len(row.embeddings) == 2 * row.embedding_dim * 4

    deleted = await client.delete(f"{INTENTS}/{created['id']}", headers=headers)
    assert deleted.status_code == 204
    gone = await client.get(f"{INTENTS}/{created['id']}", headers=headers)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "intent_not_found"


async def test_the_chat_records_the_tenants_intent_when_it_fits_better(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    message = "Vendez-vous en gros aux revendeurs ? Écrivez-moi : achats@boutique.example"
    before = await chat(client, tenant, message)
    assert before["intent"] == "general_question"
    created = await create(client, tenant, **WHOLESALE)

    body = await chat(client, tenant, message)
    assert body["intent"] == "wholesale"
    assert body["entities"] == {"order_numbers": [], "emails": ["achats@boutique.example"]}
    darija = await chat(client, tenant, "واش كتبيعو بالجملة؟ عندي محل")
    assert darija["intent"] == "wholesale"
    # Built-in intents still win where they fit: the tenant's intent is no catch-all.
    assert (await chat(client, tenant, "Où est ma commande 100234 ?"))["intent"] == (
        "order_tracking"
    )
    async with maker() as session:
        rows = (
            await session.execute(
                select(Message).where(Message.conversation_id == body["session_id"])
            )
        ).scalars()
        recorded = {m.role: m for m in rows}
    assert recorded["visitor"].intent == recorded["assistant"].intent == "wholesale"
    assert recorded["visitor"].entities == body["entities"]
    history = await client.get(
        f"/api/v1/conversations/{body['session_id']}",
        headers=tenant.widget_headers(**{"X-Session-Token": body["session_token"]}),
    )
    assert history.json()["messages"][0]["intent"] == "wholesale"

    # Disabled, then deleted: the message is a general question again.
    await client.patch(
        f"{INTENTS}/{created['id']}", json={"enabled": False}, headers=tenant.admin_headers()
    )
    assert (await chat(client, tenant, message))["intent"] == "general_question"
    await client.patch(
        f"{INTENTS}/{created['id']}", json={"enabled": True}, headers=tenant.admin_headers()
    )
    assert (await chat(client, tenant, message))["intent"] == "wholesale"
    await client.delete(f"{INTENTS}/{created['id']}", headers=tenant.admin_headers())
    assert (await chat(client, tenant, message))["intent"] == "general_question"


async def test_a_tenant_intent_may_extend_a_built_in_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Named like a built-in intent, the examples add wordings to it: here a shop's own
    word for a person ("un libraire") becomes a handoff."""
    message = "Puis-je poser ma question à un libraire ?"
    assert (await chat(client, tenant, message))["intent"] != "human_handoff"
    await create(
        client,
        tenant,
        name="human_handoff",
        examples=["Je voudrais l'avis d'un libraire", "Un libraire peut-il me conseiller ?"],
    )
    body = await chat(client, tenant, message)
    assert body["intent"] == "human_handoff"


LONG = "x" * 501
BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("unknown field", {**WHOLESALE, "score": 0.5}),
    ("no examples", {"name": "wholesale"}),
    ("empty examples", {**WHOLESALE, "examples": []}),
    ("blank example", {**WHOLESALE, "examples": ["fine", "  "]}),
    ("punctuation only", {**WHOLESALE, "examples": ["?!"]}),
    ("example too long", {**WHOLESALE, "examples": [LONG]}),
    ("too many examples", {**WHOLESALE, "examples": [f"example {i}" for i in range(101)]}),
    ("examples not a list", {**WHOLESALE, "examples": "Do you sell in bulk?"}),
    ("name with a space", {**WHOLESALE, "name": "bulk orders"}),
    ("name starting with a digit", {**WHOLESALE, "name": "1bulk"}),
    ("name too long", {**WHOLESALE, "name": "a" * 65}),
    ("empty name", {**WHOLESALE, "name": ""}),
    ("description too long", {**WHOLESALE, "description": LONG}),
    ("enabled as text", {**WHOLESALE, "enabled": "yes"}),
    ("NUL character", {**WHOLESALE, "examples": ["a\x00b"]}),
]


async def test_bad_input_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = await revision(maker, tenant)
    for name, body in BAD_BODIES:
        response = await client.post(INTENTS, json=body, headers=tenant.admin_headers())
        assert response.status_code == 422, (name, response.text)
        assert response.json()["error"]["code"] == "invalid_request", name
    async with maker() as session:
        assert (await session.execute(select(func.count(TenantIntent.id)))).scalar_one() == 0
    assert await revision(maker, tenant) == before


async def test_names_are_unique_and_updates_are_checked(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = tenant.admin_headers()
    first = await create(client, tenant, **WHOLESALE)
    second = await create(client, tenant, name="gift_wrap", examples=["Can you gift wrap it?"])
    again = await client.post(INTENTS, json=WHOLESALE, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "intent_name_taken"
    renamed = await client.patch(
        f"{INTENTS}/{second['id']}", json={"name": "wholesale"}, headers=headers
    )
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] == "intent_name_taken"
    for body in ({"name": None}, {"examples": None}, {"examples": []}, {"colour": "red"}):
        response = await client.patch(f"{INTENTS}/{first['id']}", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_request"
    for method in ("GET", "PATCH", "DELETE"):
        for unknown in ("0" * 32, "not-an-id"):
            response = await client.request(
                method, f"{INTENTS}/{unknown}", json={"enabled": False}, headers=headers
            )
            assert response.status_code == 404, (method, unknown)
            assert response.json()["error"]["code"] == "intent_not_found"


async def test_a_tenant_has_a_bounded_number_of_intents(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intents_service, "MAX_INTENTS", 2)
    monkeypatch.setattr(intents_service, "MAX_EXAMPLES_PER_TENANT", 5)
    await create(client, tenant, name="a", examples=["first example"])
    await create(client, tenant, name="b", examples=["second example", "third example"])
    third = await client.post(
        INTENTS, json={"name": "c", "examples": ["one more"]}, headers=tenant.admin_headers()
    )
    assert third.status_code == 409 and third.json()["error"]["code"] == "too_many_intents"
    listed = (await client.get(INTENTS, headers=tenant.admin_headers())).json()
    grown = await client.patch(
        f"{INTENTS}/{listed[0]['id']}",
        json={"examples": ["one", "two", "three", "four"]},
        headers=tenant.admin_headers(),
    )
    assert grown.status_code == 409 and grown.json()["error"]["code"] == "too_many_intents"


async def test_only_the_secret_key_manages_intents(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    widget = await client.get(INTENTS, headers=tenant.widget_headers())
    assert widget.status_code == 403 and widget.json()["error"]["code"] == "wrong_key_kind"
    anonymous = await client.post(INTENTS, json=WHOLESALE)
    assert anonymous.status_code == 401


class CountingEmbedder:
    """The real embedder, counting the texts it embeds as queries."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.texts: list[str] = []

    def embed_queries(self, texts: list[str]) -> Any:
        self.texts.extend(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> Any:
        return self.inner.embed_passages(texts)


async def test_a_message_is_embedded_once_for_intent_curated_answers_and_search(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Detection embeds the message first; curated matching and search then find its
    vector in the query cache."""
    await create(client, tenant, **WHOLESALE)
    counting = CountingEmbedder(app.state.resources.embedder)
    app.state.resources.embedder = counting
    message = f"Quels sont les délais de livraison pour la commande {uuid.uuid4().int % 10**8} ?"
    body = await chat(client, tenant, message)
    assert body["answered_from_kb"] is True
    assert counting.texts == [message]


async def test_with_the_query_cache_off_a_message_is_still_embedded_once(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """A question never seen before (what a cache of size 0 makes of every question): the
    search takes the vector the intent detection made, it does not embed it again."""
    counting = CountingEmbedder(app.state.resources.embedder)
    app.state.resources.embedder = counting
    size = query_cache.size
    query_cache.resize(0)
    try:
        message = f"Quels sont les délais de livraison pour le colis {uuid.uuid4().int % 10**8} ?"
        body = await chat(client, tenant, message)
    finally:
        query_cache.resize(size)
    assert body["answered_from_kb"] is True
    assert counting.texts == [message]
