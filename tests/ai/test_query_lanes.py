"""Questions for a model computing on this machine: first come, first served, those
waiting together in one call, on as many lanes as the model asks for."""

import asyncio
import threading
import time

import numpy as np
import pytest

from libriassist.ai import query_lanes
from libriassist.ai.embedder import Embedder, Vectors, embed_query, l2_normalise
from libriassist.ai.query_lanes import QueryLanes


class GatedEmbedder:
    """Notes each call and the cores it computes on; a call holding a text that starts
    with "hold" waits until the test opens the gate ("then": the second gate), one with
    a text that starts with "pair" until a second such call runs beside it."""

    dim = 3
    model_id = "gated"
    computes_locally = True

    def __init__(self, lanes: int = 1) -> None:
        self.query_lanes = lanes
        self.calls: list[list[str]] = []
        self.cores: list[tuple[threading.Thread, int]] = []  # at each use_cores
        self.calls_cores: list[int | None] = []  # the cores of each call, as told
        self.started_beside: list[int] = []  # calls already running as each one started
        self.pair = threading.Barrier(2, timeout=10)
        self.gate = threading.Event()
        self.second_gate = threading.Event()
        self.holding = threading.Semaphore(0)
        self.running = 0
        self.most_at_once = 0
        self.guard = threading.Lock()

    def use_cores(self, cores: int) -> None:
        self.cores.append((threading.current_thread(), cores))

    def embed_queries(self, texts: list[str]) -> Vectors:
        told = [cores for thread, cores in self.cores if thread is threading.current_thread()]
        with self.guard:
            self.calls.append(list(texts))
            self.calls_cores.append(told[-1] if told else None)
            self.started_beside.append(self.running)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if any(t.startswith("hold") for t in texts):
                self.holding.release()
                assert self.gate.wait(10)
            if any(t.startswith("then") for t in texts):
                self.holding.release()
                assert self.second_gate.wait(10)
            if any(t.startswith("pair") for t in texts):
                self.pair.wait()
            if any(t == "refused" for t in texts):
                raise ValueError("the model refuses this one")
            return l2_normalise([[len(t), 1.0, 2.0] for t in texts])
        finally:
            with self.guard:
                self.running -= 1

    def embed_passages(self, texts: list[str]) -> Vectors:
        raise AssertionError("a query never needs passages")


async def held(embedder: GatedEmbedder) -> None:
    """Until one more call holds a lane."""
    assert await asyncio.to_thread(embedder.holding.acquire, True, 10)


async def holding(
    lanes: QueryLanes, embedder: GatedEmbedder, *texts: str
) -> "list[asyncio.Future[Vectors]]":
    """Questions that each hold a lane until the gate opens, asked one after another."""
    futures = []
    for text in texts:
        futures.append(asyncio.ensure_future(lanes.embed([text])))
        await held(embedder)
    return futures


async def behind_a_call_on_every_core(
    *texts: str,
) -> "tuple[GatedEmbedder, QueryLanes, asyncio.Future[Vectors], list[asyncio.Future[Vectors]]]":
    """Two lanes; a question alone holding one of them on both cores ("hold"), then
    ``texts`` asked meanwhile, one question each."""
    embedder = GatedEmbedder(lanes=2)
    lanes = QueryLanes(embedder)
    (alone,) = await holding(lanes, embedder, "hold")
    return embedder, lanes, alone, [asyncio.ensure_future(lanes.embed([t])) for t in texts]


async def test_questions_waiting_together_go_in_one_call_in_arrival_order() -> None:
    embedder = GatedEmbedder()
    lanes = QueryLanes(embedder)
    (first,) = await holding(lanes, embedder, "hold")
    questions = [asyncio.ensure_future(lanes.embed([f"question {i}"])) for i in range(6)]
    darija = asyncio.ensure_future(lanes.embed(["wach kayn", "هل يوجد"]))  # text + rewrite
    await asyncio.sleep(0)  # every one is queued behind the held call
    embedder.gate.set()
    rows = await asyncio.gather(first, *questions, darija)
    assert embedder.calls == [
        ["hold"],
        [f"question {i}" for i in range(6)] + ["wach kayn", "هل يوجد"],
    ]
    assert embedder.most_at_once == 1  # the model asked for one lane
    for i, vectors in enumerate(rows[1:7]):
        np.testing.assert_allclose(vectors, l2_normalise([[len(f"question {i}"), 1.0, 2.0]]))
    assert rows[7].shape == (2, 3)


async def test_a_call_takes_at_most_max_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_lanes, "MAX_TEXTS", 3)
    embedder = GatedEmbedder()
    lanes = QueryLanes(embedder)
    (first,) = await holding(lanes, embedder, "hold")
    rest = [asyncio.ensure_future(lanes.embed([f"q{i}"])) for i in range(7)]
    await asyncio.sleep(0)
    embedder.gate.set()
    await asyncio.gather(first, *rest)
    assert embedder.calls == [["hold"], ["q0", "q1", "q2"], ["q3", "q4", "q5"], ["q6"]]


