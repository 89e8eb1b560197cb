"""Detection's edges: no embedder, and the refiner hook."""

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, EmbeddingError
from libriassist.intents import detection, matching
from libriassist.intents import service as intents_service
from libriassist.intents.detection import Detection
from libriassist.intents.matching import IntentCache, TenantIntents, load_intents
from libriassist.intents.schemas import IntentIn
from libriassist.tenants import service as tenants_service
from tests.factories import Tenant


class BrokenEmbedder:
    model_id, dim = "broken", 384

    def embed_queries(self, texts: list[str]) -> Any:
        raise EmbeddingError("the embedding server is down")

    def embed_passages(self, texts: list[str]) -> Any:
        raise EmbeddingError("the embedding server is down")


async def test_without_the_embedder_the_rules_still_label_the_message() -> None:
    """The message is stored before anything that may fail: detection degrades, it does
    not raise (and reads nothing from the database)."""
    session = cast(AsyncSession, None)
    broken = cast(Embedder, BrokenEmbedder())
    sure = await detection.detect(
        session, "shop", "rev", "Where is my order #4521?", "en", broken, IntentCache()
    )
    assert (sure.intent, sure.source, sure.confidence) == ("order_tracking", "rule", 1.0)
    assert sure.entities.order_numbers == ["4521"]
    unsure = await detection.detect(
        session, "shop", "rev", "Do you sell gift cards?", "en", broken, IntentCache()
    )
    assert (unsure.intent, unsure.confidence) == ("general_question", 0.0)


class FailsAfterTheMessage:
    """Embeds the message, then fails: the built-in phrases (never built for this model
    id) cannot be embedded."""

    model_id, dim = "fails-after-the-message", 384

    def __init__(self) -> None:
        self.calls = 0

    def embed_queries(self, texts: list[str]) -> Any:
        self.calls += 1
        if self.calls > 1:
            raise EmbeddingError("the embedding server went down")
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors

    def embed_passages(self, texts: list[str]) -> Any:
        raise EmbeddingError("the embedding server went down")


async def test_an_embedder_failing_after_the_message_still_leaves_a_rules_verdict() -> None:
    flaky = FailsAfterTheMessage()
    found = await detection.detect(
        cast(AsyncSession, None),
        "shop",
        "rev",
        "I want a refund for order 4521",
        "en",
        cast(Embedder, flaky),
        IntentCache(),
    )
    assert flaky.calls >= 2, "the message was embedded, then the phrases failed"
    assert (found.source, found.intent) == ("rule", "returns_refunds")
    assert found.entities.order_numbers == ["4521"]


class PickSecond:
    def __init__(self) -> None:
        self.asked: list[Detection] = []

    async def refine(self, text: str, language: str, detection: Detection) -> str | None:
        self.asked.append(detection)
        return detection.candidates[1].intent


