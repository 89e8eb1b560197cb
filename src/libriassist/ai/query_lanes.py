"""Visitors' questions for a model that computes on this machine's CPU, in arrival order.

A few threads ("lanes") take the questions first come, first served; a lane that frees
up takes its share of the questions then waiting (up to ``MAX_TEXTS`` texts) in one call
to the model, which costs less per text than one call each and gives the same vectors.

How many lanes an embedder gets is its ``query_lanes`` (1 when it does not say). One that
has ``use_cores(n)`` is told how many cores each call computes on:

- several questions at once: one core per lane. The bundled model runs one lane per core:
  ten questions at once are then embedded about half as fast again on two cores as one
  call at a time spread over both, whose threads wait for each other at each of the
  model's steps and spin meanwhile, taking the core the event loop's thread needs;
- a question alone (no other lane computing, none waiting): as many cores as there are
  lanes (every core, by default), and the questions that come meanwhile wait for that
  call rather than start a lane beside it (more model threads than cores would spin
  against each other). On two cores this takes a lone quoted answer from about 53 to
  33 ms in the answering bench, and leaves the figures at ten streams as they were. A
  model that refuses that setting once computes on one core per lane from then on.
"""

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

log = logging.getLogger("libriassist.ai")

# The most texts one call takes: a call's time grows with its texts, and the first
# question of a batch waits for all of them.
MAX_TEXTS = 16
# A lane with nothing to do for this long ends; the next question starts one again.
IDLE_SECONDS = 60.0


@dataclass
class _Question:
    texts: list[str]
    loop: asyncio.AbstractEventLoop
    future: "asyncio.Future[Vectors]" = field(repr=False)


_Answer = tuple[_Question, Vectors | None, BaseException | None]  # vectors or error


class QueryLanes:
    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._use_cores = getattr(embedder, "use_cores", None)  # None: it has no such setting
        self._waiting: deque[_Question] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._started = 0  # lanes start with the questions and end when idle
        self._busy = 0  # lanes computing
        self._wide = False  # a lane computes on every core: the others wait for it
        self._wide_refused = False  # the model refused the setting: one core per lane

    @property
    def _lanes(self) -> int:
        return max(1, int(getattr(self._embedder, "query_lanes", 1)))

    async def embed(self, texts: list[str]) -> Vectors:
        """One row per text, as ``embedder.embed_queries(texts)`` gives them."""
        loop = asyncio.get_running_loop()
        question = _Question(list(texts), loop, loop.create_future())
        with self._ready:
            self._waiting.append(question)
            try:
                self._start_lane_if_short()
            except BaseException:
                self._waiting.remove(question)  # no lane to take it: say so now
                raise
            self._ready.notify()
        return await question.future

    def _start_lane_if_short(self) -> None:
        """Under ``_ready``: one more lane when fewer run than the embedder may have."""
        if self._started < self._lanes:
            threading.Thread(target=self._lane, name="query-lane", daemon=True).start()
            self._started += 1

    def _lane(self) -> None:
        idle = False
        try:
            cores = 1
            if self._use_cores is not None:
                self._use_cores(cores)
            while (taken := self._next_batch()) is not None:
                batch, wide = taken
                if batch:
                    cores = self._compute(batch, wide, cores)
            idle = True  # _next_batch gave its place up
        except BaseException:
            log.exception("a query-embedding lane broke off; another takes its questions")
        finally:
            if not idle:
                # Something escaped the lane: give its place up, and let another take
                # the questions still waiting rather than leave them waiting for ever.
                with self._ready:
                    self._started -= 1
                    if self._waiting:
                        self._start_lane_if_short()

    def _next_batch(self) -> tuple[list[_Question], bool] | None:
        """The questions to embed next, and whether on every core; None when this lane
        has been idle long enough."""
        with self._ready:
            while not (self._waiting and not self._wide):
                # Idle means nothing waiting, not held back behind a call on every core.
                if not self._ready.wait(IDLE_SECONDS) and not self._waiting:
                    self._started -= 1
                    return None
            batch: list[_Question] = []
            texts = 0
            # This lane's share of what waits: the other lanes take the rest as they free
            # up, rather than wait idle while one lane works through them all.
            share = -(-len(self._waiting) // self._lanes)
            while self._waiting and len(batch) < share:
                question = self._waiting[0]
                if question.future.cancelled():  # the visitor left meanwhile
                    self._waiting.popleft()
                    continue
                if batch and texts + len(question.texts) > MAX_TEXTS:
                    break
                self._waiting.popleft()
                batch.append(question)
                texts += len(question.texts)
            wide = False
            if batch:
                self._busy += 1
                wide = self._busy == 1 and not self._waiting and self._can_go_wide
                self._wide = wide
            return batch, wide

    @property
    def _can_go_wide(self) -> bool:
        return self._lanes > 1 and self._use_cores is not None and not self._wide_refused

    def _compute(self, batch: list[_Question], wide: bool, cores: int) -> int:
        """Embeds the batch on every core (``wide``) or on one; returns the lane's cores."""
        answers: list[_Answer] = []
        try:
            wanted = self._lanes if wide else 1
            if wanted != cores and self._use_cores is not None:
                try:
                    self._use_cores(wanted)
                except BaseException:
                    with self._ready:  # another lane takes them (see _lane), on one core
                        self._wide_refused = self._wide_refused or wide
                        self._waiting.extendleft(reversed(batch))
                    raise
                cores = wanted
            try:
                answers = self._answer(batch)
            except BaseException as stop:  # not an Exception: the lane stops (see _lane)
                answers = [
                    (q, None, RuntimeError(f"query embedding stopped: {stop!r}")) for q in batch
                ]
                raise
        finally:
            with self._ready:
                self._busy -= 1
                if wide:
                    self._wide = False
                self._ready.notify_all()
            # Only now: a visitor who asks again at once finds this lane free.
            for question, rows, error in answers:
                _settle(question, rows, error)
        return cores

    def _answer(self, batch: list[_Question]) -> list[_Answer]:
        texts = [t for q in batch for t in q.texts]
        try:
            vectors = np.asarray(self._embedder.embed_queries(texts), dtype=np.float32)
            if vectors.ndim != 2 or len(vectors) != len(texts):
                raise RuntimeError(
                    f"the embedder gave {vectors.shape[0] if vectors.ndim else 0} vectors "
                    f"for {len(texts)} texts"
                )
        except Exception as error:
            if len(batch) > 1:
                # One question the model refuses must not fail the others: alone, each
                # gets its own vectors or its own error.
                return [answer for question in batch for answer in self._answer([question])]
            return [(batch[0], None, error)]
        answers: list[_Answer] = []
        start = 0
        for question in batch:
            end = start + len(question.texts)
            answers.append((question, vectors[start:end], None))
            start = end
        return answers


def _settle(question: _Question, rows: Vectors | None, error: BaseException | None) -> None:
    def settle() -> None:
        if question.future.done():  # cancelled while it was being embedded
            return
        if error is not None:
            question.future.set_exception(error)
        else:
            question.future.set_result(rows)  # type: ignore[arg-type]

    with contextlib.suppress(RuntimeError):  # its event loop is closed: nobody waits
        question.loop.call_soon_threadsafe(settle)