async def test_a_model_with_two_lanes_embeds_two_questions_side_by_side_on_a_core_each() -> None:
    embedder, lanes, first, pair = await behind_a_call_on_every_core("pair 0", "pair 1")
    await asyncio.sleep(0)
    embedder.gate.set()
    # Each "pair" call waits for the other: they can only end side by side.
    await asyncio.gather(first, *pair)
    assert embedder.most_at_once == 2
    assert sorted(embedder.calls[1:]) == [["pair 0"], ["pair 1"]]
    assert embedder.calls_cores == [2, 1, 1]
    assert len({thread for thread, _ in embedder.cores}) == 2


async def test_a_question_alone_computes_on_every_core_and_the_next_ones_wait_for_it() -> None:
    embedder, lanes, alone, later = await behind_a_call_on_every_core("pair 0", "pair 1")
    await asyncio.sleep(0.05)
    # No call beside the one on every core: more model threads than cores would spin.
    assert embedder.calls == [["hold"]]
    embedder.gate.set()
    await asyncio.gather(alone, *later)
    # Then two questions waiting: one lane each, on a core each (side by side: see
    # GatedEmbedder).
    assert sorted(embedder.calls[1:]) == [["pair 0"], ["pair 1"]]
    assert embedder.calls_cores == [2, 1, 1]
    assert embedder.started_beside[:2] == [0, 0]  # the first of the pair, once "hold" ended
    # Alone again: every core again.
    await lanes.embed(["alone again"])
    assert embedder.calls_cores[-1] == 2


async def test_a_model_with_one_lane_or_no_core_setting_never_waits_for_a_wide_call() -> None:
    one_lane = GatedEmbedder(lanes=1)
    await QueryLanes(one_lane).embed(["alone"])
    assert one_lane.calls_cores == [1]

    class NoCoreSetting(GatedEmbedder):
        use_cores = None  # type: ignore[assignment]

    no_setting = NoCoreSetting(lanes=2)
    lanes = QueryLanes(no_setting)
    await lanes.embed(["alone"])
    # Two questions, each on a lane of its own, side by side (see GatedEmbedder).
    await asyncio.gather(*(lanes.embed([f"pair {i}"]) for i in range(2)))
    assert no_setting.most_at_once == 2


async def test_a_lane_takes_its_share_of_the_waiting_questions_not_all_of_them() -> None:
    embedder, lanes, alone, both = await behind_a_call_on_every_core("then 0", "then 1")
    await asyncio.sleep(0)
    embedder.gate.set()
    await held(embedder)
    await held(embedder)  # both lanes busy
    waiting = [asyncio.ensure_future(lanes.embed([f"q{i}"])) for i in range(6)]
    await asyncio.sleep(0)
    embedder.second_gate.set()
    await asyncio.gather(alone, *both, *waiting)
    # Taken in turn: half of the six, then half of the three left, then the last one.
    assert sorted(embedder.calls[3:]) == [["q0", "q1", "q2"], ["q3", "q4"], ["q5"]]


async def test_one_refused_question_does_not_fail_the_others_in_its_call() -> None:
    embedder = GatedEmbedder()
    lanes = QueryLanes(embedder)
    (first,) = await holding(lanes, embedder, "hold")
    good = asyncio.ensure_future(lanes.embed(["good"]))
    bad = asyncio.ensure_future(lanes.embed(["refused"]))
    other = asyncio.ensure_future(lanes.embed(["other"]))
    await asyncio.sleep(0)
    embedder.gate.set()
    await first
    assert (await good).shape == (1, 3)
    assert (await other).shape == (1, 3)
    with pytest.raises(ValueError, match="refuses"):
        await bad
    assert embedder.calls[1:] == [["good", "refused", "other"], ["good"], ["refused"], ["other"]]


async def test_a_question_whose_visitor_left_is_not_embedded() -> None:
    embedder = GatedEmbedder()
    lanes = QueryLanes(embedder)
    (first,) = await holding(lanes, embedder, "hold")
    gone = asyncio.ensure_future(lanes.embed(["gone"]))
    kept = asyncio.ensure_future(lanes.embed(["kept"]))
    await asyncio.sleep(0)
    gone.cancel()
    embedder.gate.set()
    await asyncio.gather(first, kept)
    assert embedder.calls == [["hold"], ["kept"]]


async def test_an_idle_lane_ends_and_the_next_question_starts_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(query_lanes, "IDLE_SECONDS", 0.05)
    embedder = GatedEmbedder()
    embedder.gate.set()
    lanes = QueryLanes(embedder)
    await lanes.embed(["one"])
    lane = embedder.cores[0][0]
    lane.join(5)
    assert not lane.is_alive()
    assert (await lanes.embed(["two"])).shape == (1, 3)
    assert len(embedder.cores) == 2  # a lane anew


