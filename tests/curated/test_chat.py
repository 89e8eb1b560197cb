"""The chat answers with a curated answer when the visitor's question matches one."""

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Message
from libriassist.curated.models import CuratedAnswer
from tests.curated.helpers import CURATED, DELIVERY, ask, pin
from tests.factories import Tenant
from tests.sql_statements import sql_statements
from tests.sse import parse_sse


async def test_an_exact_match_after_normalisation_gets_the_pinned_answer_verbatim(
    client: httpx.AsyncClient, tenant: Tenant, maker: async_sessionmaker[AsyncSession]
) -> None:
    pinned = await pin(
        client,
        tenant,
        question="Quels sont les délais de livraison ?",
        answer="Réponse épinglée : 48 h, partout en France.\n\nMerci de votre confiance.",
        language="fr",
        url="https://alpha.example/pinned",
    )
    # The knowledge base answers this question too: the curated answer wins.
    response = await ask(client, tenant, "quels sont les DELAIS de livraison")
    body = response.json()
    assert (
        body["answer"] == "Réponse épinglée : 48 h, partout en France.\n\nMerci de votre confiance."
    )
    assert body["answered_from_kb"] is True
    assert body["sources"] == [
        {
            "title": "Quels sont les délais de livraison ?",
            "url": "https://alpha.example/pinned",
            "source_uri": f"curated:{pinned['id']}",
            "language": "fr",
            "score": 1.0,
            "kind": "curated",
        }
    ]
    async with maker() as session:
        reply = await session.get(Message, body["message_id"])
    assert reply is not None and reply.curated_answer_id == pinned["id"]
    assert reply.content == body["answer"] and reply.answered_from_kb


