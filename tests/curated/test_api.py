"""The curated answers admin API: secret key only, strict input, all or nothing."""

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.curated import service as curated_service
from libriassist.curated.models import CuratedAnswer
from libriassist.tenants import service as tenants_service
from tests.curated.helpers import CURATED, DELIVERY, pin
from tests.factories import Tenant


async def rows(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        return int((await session.execute(select(func.count(CuratedAnswer.id)))).scalar_one())


async def revision(maker: async_sessionmaker[AsyncSession], tenant: Tenant) -> str:
    async with maker() as session:
        return await tenants_service.current_kb_revision(session, tenant.id)


async def test_an_admin_pins_reads_updates_and_deletes_a_curated_answer(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    headers = tenant.admin_headers()
    before = await revision(maker, tenant)
    created = await pin(
        client,
        tenant,
        question="  Quels sont vos horaires ?  ",
        paraphrases=["quels sont VOS horaires", "À quelle heure ouvrez-vous ?"],
        answer="Du lundi au samedi, de 9 h à 19 h.",
    )
    # Trimmed, language detected, a paraphrase that says the same as the question dropped.
    assert created["question"] == "Quels sont vos horaires ?"
    assert created["language"] == "fr"
    assert created["paraphrases"] == ["À quelle heure ouvrez-vous ?"]
    assert created["enabled"] is True and created["url"] is None
    assert "embeddings" not in created
    after_create = await revision(maker, tenant)
    assert after_create != before

    listed = await client.get(CURATED, headers=headers)
    assert [c["id"] for c in listed.json()] == [created["id"]]
    one = await client.get(f"{CURATED}/{created['id']}", headers=headers)
    assert one.json() == created

    patched = await client.patch(
        f"{CURATED}/{created['id']}",
        json={"answer": "Du lundi au vendredi.", "url": "https://alpha.example/horaires"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["answer"] == "Du lundi au vendredi."
    assert patched.json()["question"] == created["question"]
    assert patched.json()["url"] == "https://alpha.example/horaires"
    after_patch = await revision(maker, tenant)
    assert after_patch != after_create

    relanguaged = await client.patch(
        f"{CURATED}/{created['id']}",
        json={"question": "What are your opening hours?", "language": None, "url": None},
        headers=headers,
    )
    assert relanguaged.json()["language"] == "en" and relanguaged.json()["url"] is None
    async with maker() as session:
        row = await session.get(CuratedAnswer, created["id"])
        assert row is not None
        # Re-embedded: one vector for the question, one for the paraphrase.
        assert len(row.embeddings) == 2 * row.embedding_dim * 4

    deleted = await client.delete(f"{CURATED}/{created['id']}", headers=headers)
    assert deleted.status_code == 204
    assert await revision(maker, tenant) != after_patch
    gone = await client.get(f"{CURATED}/{created['id']}", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "curated_answer_not_found"
    assert await rows(maker) == 0


LONG = "x" * 501
BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("unknown field", {**DELIVERY, "score": 0.5}),
    ("no answer", {"question": "How long does delivery take?"}),
    ("empty question", {**DELIVERY, "question": ""}),
    ("blank question", {**DELIVERY, "question": "   "}),
    ("punctuation only", {**DELIVERY, "question": "?!…"}),
    ("question too long", {**DELIVERY, "question": LONG}),
    ("answer too long", {**DELIVERY, "answer": "x" * 4001}),
    ("blank paraphrase", {**DELIVERY, "paraphrases": ["ok then", " "]}),
    ("paraphrase too long", {**DELIVERY, "paraphrases": [LONG]}),
    ("too many paraphrases", {**DELIVERY, "paraphrases": [f"question {i}" for i in range(21)]}),
    ("paraphrases not a list", {**DELIVERY, "paraphrases": "Combien de temps ?"}),
    ("unknown language", {**DELIVERY, "language": "de"}),
    ("not an http url", {**DELIVERY, "url": "javascript:alert(1)"}),
    ("enabled as text", {**DELIVERY, "enabled": "yes"}),
    ("question as number", {**DELIVERY, "question": 42}),
    ("NUL character", {**DELIVERY, "answer": "a\x00b"}),
]


async def test_bad_input_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    before = await revision(maker, tenant)
    for name, body in BAD_BODIES:
        response = await client.post(CURATED, json=body, headers=tenant.admin_headers())
        assert response.status_code == 422, (name, response.text)
        assert response.json()["error"]["code"] == "invalid_request", name
    assert await rows(maker) == 0
    assert await revision(maker, tenant) == before


async def test_bad_updates_and_unknown_ids_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    headers = tenant.admin_headers()
    created = await pin(client, tenant, **DELIVERY)
    url = f"{CURATED}/{created['id']}"
    for body in ({"question": None}, {"answer": ""}, {"enabled": None}, {"id": "x"}):
        refused = await client.patch(url, json=body, headers=headers)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["code"] == "invalid_request"
    malformed = await client.post(
        CURATED, content=b'{"question": ', headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    assert (await client.get(url, headers=headers)).json() == created

    for unknown in ("0" * 32, "not-an-id", "x" * 300):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method,
                f"{CURATED}/{unknown}",
                json={"answer": "x"} if method == "PATCH" else None,
                headers=headers,
            )
            assert response.status_code == 404, (method, unknown)
            assert response.json()["error"]["code"] == "curated_answer_not_found"


async def test_a_publishable_key_cannot_pin(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for method in ("GET", "POST"):
        response = await client.request(
            method,
            CURATED,
            json=DELIVERY if method == "POST" else None,
            headers=tenant.widget_headers(),
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "wrong_key_kind"


async def test_a_tenant_has_a_bounded_number_of_curated_answers(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(curated_service, "MAX_PER_TENANT", 1)
    await pin(client, tenant, **DELIVERY)
    refused = await client.post(CURATED, json=DELIVERY, headers=tenant.admin_headers())
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_curated_answers"
    assert await rows(maker) == 1
