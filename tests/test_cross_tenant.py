"""Tenant A's key never reads or writes tenant B's data, on any endpoint.

``CROSS_TENANT_CASES`` names every tenant API route; a new route fails
``test_every_api_route_has_a_cross_tenant_case`` until it gets a case here.
"""

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.db import session_scope
from libriassist.knowledge import service as knowledge_service
from libriassist.platform import service as platform_service
from libriassist.tenants import service as tenants_service
from tests.factories import Tenant, create_tenant, ingest_faq

CROSS_TENANT_CASES = {
    ("POST", "/api/v1/chat"),
    ("GET", "/api/v1/conversations/{session_id}"),
    ("GET", "/api/v1/widget/config"),
    ("GET", "/api/v1/admin/tenant"),
    ("PATCH", "/api/v1/admin/tenant"),
    ("GET", "/api/v1/admin/tenant/persona"),
    # The catalog is the same for every tenant; the case checks no tenant's overrides show.
    ("GET", "/api/v1/admin/personas"),
    ("GET", "/api/v1/admin/personas/{persona_id}"),
    ("GET", "/api/v1/admin/keys"),
    ("POST", "/api/v1/admin/keys/{kind}/rotate"),
    ("DELETE", "/api/v1/admin/keys/{key_id}"),
    ("GET", "/api/v1/admin/kb/documents"),
    ("DELETE", "/api/v1/admin/kb/documents/{document_id}"),
    ("POST", "/api/v1/admin/kb/search"),
    ("POST", "/api/v1/admin/kb/documents"),
    ("GET", "/api/v1/admin/kb/documents/{document_id}"),
    ("POST", "/api/v1/admin/kb/sync"),
    ("GET", "/api/v1/admin/kb/jobs"),
    ("GET", "/api/v1/admin/kb/jobs/{job_id}"),
    ("POST", "/api/v1/admin/kb/jobs/{job_id}/cancel"),
    ("GET", "/api/v1/admin/kb/curated"),
    ("POST", "/api/v1/admin/kb/curated"),
    ("GET", "/api/v1/admin/kb/curated/{answer_id}"),
    ("PATCH", "/api/v1/admin/kb/curated/{answer_id}"),
    ("DELETE", "/api/v1/admin/kb/curated/{answer_id}"),
    # tests/answering/test_llm_settings.py::test_model_settings_do_not_cross_tenants
    ("GET", "/api/v1/admin/llm"),
    ("PUT", "/api/v1/admin/llm"),
    ("DELETE", "/api/v1/admin/llm"),
    ("POST", "/api/v1/admin/llm/test"),
    # tests/identity/test_admin.py::test_identity_settings_do_not_cross_tenants and
    # tests/identity/test_hs256.py::test_a_token_signed_for_another_tenant_does_not_open_this_one
    ("GET", "/api/v1/admin/identity"),
    ("PUT", "/api/v1/admin/identity"),
    ("DELETE", "/api/v1/admin/identity"),
    ("POST", "/api/v1/validate-user"),
    # tests/customers/test_router.py::test_customers_do_not_cross_tenants
    ("GET", "/api/v1/admin/customers"),
    ("GET", "/api/v1/admin/customers/{customer_id}"),
    ("DELETE", "/api/v1/admin/customers/{customer_id}"),
    ("GET", "/api/v1/admin/intents"),
    ("POST", "/api/v1/admin/intents"),
    ("GET", "/api/v1/admin/intents/{intent_id}"),
    ("PATCH", "/api/v1/admin/intents/{intent_id}"),
    ("DELETE", "/api/v1/admin/intents/{intent_id}"),
    # tests/orders/test_isolation.py::test_orders_and_their_source_do_not_cross_tenants
    ("GET", "/api/v1/admin/orders"),
    ("POST", "/api/v1/admin/orders/import"),
    ("DELETE", "/api/v1/admin/orders/{order_number}"),
    ("GET", "/api/v1/admin/orders/source"),
    ("PUT", "/api/v1/admin/orders/source"),
    ("DELETE", "/api/v1/admin/orders/source"),
    ("POST", "/api/v1/admin/orders/source/test"),
    # tests/usage_limits/test_quotas.py::test_usage_and_quotas_do_not_cross_tenants
    ("GET", "/api/v1/admin/usage"),
    ("GET", "/api/v1/admin/quotas"),
    ("PUT", "/api/v1/admin/quotas"),
    # tests/feedback/test_router.py::test_anything_but_a_reply_of_the_sessions_conversation_is_not_found_alike
    ("POST", "/api/v1/feedback"),
    # tests/analytics/test_router.py::test_events_do_not_cross_tenants
    ("POST", "/api/v1/analytics/events"),
    ("GET", "/api/v1/admin/analytics/events"),
    ("GET", "/api/v1/admin/analytics/summary"),
}