async def test_arabic_exact_match_ignores_diacritics_and_letter_variants(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await pin(client, tenant, question="كم تستغرق مدة التوصيل؟", answer="يومان فقط.")
    body = (await ask(client, tenant, "كَمْ تَسْتَغْرِقُ مُدَّةُ التَّوْصِيلِ")).json()
    assert body["answer"] == "يومان فقط."
    assert body["sources"][0]["score"] == 1.0


async def test_a_paraphrase_matches_in_another_wording_and_another_language(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await pin(client, tenant, **DELIVERY)
    for question in (
        "Combien de temps met la livraison ?",  # the French paraphrase, reworded
        "¿Cuánto tiempo tarda el envío?",  # the Spanish one, reworded
        "How long does delivery usually take?",  # the English question, reworded
    ):
        body = (await ask(client, tenant, question)).json()
        assert body["answer"] == DELIVERY["answer"], question
        source = body["sources"][0]
        assert source["kind"] == "curated" and source["title"] == DELIVERY["question"]
        assert source["url"] == DELIVERY["url"]
        assert 0.975 <= source["score"] < 1.0, question


async def test_near_miss_questions_do_not_get_the_pinned_answer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await pin(client, tenant, **DELIVERY)
    for question in (
        "How much does delivery cost?",
        "Combien coûte la livraison ?",
        "¿Cuánto cuesta el envío?",
        "How long does a refund take?",
        "Puis-je retourner un article ?",
    ):
        body = (await ask(client, tenant, question)).json()
        assert body["answer"] != DELIVERY["answer"], question
        assert all(s["kind"] == "knowledge" for s in body["sources"]), question
    # The knowledge base still answers what it knows.
    returns = (await ask(client, tenant, "Puis-je retourner un article ?")).json()
    assert "30 jours" in returns["answer"]


async def test_disabled_curated_answers_are_ignored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    pinned = await pin(client, tenant, **{**DELIVERY, "enabled": False})
    body = (await ask(client, tenant, "How long does delivery take?")).json()
    assert "business days" in body["answer"]  # from the knowledge base
    await client.patch(
        f"{CURATED}/{pinned['id']}", json={"enabled": True}, headers=tenant.admin_headers()
    )
    body = (await ask(client, tenant, "How long does delivery take?")).json()
    assert body["answer"] == DELIVERY["answer"]


async def test_curated_answers_are_seen_at_once_without_a_restart(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    question = "How long does delivery take?"
    first = (await ask(client, tenant, question)).json()
    assert "business days" in first["answer"]  # caches are warm from here on
    pinned = await pin(client, tenant, **DELIVERY)
    assert (await ask(client, tenant, question)).json()["answer"] == DELIVERY["answer"]
    # With nothing changed, the next message reads no curated rows: the process cached them.
    with sql_statements(app.state.resources.engine) as statements:
        again = (await ask(client, tenant, "Combien de temps prend la livraison ?")).json()
    assert again["answer"] == DELIVERY["answer"]
    assert statements and not [s for s in statements if "curated_answers" in s]
    await client.patch(
        f"{CURATED}/{pinned['id']}", json={"answer": "Changed."}, headers=tenant.admin_headers()
    )
    assert (await ask(client, tenant, question)).json()["answer"] == "Changed."
    await client.delete(f"{CURATED}/{pinned['id']}", headers=tenant.admin_headers())
    after = (await ask(client, tenant, question)).json()
    assert "business days" in after["answer"]
    assert all(s["kind"] == "knowledge" for s in after["sources"])


async def test_an_explicit_handoff_request_wins_over_a_curated_answer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await pin(
        client, tenant, question="Je veux parler à un humain", answer="Pinned contact answer."
    )
    body = (await ask(client, tenant, "Je veux parler à un humain")).json()
    assert body["intent"] == "human_handoff"
    assert "Pinned contact answer." not in body["answer"]


async def test_a_curated_answer_wins_over_the_generic_greeting(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    plain = (await ask(client, tenant, "Bonjour !")).json()
    assert "Alpha Books" in plain["answer"]
    await pin(client, tenant, question="Bonjour", answer="Bonjour ! Soldes -20 % cette semaine.")
    body = (await ask(client, tenant, "bonjour !")).json()
    assert body["intent"] == "greeting"
    assert body["answer"] == "Bonjour ! Soldes -20 % cette semaine."


async def test_the_visitors_language_is_preferred_when_several_match(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await pin(client, tenant, **DELIVERY)  # English, with a French paraphrase
    await pin(
        client,
        tenant,
        question="Combien de temps prend la livraison ?",
        answer="Réponse épinglée en français.",
        language="fr",
    )
    french = (await ask(client, tenant, "Combien de temps prend la livraison ?")).json()
    assert french["answer"] == "Réponse épinglée en français."
    english = (await ask(client, tenant, "How long does delivery take?")).json()
    assert english["answer"] == DELIVERY["answer"]


async def test_streamed_and_json_replies_both_carry_the_curated_answer_and_source(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    pinned = await pin(client, tenant, **DELIVERY)
    plain = (await ask(client, tenant, "How long does delivery take?")).json()
    streamed = await ask(client, tenant, "How long does delivery take?", Accept="text/event-stream")
    events = parse_sse(streamed.text)
    assert [n for n, _ in events][-2:] == ["sources", "done"]
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == plain["answer"] == DELIVERY["answer"]
    assert events[-2][1]["sources"] == plain["sources"]
    assert events[-2][1]["sources"][0]["source_uri"] == f"curated:{pinned['id']}"
    assert events[-1][1]["answered_from_kb"] is True


async def test_no_chat_endpoint_writes_curated_answers(
    app: FastAPI,
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """Conversations never create or change curated answers, matched or not."""
    pinned = await pin(client, tenant, **DELIVERY)
    async with maker() as session:
        before = (await session.execute(select(CuratedAnswer))).scalars().one()
        snapshot = (before.updated_at, before.answer, list(before.paraphrases), before.embeddings)

    statements: list[str] = []
    engine = app.state.resources.engine.sync_engine

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        first = (await ask(client, tenant, "How long does delivery take?")).json()
        await ask(client, tenant, "Combien coûte la livraison ?")
        await ask(client, tenant, "How long does delivery take?", Accept="text/event-stream")
        await ask(client, tenant, "Bonjour")
        await ask(client, tenant, "Je veux parler à un humain")
        await client.get(
            f"/api/v1/conversations/{first['session_id']}",
            headers=tenant.widget_headers(**{"X-Session-Token": first["session_token"]}),
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert first["sources"][0]["source_uri"] == f"curated:{pinned['id']}"
    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b[^;]*\bcurated_answers\b", re.I | re.S)
    assert statements and not [s for s in statements if writes.search(s)]
    async with maker() as session:
        rows = (await session.execute(select(CuratedAnswer))).scalars().all()
    assert len(rows) == 1
    after = rows[0]
    assert (after.updated_at, after.answer, list(after.paraphrases), after.embeddings) == snapshot
