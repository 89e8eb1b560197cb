"""Detection's edges: no embedder, and the refiner hook."""

from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, EmbeddingError
from libriassist.intents import detection
from libriassist.intents.detection import Detection
from libriassist.intents.matching import IntentCache
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