def test_every_api_route_has_a_cross_tenant_case() -> None:
    from libriassist.main import create_app

    paths = create_app().openapi()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/")
        for method in operations
    }
    assert routes == CROSS_TENANT_CASES


async def test_conversations_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    started = await client.post(
        "/api/v1/chat",
        json={"message": "Quels sont les délais de livraison ?"},
        headers=tenant.widget_headers(),
    )
    sid, token = started.json()["session_id"], started.json()["session_token"]
    # Even holding A's session id and token, B's key sees nothing and cannot append.
    read = await client.get(
        f"/api/v1/conversations/{sid}",
        headers=other_tenant.widget_headers(**{"X-Session-Token": token}),
    )
    assert read.status_code == 404 and read.json()["error"]["code"] == "conversation_not_found"
    write = await client.post(
        "/api/v1/chat",
        json={"message": "hola", "session_id": sid},
        headers=other_tenant.widget_headers(**{"X-Session-Token": token}),
    )
    assert write.status_code == 404
    history = await client.get(
        f"/api/v1/conversations/{sid}", headers=tenant.widget_headers(**{"X-Session-Token": token})
    )
    assert len(history.json()["messages"]) == 2


async def test_settings_and_keys_do_not_cross_tenants(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    config = await client.get("/api/v1/widget/config", headers=other_tenant.widget_headers())
    assert config.json()["tenant"]["id"] == other_tenant.id
    mine = await client.get("/api/v1/admin/tenant", headers=other_tenant.admin_headers())
    assert mine.json()["id"] == other_tenant.id
    patched = await client.patch(
        "/api/v1/admin/tenant", json={"name": "Renamed"}, headers=other_tenant.admin_headers()
    )
    assert patched.json()["id"] == other_tenant.id
    async with maker() as session:
        assert (await tenants_service.get_tenant(session, tenant.id)).name == "Alpha Books"
        a_keys = await tenants_service.list_keys(session, tenant.id)

    listed = await client.get("/api/v1/admin/keys", headers=other_tenant.admin_headers())
    assert {k["id"] for k in listed.json()}.isdisjoint({k.id for k in a_keys})
    for key in a_keys:
        response = await client.delete(
            f"/api/v1/admin/keys/{key.id}", headers=other_tenant.admin_headers()
        )
        assert response.status_code == 404
    await client.post("/api/v1/admin/keys/publishable/rotate", headers=other_tenant.admin_headers())
    still = await client.get("/api/v1/widget/config", headers=tenant.widget_headers())
    assert still.status_code == 200 and still.json()["tenant"]["id"] == tenant.id


async def test_personas_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    secret_rule = "Offer the Alpha Books loyalty card."
    await client.patch(
        "/api/v1/admin/tenant",
        json={"persona": "clinic", "persona_overrides": {"extra_rules": [secret_rule]}},
        headers=tenant.admin_headers(),
    )
    mine = await client.get("/api/v1/admin/tenant/persona", headers=other_tenant.admin_headers())
    assert mine.json()["id"] == "ecommerce" and mine.json()["language"] == "es"
    assert "Beta Aceites" in mine.json()["system_prompt"]
    assert "Alpha" not in mine.json()["system_prompt"]
    catalog = await client.get("/api/v1/admin/personas", headers=other_tenant.admin_headers())
    clinic = await client.get("/api/v1/admin/personas/clinic", headers=other_tenant.admin_headers())
    assert catalog.status_code == 200
    assert secret_rule not in catalog.text + clinic.text
    assert "Alpha" not in catalog.text + clinic.text


async def test_knowledge_does_not_cross_tenants(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        a_docs = await knowledge_service.list_documents(session, tenant.id)
    assert a_docs
    listed = await client.get("/api/v1/admin/kb/documents", headers=other_tenant.admin_headers())
    assert {d["id"] for d in listed.json()}.isdisjoint({d.id for d in a_docs})
    deleted = await client.delete(
        f"/api/v1/admin/kb/documents/{a_docs[0].id}", headers=other_tenant.admin_headers()
    )
    assert deleted.status_code == 404
    search = await client.post(
        "/api/v1/admin/kb/search",
        json={"query": "Quels sont les délais de livraison ?", "limit": 50},
        headers=other_tenant.admin_headers(),
    )
    assert search.status_code == 200
    assert all(
        hit["source_uri"] == "faq.json" and "alpha" not in (hit["url"] or "")
        for hit in search.json()["hits"]
    )
    assert len(search.json()["hits"]) == 1
    async with maker() as session:
        assert len(await knowledge_service.list_documents(session, tenant.id)) == len(a_docs)


async def test_uploads_jobs_and_syncs_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    from tests.knowledge.test_jobs_api import upload, wait_for_job

    a_docs = (await client.get("/api/v1/admin/kb/documents", headers=tenant.admin_headers())).json()
    shown = await client.get(
        f"/api/v1/admin/kb/documents/{a_docs[0]['id']}", headers=other_tenant.admin_headers()
    )
    assert shown.status_code == 404
    # B uploads a file named like A's: it lands in B's knowledge base only.
    started = await client.post(
        "/api/v1/admin/kb/documents",
        files=upload(("faq.json", b'[{"question": "Hola?", "answer": "Hola."}]')),
        headers=other_tenant.admin_headers(),
    )
    job = await wait_for_job(client, other_tenant, started.json()["id"])
    assert job["result"]["counts"] == {"updated": 1}
    a_job = await client.get(f"/api/v1/admin/kb/jobs/{job['id']}", headers=tenant.admin_headers())
    assert a_job.status_code == 404
    assert (await client.get("/api/v1/admin/kb/jobs", headers=tenant.admin_headers())).json() == []
    sync = await client.post(
        "/api/v1/admin/kb/sync",
        json={"url": "https://beta.example/faq"},
        headers=other_tenant.admin_headers(),
    )
    assert sync.status_code == 202
    assert (await client.get("/api/v1/admin/kb/jobs", headers=tenant.admin_headers())).json() == []
    # A cannot cancel B's job; B can.
    cancel = f"/api/v1/admin/kb/jobs/{sync.json()['id']}/cancel"
    refused = await client.post(cancel, headers=tenant.admin_headers())
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "job_not_found"
    assert (await client.post(cancel, headers=other_tenant.admin_headers())).status_code in (
        200,
        409,
    )
    search = await client.post(
        "/api/v1/admin/kb/search", json={"query": "Hola?"}, headers=tenant.admin_headers()
    )
    assert all(hit["text"] != "Hola." for hit in search.json()["hits"])


async def test_curated_answers_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    curated = "/api/v1/admin/kb/curated"
    pinned = await client.post(
        curated,
        json={"question": "¿Cuánto tarda el envío?", "answer": "ALPHA-PINNED: dos días."},
        headers=tenant.admin_headers(),
    )
    assert pinned.status_code == 201
    a_id = pinned.json()["id"]
    b_headers = other_tenant.admin_headers()
    # B's own pin, created through B's key, lands in B's tenant only.
    b_pin = await client.post(
        curated, json={"question": "Hola", "answer": "BETA-PINNED"}, headers=b_headers
    )
    assert b_pin.status_code == 201
    assert [c["id"] for c in (await client.get(curated, headers=b_headers)).json()] == [
        b_pin.json()["id"]
    ]
    for method, body in (("GET", None), ("PATCH", {"answer": "hijacked"}), ("DELETE", None)):
        response = await client.request(method, f"{curated}/{a_id}", json=body, headers=b_headers)
        assert response.status_code == 404, method
        assert response.json()["error"]["code"] == "curated_answer_not_found"
    # B's visitors never get A's pinned answer, even for the exact question.
    b_chat = await client.post(
        "/api/v1/chat",
        json={"message": "¿Cuánto tarda el envío?"},
        headers=other_tenant.widget_headers(),
    )
    assert "ALPHA-PINNED" not in b_chat.text and "48 horas" in b_chat.json()["answer"]
    a_chat = await client.post(
        "/api/v1/chat", json={"message": "Hola"}, headers=tenant.widget_headers()
    )
    assert "BETA-PINNED" not in a_chat.text
    mine = await client.get(f"{curated}/{a_id}", headers=tenant.admin_headers())
    assert mine.json()["answer"] == "ALPHA-PINNED: dos días."


async def test_intents_do_not_cross_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    intents = "/api/v1/admin/intents"
    body = {
        "name": "alpha_wholesale",
        "examples": ["¿Venden al por mayor a tiendas?", "Do you sell in bulk to shops?"],
    }
    created = await client.post(intents, json=body, headers=tenant.admin_headers())
    assert created.status_code == 201
    a_id = created.json()["id"]
    b_headers = other_tenant.admin_headers()
    # B may use the same name (names are per tenant), for another meaning.
    b_intent = await client.post(
        intents, json={**body, "examples": ["¿Hacen envíos a Canarias?"]}, headers=b_headers
    )
    assert b_intent.status_code == 201
    assert [i["id"] for i in (await client.get(intents, headers=b_headers)).json()] == [
        b_intent.json()["id"]
    ]
    for method, payload in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        response = await client.request(
            method, f"{intents}/{a_id}", json=payload, headers=b_headers
        )
        assert response.status_code == 404, method
        assert response.json()["error"]["code"] == "intent_not_found"
    # B's visitors are classified with B's intents only; A's still with A's.
    question = {"message": "¿Venden al por mayor a tiendas?"}
    b_chat = await client.post("/api/v1/chat", json=question, headers=other_tenant.widget_headers())
    assert b_chat.json()["intent"] != "alpha_wholesale"
    a_chat = await client.post("/api/v1/chat", json=question, headers=tenant.widget_headers())
    assert a_chat.json()["intent"] == "alpha_wholesale"
    mine = await client.get(f"{intents}/{a_id}", headers=tenant.admin_headers())
    assert mine.json()["enabled"] is True and mine.json()["examples"] == body["examples"]


async def test_a_tenant_recreated_under_the_same_id_never_sees_the_old_knowledge(
    client: httpx.AsyncClient,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    old = await create_tenant(maker, "Reuse", origins=["https://reuse.example"])
    secret = [
        {
            "question": "What is the staff discount code?",
            "answer": "The code is ALPHA-SECRET-2024.",
            "language": "en",
        }
    ]
    await ingest_faq(maker, embedder, old.id, secret, tmp_path / "old")
    question = {"message": "What is the staff discount code?"}
    first = await client.post("/api/v1/chat", json=question, headers=old.widget_headers())
    assert "ALPHA-SECRET-2024" in first.json()["answer"]  # the index is now cached

    async with session_scope(maker) as session:
        await platform_service.delete_tenant(session, old.id)
    new = await create_tenant(maker, "Reuse", origins=["https://reuse.example"])
    assert new.id == old.id
    public = [
        {
            "question": "Do you have discount codes?",
            "answer": "We have no discount codes.",
            "language": "en",
        }
    ]
    await ingest_faq(maker, embedder, new.id, public, tmp_path / "new")
    answer = await client.post("/api/v1/chat", json=question, headers=new.widget_headers())
    assert "ALPHA-SECRET" not in answer.text
    search = await client.post(
        "/api/v1/admin/kb/search", json={"query": "discount code"}, headers=new.admin_headers()
    )
    assert "ALPHA-SECRET" not in search.text
