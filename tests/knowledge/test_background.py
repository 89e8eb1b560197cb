"""The background questions' vectors (the lift's null model): shipped for the bundled
model, embedded once per process for another, never once per waiting question."""

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_query
from libriassist.knowledge import background
from libriassist.knowledge.background import BACKGROUND_QUESTIONS
from tests.factories import Tenant, ingest_faq


def vectors(model: object) -> np.ndarray:
    """The vectors, asked as a search asks for them, from a thread or a test of its own."""
    return asyncio.run(background.vectors_for(model))  # type: ignore[arg-type]


class SlowPassages:
    """A model of its own (a new id each time) whose passages take a while to embed."""

    dim = 4

    def __init__(self, fails: bool = False) -> None:
        self.model_id = f"slow-{uuid.uuid4().hex}"
        self.calls = 0
        self.fails = fails
        self._count = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._count:
            self.calls += 1
        time.sleep(0.2)
        if self.fails:
            raise RuntimeError("the embedding service is down")
        return np.ones((len(texts), self.dim), dtype=np.float32) / 2


def test_the_shipped_vectors_are_the_current_questions(embedder: Embedder) -> None:
    shipped = background.shipped_vectors(embedder.model_id)
    assert shipped is not None, "questions changed: run python -m libriassist.knowledge.background"
    fresh = np.asarray(embedder.embed_passages(BACKGROUND_QUESTIONS), np.float32)
    assert (np.sum(fresh * shipped, axis=1) > 0.999).all()
    assert vectors(embedder).shape == (len(BACKGROUND_QUESTIONS), 384)


def test_another_models_vectors_are_not_taken_from_the_package() -> None:
    assert background.shipped_vectors("another-model") is None
    model = SlowPassages()
    assert background.shipped_vectors(model.model_id) is None
    assert vectors(model).shape == (len(BACKGROUND_QUESTIONS), 4)
    assert model.calls == 1


def test_questions_that_come_together_share_one_embedding() -> None:
    model = SlowPassages()
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda _: vectors(model), range(10)))
    assert model.calls == 1
    assert all(r is results[0] for r in results)
    assert background.ready_vectors(model) is results[0]


async def test_questions_on_the_event_loop_wait_for_one_embedding() -> None:
    model = SlowPassages()
    results = await asyncio.gather(*(background.vectors_for(model) for _ in range(10)))
    assert model.calls == 1
    assert all(r is results[0] for r in results)


def test_the_warm_up_embeds_them_before_the_first_question() -> None:
    model = SlowPassages()
    assert background.ready_vectors(model) is None
    background.warm_up(model)
    deadline = time.monotonic() + 10
    while background.ready_vectors(model) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert background.ready_vectors(model) is not None
    vectors(model)
    assert model.calls == 1


def test_a_failed_warm_up_leaves_the_first_question_to_try_again() -> None:
    model = SlowPassages(fails=True)
    background.warm_up(model)
    deadline = time.monotonic() + 10
    while model.calls == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    assert background.ready_vectors(model) is None
    model.fails = False
    assert vectors(model) is not None
    assert model.calls == 2


async def test_an_arabic_script_pair_is_judged_against_the_arabic_and_darija_questions(
    client: httpx.AsyncClient,
    tenant: Tenant,
    embedder: Embedder,
    maker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    """Darija question and Darija passage: the lift is over the Arabic and Darija
    background questions' mean; Darija question and French passage: over the whole set's,
    as before."""
    entries = [
        {"question": "شحال كياخد التوصيل؟", "answer": "كنوصلو ف 3 أيام.", "language": "ary"},
        {"question": "Quels sont les délais ?", "answer": "Trois jours.", "language": "fr"},
    ]
    await ingest_faq(maker, embedder, tenant.id, entries, tmp_path / "faq")
    question = "كيفاش كنطيبو البيتزا ديال نابولي؟"
    found = await client.post(
        "/api/v1/admin/kb/search",
        json={"query": question, "language": "ary", "limit": 10},
        headers=tenant.admin_headers(),
    )
    hits = {h["language"]: h for h in found.json()["hits"]}
    similarities = (await background.vectors_for(embedder)) @ await embed_query(
        embedder, question, "ary"
    )
    arabic_mean = float(similarities[background.rows_for("ary", "ary")].mean())
    whole_mean = float(similarities.mean())
    assert arabic_mean > whole_mean + 0.01  # why the whole set's mean was no null model
    assert abs(hits["ary"]["lift"] - (hits["ary"]["score"] - arabic_mean)) < 1e-3
    assert abs(hits["fr"]["lift"] - (hits["fr"]["score"] - whole_mean)) < 1e-3
    assert background.rows_for("fr", "ary") == slice(None)
