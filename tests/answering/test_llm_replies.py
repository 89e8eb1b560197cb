"""Replies written by a model, and every way the model can fail (the visitor always gets
an answer, or a clear error after a partial one, and the row records what happened)."""

import anyio
import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.chat import replies
from libriassist.chat import service as chat_service
from libriassist.chat.answering import ExtractiveWriter
from libriassist.chat.generation import RULES
from libriassist.chat.models import Message
from libriassist.chat.schemas import ChatRequest
from libriassist.config import Settings
from libriassist.main import create_app
from tests.answering.helpers import ask, ask_stream, stored
from tests.factories import Tenant
from tests.fake_llm import FakeLLM, Turn
from tests.local_server import serving

DELIVERY = "Quels sont les délais de livraison ?"
FAQ_ANSWER = "Nous livrons en 3 à 5 jours ouvrés en France métropolitaine."


async def test_a_confident_match_is_written_by_the_model_with_its_sources(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.default = Turn(text="Comptez 3 à 5 jours ouvrés [1].")
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == "Comptez 3 à 5 jours ouvrés [1]."
    assert body["model"] == "fake-model" and body["answered_from_kb"] is True
    assert body["usage"]["completion_tokens"] > 0 and body["usage"]["estimated"] is False
    # [1] is the first source: the excerpt the model was given first.
    assert body["sources"][0]["url"] == "https://alpha.example/livraison"
    assert body["first_token_ms"] is not None

    [request] = fake_llm.seen
    messages = request.body["messages"]
    assert messages[0]["role"] == "system" and RULES.splitlines()[0] in messages[0]["content"]
    assert "Reply in French" in messages[0]["content"]
    user = messages[-1]["content"]
    assert "[1] " in user and FAQ_ANSWER in user
    assert f"<visitor_message>\n{DELIVERY}\n</visitor_message>" in user
    assert request.body["stream"] is True and request.body["model"] == "fake-model"

    row = await stored(maker, body["message_id"])
    assert (row.status, row.model, row.llm_error) == ("complete", "fake-model", None)
    assert row.prompt_tokens and row.completion_tokens and row.usage_estimated is False
    assert row.content == body["answer"]


async def test_a_yes_to_the_models_own_question_lets_it_go_on(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    """ "Oui, merci !" closes the exchange, except after the model asked something: then
    the model goes on, given what the visitor's previous question finds (the yes alone
    finds nothing, or an entry that begins with "Oui")."""
    asked = "Comptez 3 à 5 jours ouvrés [1]. Voulez-vous connaître les frais de port ?"
    fake_llm.script = [Turn(text=asked), Turn(text="Ils sont offerts dès 50 € [1].")]
    first = await ask(client, tenant, DELIVERY)
    session = {"session_id": first["session_id"], "session_token": first["session_token"]}
    yes = await ask(client, tenant, "Oui, merci !", **session)
    assert yes["intent"] == "general_question"
    assert (yes["model"], yes["answer"]) == ("fake-model", "Ils sont offerts dès 50 € [1].")
    assert yes["answered_from_kb"] is True
    assert yes["sources"][0]["url"] == "https://alpha.example/livraison"
    messages = fake_llm.seen[1].body["messages"]
    assert {"role": "assistant", "content": asked} in messages
    assert FAQ_ANSWER in messages[-1]["content"]
    assert "<visitor_message>\nOui, merci !\n</visitor_message>" in messages[-1]["content"]

    # A second yes to a second question still goes back to the question, not to "oui".
    fake_llm.script = [Turn(text=asked), Turn(text=asked), Turn(text="Les voici [1].")]
    first = await ask(client, tenant, DELIVERY)
    session = {"session_id": first["session_id"], "session_token": first["session_token"]}
    assert (await ask(client, tenant, "oui", **session))["answer"] == asked
    more = await ask(client, tenant, "oui merci", **session)
    assert (more["intent"], more["answer"]) == ("general_question", "Les voici [1].")
    assert more["sources"][0]["url"] == "https://alpha.example/livraison"
    assert FAQ_ANSWER in fake_llm.seen[-1].body["messages"][-1]["content"]
    assert len(fake_llm.seen) == 5

    # After a reply that asks nothing, the same words are thanks: the model is not asked.
    fake_llm.script = [Turn(text="Comptez 3 à 5 jours ouvrés [1].")]
    first = await ask(client, tenant, DELIVERY)
    session = {"session_id": first["session_id"], "session_token": first["session_token"]}
    thanks = await ask(client, tenant, "Oui, merci !", **session)
    assert (thanks["intent"], thanks["answer"]) == ("greeting", replies.THANKS["fr"])
    # An "ok merci" after the model's question is thanks too (it declines, politely).
    fake_llm.script = [Turn(text=asked)]
    first = await ask(client, tenant, DELIVERY)
    session = {"session_id": first["session_id"], "session_token": first["session_token"]}
    declined = await ask(client, tenant, "ok merci", **session)
    assert (declined["intent"], declined["answer"]) == ("greeting", replies.THANKS["fr"])
    assert len(fake_llm.seen) == 7
    # With the model turned off since it asked, a yes with thanks is thanks again (quoting
    # the previous answer once more would answer nothing).
    fake_llm.script = [Turn(text=asked)]
    first = await ask(client, tenant, DELIVERY)
    session = {"session_id": first["session_id"], "session_token": first["session_token"]}
    off = {"mode": "off"}
    await client.put("/api/v1/admin/llm", json=off, headers=tenant.admin_headers())
    thanks = await ask(client, tenant, "Oui, merci !", **session)
    assert (thanks["intent"], thanks["answer"]) == ("greeting", replies.THANKS["fr"])


async def test_no_match_greeting_and_handoff_never_reach_the_model(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    unknown = await ask(client, tenant, "Quelle est la capitale de l'Australie ?")
    assert "Je ne trouve pas" in unknown["answer"] and unknown["model"] == "extractive"
    hello = await ask(client, tenant, "Bonjour")
    assert hello["intent"] == "greeting" and hello["model"] == "extractive"
    human = await ask(client, tenant, "Je veux parler à un humain")
    assert human["intent"] == "human_handoff" and human["model"] == "extractive"
    assert fake_llm.seen == []


async def test_a_rate_limit_before_the_first_token_is_retried(
    client: httpx.AsyncClient, tenant: Tenant, fake_llm: FakeLLM
) -> None:
    # (Retry-After: 0, so the backoff stays inside the tests' 1 s first-word budget.)
    fake_llm.script = [
        Turn("status", status=429, retry_after="0"),
        Turn("status", status=503, retry_after="0"),
    ]
    body = await ask(client, tenant, DELIVERY)
    assert len(fake_llm.seen) == 3
    assert body["model"] == "fake-model" and body["answer"] == Turn().text


async def test_a_model_that_keeps_failing_falls_back_to_quoting_the_knowledge(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.default = Turn("status", status=500, retry_after="0")
    body = await ask(client, tenant, DELIVERY)
    assert len(fake_llm.seen) == 3  # the first try and two retries
    assert body["answer"] == FAQ_ANSWER and body["model"] == "extractive"
    assert body["answered_from_kb"] is True and body["usage"] is None
    row = await stored(maker, body["message_id"])
    assert (row.status, row.llm_error, row.model) == ("complete", "llm_unavailable", "extractive")


async def test_rejected_requests_are_not_retried(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn("status", status=401)]
    body = await ask(client, tenant, DELIVERY)
    assert len(fake_llm.seen) == 1 and body["answer"] == FAQ_ANSWER
    assert (await stored(maker, body["message_id"])).llm_error == "llm_auth_failed"


async def test_no_first_token_in_time_falls_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.default = Turn("hang")
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == FAQ_ANSWER
    row = await stored(maker, body["message_id"])
    assert (row.status, row.llm_error) == ("complete", "llm_timeout")
    # The timeout (1 s here) bounds the wait for the first word, retries included: a
    # model that hung through it is not asked again (the visitor would wait 3 s).
    assert len(fake_llm.seen) == 1


async def test_a_retry_gets_what_is_left_of_the_first_word_budget(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    # A fast 500, then a model that sends its headers but no word: the retry waits only
    # what is left of the 1 s budget, and no third attempt follows.
    fake_llm.script = [Turn("status", status=500, retry_after="0"), Turn(first_token=30.0)]
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == FAQ_ANSWER and len(fake_llm.seen) == 2
    assert (await stored(maker, body["message_id"])).llm_error == "llm_timeout"
    # A reasoning model thinking aloud for longer than the budget before its first word
    # is alive: the gap between chunks is what counts then.
    fake_llm.script = [Turn(thinking=15, interval=0.1)]
    body = await ask(client, tenant, DELIVERY)
    assert body["model"] == "fake-model" and len(fake_llm.seen) == 3
    # A model that answers within the budget after a fast failure is used.
    fake_llm.script = [Turn("status", status=503, retry_after="0"), Turn(first_token=0.2)]
    body = await ask(client, tenant, DELIVERY)
    assert body["model"] == "fake-model" and len(fake_llm.seen) == 5


async def test_a_malformed_stream_falls_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn("malformed")]
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == FAQ_ANSWER and len(fake_llm.seen) == 1
    assert (await stored(maker, body["message_id"])).llm_error == "llm_bad_reply"


async def test_streams_written_the_way_other_servers_write_them_are_read_whole(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    # CRLF, comment lines, id/event fields, a chunk's JSON over two data lines.
    fake_llm.script = [Turn("wire", text="Comptez 3 à 5 jours ouvrés [1].")]
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == "Comptez 3 à 5 jours ouvrés [1]." and body["model"] == "fake-model"
    assert body["usage"]["estimated"] is False and body["usage"]["completion_tokens"] == 7
    assert fake_llm.seen[0].finished
    assert (await stored(maker, body["message_id"])).status == "complete"


async def test_an_error_in_the_stream_falls_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn("error_event")]
    body = await ask(client, tenant, DELIVERY)
    assert body["answer"] == FAQ_ANSWER and body["model"] == "extractive"
    assert (await stored(maker, body["message_id"])).llm_error == "llm_bad_reply"


async def test_a_stream_that_dies_after_the_first_token_is_marked_failed(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn("die_after", after=2)]
    events = await ask_stream(client, tenant, DELIVERY)
    names = [name for name, _ in events]
    assert names == ["meta", "delta", "delta", "error"]
    assert events[-1][1]["code"] == "answer_interrupted"
    assert events[-1][1]["message"] == replies.ANSWER_INTERRUPTED["fr"]
    row = await stored(maker, events[0][1]["message_id"])
    assert (row.status, row.content) == ("failed", "Nous livrons ")
    assert (row.error_code, row.llm_error) == ("answer_interrupted", "llm_interrupted")
    assert len(fake_llm.seen) == 1  # text was out: no retry that would repeat it


async def test_a_model_that_says_nothing_leaves_no_empty_bubble(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    # An empty reply, a blank one, and one that breaks after blank pieces: no word came.
    fake_llm.script = [
        Turn(text=""),
        Turn(text="   \n "),
        Turn("die_after", text="  Nous", after=2),
    ]
    expected = ["llm_empty_reply", "llm_empty_reply", "llm_interrupted"]
    for llm_error in expected:
        events = await ask_stream(client, tenant, DELIVERY)
        assert [name for name, _ in events][-2:] == ["sources", "done"]
        assert "".join(data["text"] for name, data in events if name == "delta") == FAQ_ANSWER
        row = await stored(maker, events[0][1]["message_id"])
        assert (row.status, row.content, row.model) == ("complete", FAQ_ANSWER, "extractive")
        assert row.llm_error == llm_error
        assert row.sources and row.answered_from_kb


async def test_a_recital_caught_before_a_word_went_out_gets_the_quote(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn(text="{system}", chunks=1)]  # the instructions, in one piece
    events = await ask_stream(client, tenant, DELIVERY)
    shown = "".join(data["text"] for name, data in events if name == "delta")
    assert shown == FAQ_ANSWER and events[-1][0] == "done"
    row = await stored(maker, events[0][1]["message_id"])
    assert (row.status, row.llm_error, row.model) == ("complete", "llm_prompt_leak", "extractive")
    # The call was paid for: its tokens are counted (estimated, none being reported).
    assert row.prompt_tokens and row.prompt_tokens > 100 and row.usage_estimated


async def test_a_stream_that_stalls_or_trickles_is_cut(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.script = [Turn("stall_after", after=1)]
    stalled = await ask_stream(client, tenant, DELIVERY)
    assert [n for n, _ in stalled][-1] == "error"
    row = await stored(maker, stalled[0][1]["message_id"])
    assert (row.status, row.content) == ("failed", "Nous ")

    # Each chunk in time (0.6 s < 1 s), but the whole reply past its 3 s limit.
    fake_llm.script = [Turn(text=" ".join(["mot"] * 20), interval=0.6)]
    slow = await ask_stream(client, tenant, DELIVERY)
    assert [n for n, _ in slow][-1] == "error"
    row = await stored(maker, slow[0][1]["message_id"])
    assert row.status == "failed" and 3 <= row.content.count("mot") <= 7


async def test_usage_is_estimated_when_the_api_reports_none(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.default = Turn(usage=False)
    body = await ask(client, tenant, DELIVERY)
    assert body["usage"]["estimated"] is True and body["usage"]["prompt_tokens"] > 50
    assert (await stored(maker, body["message_id"])).usage_estimated is True


async def test_the_breaker_opens_on_a_failing_model_and_closes_when_it_is_back(
    client: httpx.AsyncClient,
    tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    fake_llm.default = Turn("status", status=500, retry_after="0")
    for _ in range(3):  # threshold 3: three failed replies
        await ask(client, tenant, DELIVERY)
    calls = len(fake_llm.seen)
    paused = await ask(client, tenant, DELIVERY)
    assert len(fake_llm.seen) == calls, "an open breaker sends nothing"
    assert paused["answer"] == FAQ_ANSWER
    assert (await stored(maker, paused["message_id"])).llm_error == "llm_circuit_open"

    fake_llm.default = Turn()
    await anyio.sleep(0.6)  # the cooldown: one trial call goes through, and succeeds
    back = await ask(client, tenant, DELIVERY)
    assert back["model"] == "fake-model" and len(fake_llm.seen) == calls + 1
    again = await ask(client, tenant, DELIVERY)
    assert again["model"] == "fake-model"


async def test_one_tenants_refused_key_does_not_pause_the_model_for_the_others(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    # Both tenants call the same model at the same address, each with a key of its own.
    for shop, key in ((tenant, "sk-revoked-000000"), (other_tenant, "sk-valid-111111")):
        saved = await client.put(
            "/api/v1/admin/llm",
            json={"mode": "custom", "base_url": fake_llm.url, "model": "m", "api_key": key},
            headers=shop.admin_headers(),
        )
        assert saved.status_code == 200, saved.text
    fake_llm.script = [Turn("status", status=401) for _ in range(3)]  # threshold 3
    for _ in range(3):
        await ask(client, tenant, DELIVERY)
    calls = len(fake_llm.seen)
    paused = await ask(client, tenant, DELIVERY)
    assert len(fake_llm.seen) == calls, "the refused key's calls are paused"
    assert (await stored(maker, paused["message_id"])).llm_error == "llm_circuit_open"

    other = await ask(client, other_tenant, "¿Cuánto tarda el envío?")
    assert len(fake_llm.seen) == calls + 1 and other["model"] == "m"
    assert fake_llm.seen[-1].headers["authorization"] == "Bearer sk-valid-111111"


async def test_a_visitor_leaving_cancels_the_model_call(
    app: FastAPI, tenant: Tenant, fake_llm: FakeLLM, maker: async_sessionmaker[AsyncSession]
) -> None:
    fake_llm.default = Turn(text=" ".join(["mot"] * 50), interval=0.1)
    resources = app.state.resources
    llm = chat_service.LLMAccess(resources.llm_clients, resources.settings, resources.secret_box)
    accepted = await chat_service.accept_message(
        maker,
        tenant.id,
        ChatRequest(message=DELIVERY),
        None,
        2000,
        embedder=resources.embedder,
        intent_cache=resources.intent_cache,
        llm=llm,
    )
    received: list[str] = []
    async with anyio.create_task_group() as group:

        async def consume() -> None:
            async for event in chat_service.reply_events(
                maker,
                tenant.id,
                accepted,
                embedder=resources.embedder,
                index_cache=resources.index_cache,
                curated_cache=resources.curated_cache,
                writer=ExtractiveWriter(),
                min_score=0.8,
                min_lift=0.03,
                curated_min_score=0.975,
                llm=llm,
            ):
                received.append(event.name)
                if len(received) == 2:
                    group.cancel_scope.cancel()

        group.start_soon(consume)
    with anyio.fail_after(5):
        while not fake_llm.seen[-1].abandoned:  # noqa: ASYNC110 (set by the server thread)
            await anyio.sleep(0.05)
    assert not fake_llm.seen[-1].finished
    row = await stored(maker, accepted.reply_id)
    assert (row.status, row.content) == ("interrupted", "mot mot ")


async def test_a_visitor_closing_the_connection_cancels_the_model_call(
    tenant: Tenant,
    settings: Settings,
    embedder: Embedder,
    fake_llm: FakeLLM,
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """Over a real socket: the product served by uvicorn, the visitor's client closing its
    connection after the first words (the tests above cancel the reply in process)."""
    fake_llm.default = Turn(text=" ".join(["mot"] * 50), interval=0.1)
    with serving(create_app(settings, embedder)) as base:
        async with (
            httpx.AsyncClient(base_url=base, timeout=10) as visitor,
            visitor.stream(
                "POST",
                "/api/v1/chat",
                json={"message": DELIVERY},
                headers=tenant.widget_headers(Accept="text/event-stream"),
            ) as response,
        ):
            assert response.status_code == 200
            lines = response.aiter_lines()
            async for line in lines:
                if line.startswith("data:") and '"text"' in line:
                    break  # the first words arrived: the visitor leaves
        with anyio.fail_after(5):
            while not (fake_llm.seen and fake_llm.seen[-1].abandoned):  # noqa: ASYNC110
                await anyio.sleep(0.05)
        assert not fake_llm.seen[-1].finished
        async with maker() as session:
            row = (
                await session.execute(select(Message).where(Message.role == "assistant"))
            ).scalar_one()
        assert row.status == "interrupted" and row.content.startswith("mot")
        assert len(row.content.split()) < 50