async def test_a_refiner_may_choose_among_the_candidates(
    maker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(detection, "REFINE_BELOW", 1.01)  # ask about every model verdict
    refiner = PickSecond()
    cache = IntentCache()
    async with maker() as session:
        revision = await tenants_service.current_kb_revision(session, tenant.id)
        text = "Do you sell gift cards?"
        found = await detection.detect(
            session, tenant.id, revision, text, "en", embedder, cache, refiner=refiner
        )
        assert found.source == "refiner" and found.intent == found.candidates[1].intent
        assert [d.candidates for d in refiner.asked] == [found.candidates]
        # A rule's verdict is never second-guessed (here with a precomputed vector).
        vector = np.zeros(embedder.dim, dtype=np.float32)
        vector[0] = 1.0
        ruled = await detection.detect(
            session,
            tenant.id,
            revision,
            "I want to talk to a human",
            "en",
            embedder,
            cache,
            vector=vector,
            refiner=refiner,
        )
        assert (ruled.intent, ruled.source) == ("human_handoff", "rule")
        assert len(refiner.asked) == 1


async def replace_intents(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, embedder: Embedder, items: Any
) -> None:
    """The tenant's intents become ``items``, as an admin would write them."""
    async with maker() as session:
        for row in await intents_service.list_intents(session, tenant.id):
            await intents_service.delete_intent(session, tenant.id, row.id)
        await intents_service.create_intents(session, tenant.id, embedder, items)
        await session.commit()


async def loaded(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, embedder: Embedder, cache: IntentCache
) -> TenantIntents:
    async with maker() as session:
        revision = await tenants_service.current_kb_revision(session, tenant.id)
        return await load_intents(session, tenant.id, revision, embedder, cache)


async def test_a_tenant_with_english_examples_gets_the_english_voter(
    maker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    embedder: Embedder,
    english_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [
        IntentIn(
            name="pending_top_up", examples=["My top up is still pending", "top-up not there yet"]
        ),
        IntentIn(name="failed_top_up", examples=["My top up failed", "The top-up was declined"]),
    ]
    await replace_intents(maker, tenant, embedder, items)
    cache = IntentCache(english=True, english_model_dir=english_model_dir)
    async with maker() as session:
        revision = await tenants_service.current_kb_revision(session, tenant.id)
        intents = await load_intents(session, tenant.id, revision, embedder, cache)
        assert intents.model is not None and intents.model.reads_english("en")
        assert not intents.model.reads_english("fr")
        threads: list[int] = []
        predict = type(intents.model).predict

        def watched(model: Any, *args: Any) -> Any:
            threads.append(threading.get_ident())
            return predict(model, *args)

        monkeypatch.setattr(type(intents.model), "predict", watched)
        found = await detection.detect(
            session, tenant.id, revision, "my top up was rejected", "en", embedder, cache
        )
        await detection.detect(
            session, tenant.id, revision, "ma recharge a échoué", "fr", embedder, cache
        )
    tenant_side = [c for c in found.candidates if c.origin == "tenant"]
    assert tenant_side[0].intent == "failed_top_up", found.candidates
    # The English message's prediction ran off the event loop; the French one on it.
    assert threads[0] != threading.get_ident() and threads[1] == threading.get_ident()

    # A tenant without English examples does not load the English encoder at all.
    class Counting(IntentCache):
        loads = 0

        def english_encoder(self) -> Any:
            Counting.loads += 1
            return super().english_encoder()

    french = [
        IntentIn(name="carte_perdue", examples=["J'ai perdu ma carte", "Ma carte a été volée"]),
        IntentIn(
            name="carte_pas_recue", examples=["Ma carte n'est pas arrivée", "Où est ma carte ?"]
        ),
    ]
    await replace_intents(maker, tenant, embedder, french)
    counting = Counting(english=True, english_model_dir=english_model_dir)
    intents = await loaded(maker, tenant, embedder, counting)
    assert intents.model is not None and not intents.model.reads_english("en")
    assert Counting.loads == 0


async def test_a_message_asked_again_keeps_its_verdict_until_the_intents_change(
    maker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decided: list[str] = []
    original = detection.decide

    def counting(*args: Any, **kwargs: Any) -> Detection:
        decided.append(args[3])
        return original(*args, **kwargs)

    monkeypatch.setattr(detection, "decide", counting)
    cache = IntentCache()
    text = "Do you sell gift cards for birthdays?"

    async def detect(language: str = "en") -> Detection:
        async with maker() as session:
            revision = await tenants_service.current_kb_revision(session, tenant.id)
            return await detection.detect(
                session, tenant.id, revision, text, language, embedder, cache
            )

    first = await detect()
    again = await detect()
    assert first.intent == again.intent == "general_question"
    assert decided == [text]  # the second time, the kept verdict
    assert again.vector is not None  # the search still gets the message's vector
    await detect("fr")  # another language is another question
    assert decided == [text, text]
    await replace_intents(
        maker,
        tenant,
        embedder,
        [
            IntentIn(
                name="gift_cards",
                examples=["Do you sell gift cards?", "Can I buy a gift card for a friend?"],
            )
        ],
    )
    changed = await detect()
    assert len(decided) == 3 and changed.intent == "gift_cards"


async def test_questions_that_come_together_share_one_trained_model(
    maker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = [
        IntentIn(name="gift_cards", examples=["Do you sell gift cards?", "a gift voucher"]),
        IntentIn(name="loyalty", examples=["Is there a loyalty programme?", "fidelity points"]),
    ]
    await replace_intents(maker, tenant, embedder, items)
    trained: list[int] = []
    train = matching._train

    def counted(*args: Any) -> Any:
        trained.append(1)
        time.sleep(0.2)  # long enough for every question to find it still training
        return train(*args)

    monkeypatch.setattr(matching, "_train", counted)
    cache = IntentCache()
    models = await asyncio.gather(*(loaded(maker, tenant, embedder, cache) for _ in range(8)))
    assert len(trained) == 1
    assert all(m is models[0] for m in models) and models[0].model is not None