async def test_the_bundled_model_gives_the_same_vectors_in_lanes_as_alone(
    embedder: Embedder,
) -> None:
    questions = [
        "Où en est ma commande 12345 ?",
        "Can I return a book I bought last week?",
        "¿Cuánto tarda el envío a Sevilla?",
        "هل يمكنني إرجاع المنتج؟",
        "bghit nrje3 l commande dyali",
        "Quels sont vos horaires ?",
    ]
    alone = embedder.embed_queries(questions)  # this thread: every core, one call
    together = await asyncio.gather(*(embed_query(embedder, q) for q in questions))
    assert np.array_equal(np.stack(together), alone)


def test_the_bundled_model_computes_on_as_many_cores_as_it_is_told(embedder: Embedder) -> None:
    lib = embedder._model._lib  # type: ignore[attr-defined]
    seen: list[int] = []

    def lane() -> None:
        embedder.use_cores(1)  # type: ignore[attr-defined]
        seen.append(lib.omp_get_max_threads())
        embedder.use_cores(2)  # type: ignore[attr-defined]
        seen.append(lib.omp_get_max_threads())

    thread = threading.Thread(target=lane)
    thread.start()
    thread.join(10)
    assert seen == [1, 2]
    assert embedder.query_lanes >= 1  # type: ignore[attr-defined]


async def test_too_few_vectors_fail_those_questions_only() -> None:
    class Short(GatedEmbedder):
        def embed_queries(self, texts: list[str]) -> Vectors:
            rows = super().embed_queries(texts)
            return rows[:-1] if "short" in texts else rows

    embedder = Short()
    lanes = QueryLanes(embedder)
    with pytest.raises(RuntimeError, match="gave 0 vectors for 1 texts"):
        await lanes.embed(["short"])
    assert (await lanes.embed(["fine"])).shape == (1, 3)  # the lane is still there


async def test_a_lane_that_breaks_hands_its_questions_to_another(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BreaksOnce(GatedEmbedder):
        broke = False

        def use_cores(self, cores: int) -> None:
            if not self.broke:
                self.broke = True
                raise SystemExit("the lane's set-up failed")  # not an Exception
            super().use_cores(cores)

    embedder = BreaksOnce()
    embedder.gate.set()
    lanes = QueryLanes(embedder)
    async with asyncio.timeout(5):
        assert (await lanes.embed(["still answered"])).shape == (1, 3)
    assert embedder.calls == [["still answered"]]
    assert "lane broke off" in caplog.text


async def test_a_model_that_refuses_every_core_gets_one_core_per_lane_from_then_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class RefusesTwoCores(GatedEmbedder):
        def use_cores(self, cores: int) -> None:
            if cores > 1:
                raise SystemExit("the model refused the core setting")
            super().use_cores(cores)

    embedder = RefusesTwoCores(lanes=2)
    embedder.gate.set()
    lanes = QueryLanes(embedder)
    async with asyncio.timeout(5):
        # Handed back by the lane that broke off, and taken up by another.
        assert (await lanes.embed(["still answered"])).shape == (1, 3)
        assert (await lanes.embed(["alone again"])).shape == (1, 3)
    assert embedder.calls == [["still answered"], ["alone again"]]
    assert embedder.calls_cores == [1, 1]
    assert caplog.text.count("lane broke off") == 1


async def test_a_model_call_that_stops_its_lane_fails_its_questions_not_the_next_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class StopsOnce(GatedEmbedder):
        def embed_queries(self, texts: list[str]) -> Vectors:
            if texts == ["stop"]:
                raise SystemExit("the model's thread was told to stop")
            return super().embed_queries(texts)

    embedder = StopsOnce(lanes=2)
    lanes = QueryLanes(embedder)
    async with asyncio.timeout(5):
        with pytest.raises(RuntimeError, match="query embedding stopped"):
            await lanes.embed(["stop"])
        assert (await lanes.embed(["next"])).shape == (1, 3)

    def logged() -> bool:  # as the lane ends, just after its questions are settled
        deadline = time.monotonic() + 5
        while "lane broke off" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        return "lane broke off" in caplog.text

    assert await asyncio.to_thread(logged)


async def test_a_lane_held_back_by_a_call_on_every_core_does_not_end_as_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(query_lanes, "IDLE_SECONDS", 0.02)
    embedder, lanes, alone, pair = await behind_a_call_on_every_core("pair 0", "pair 1")
    await asyncio.sleep(0.2)  # ten idle periods of the lane waiting behind "hold"
    embedder.gate.set()
    # The pair can only end side by side: both lanes must still be there.
    async with asyncio.timeout(5):
        await asyncio.gather(alone, *pair)
    assert sorted(embedder.calls[1:]) == [["pair 0"], ["pair 1"]]
