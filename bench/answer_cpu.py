"""CPU per answer, in-process: what one warm chat request costs the server, step by step.

    PYTHONPATH=src:. .venv/bin/python bench/answer_cpu.py [--requests 400] [--cprofile]
    PYTHONPATH=src:. .venv/bin/python bench/answer_cpu.py --data-dir /tmp/kb  # keep the KB

The knowledge base is the one ``bench/answering_speed.py`` builds (two tenants of 10,000
chunks: one answers with the model, the other quotes); with ``--data-dir`` it is built
once and reused. The app is the product's own (``create_app``), called through ASGI in
this process, one request at a time, with a fake model (``bench/paced_llm.py``, first
token at once) in a subprocess. Every question has been asked once before the clock
starts: the query cache is warm, as in the answering bench's warm points.

It prints the CPU time of the event loop's thread and of the whole process per answer
(the median of five rounds), for the quoted and the model reply; with ``--burst N``, also
how long the first ``delta`` takes when N questions arrive at once (the answering bench's
10-stream p95 is decided by such bursts). A quick way to tell
whether a change to the answering path makes a warm answer cheaper: the answering
bench's 10-stream figures are mostly this number times ten, plus the machine's noise.
"""

import argparse
import asyncio
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answering_speed import (
    LLM_TENANT,
    ORIGIN,
    QUOTE_TENANT,
    Keys,
    fake_model,
    knowledge_base,
    percentile,
)


class Call:
    """One request to an ASGI app, without a network or an HTTP client in between."""

    def __init__(self, app: Any, path: str, headers: dict[str, str], body: bytes) -> None:
        self.app = app
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
            + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        self.body = body

    async def __call__(self) -> bytes:
        sent = False
        chunks: list[bytes] = []
        finished = asyncio.Event()
        self.first_delta: float | None = None

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] != 200:
                raise RuntimeError(f"HTTP {message['status']}")
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if self.first_delta is None and b"event: delta" in chunks[-1]:
                    self.first_delta = time.perf_counter()
                if not message.get("more_body"):
                    finished.set()

        await self.app(dict(self.scope), receive, send)
        reply = b"".join(chunks)
        if b"event: done" not in reply:
            raise RuntimeError(f"no done event: {reply[-300:]!r}")
        return reply


async def measure(args: argparse.Namespace, data_dir: Path, keys: Any, model_url: str) -> None:
    from threadpoolctl import threadpool_limits

    from libriassist.config import Settings
    from libriassist.main import create_app

    settings = Settings(
        data_dir=data_dir,
        llm_base_url=model_url + "/v1",
        llm_model="fake",
        embedding_query_cache_size=2048,
        migrate_on_start=False,
        rate_limit_chat_per_session="",
        rate_limit_chat_per_ip="",
        rate_limit_chat_per_tenant="",
        log_level="WARNING",
    )
    app = create_app(settings)
    threadpool_limits(1, user_api="blas")
    async with app.router.lifespan_context(app):
        calls = {}
        kinds = ((QUOTE_TENANT, "quoted reply"), (LLM_TENANT, "model reply"))
        for tenant, label in kinds if args.only is None else [kinds[args.only == "model"]]:
            headers = {
                "X-API-Key": keys.keys[tenant],
                "Origin": ORIGIN,
                "Accept": "text/event-stream",
                "Content-Type": "application/json",
            }
            calls[label] = [
                Call(
                    app,
                    "/api/v1/chat",
                    headers,
                    json.dumps({"message": q, "language": "fr"}).encode(),
                )
                for q in keys.questions
            ]
            for call in calls[label]:  # every question once: the caches are warm
                await call()
        for label, batch in calls.items():
            await cpu_per_answer(label, batch, args.requests)
        if args.burst:
            for label, batch in calls.items():
                await bursts(label, batch, args.requests, args.burst)
        if args.cprofile:
            for label, batch in calls.items():
                await profile(label, batch, args.requests, args.top)


async def cpu_per_answer(label: str, batch: list[Call], requests: int) -> None:
    """The median of five rounds of one answer after another."""
    count = requests // 5
    rounds = []
    for _ in range(5):
        thread0, process0, wall0 = time.thread_time(), time.process_time(), time.time()
        for n in range(count):
            await batch[n % len(batch)]()
        rounds.append(
            (
                (time.thread_time() - thread0) / count * 1000,
                (time.process_time() - process0) / count * 1000,
                (time.time() - wall0) / count * 1000,
            )
        )
    thread, process, wall = (statistics.median(r[i] for r in rounds) for i in range(3))
    spread = f"{min(r[0] for r in rounds):.2f}–{max(r[0] for r in rounds):.2f}"
    print(
        f"{label:13}: {thread:5.2f} ms event loop ({spread}), {process:5.2f} ms process,"
        f" {wall:5.2f} ms wall per answer",
        flush=True,
    )


async def bursts(label: str, batch: list[Call], requests: int, size: int) -> None:
    """``size`` distinct questions at once (a Call notes its own first delta), again and
    again: how long their first deltas take."""
    waits: list[float] = []
    for round_ in range(requests // size):
        group = [batch[(round_ * size + i) % len(batch)] for i in range(size)]
        started = time.perf_counter()
        await asyncio.gather(*(c() for c in group))
        waits += [((c.first_delta or started) - started) * 1000 for c in group]
    p50, p95 = percentile(waits, 50), percentile(waits, 95)
    print(
        f"{label:13}: bursts of {size}, first delta after p50 {p50:5.1f} ms, p95 {p95:5.1f} ms",
        flush=True,
    )


async def profile(label: str, batch: list[Call], requests: int, top: int) -> None:
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for n in range(requests):
        await batch[n % len(batch)]()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\n{label}: functions by own CPU time, {requests} answers")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="answers per kind")
    parser.add_argument("--burst", type=int, default=0, help="then bursts of this many")
    parser.add_argument("--cprofile", action="store_true", help="then profile each kind")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --cprofile")
    parser.add_argument("--only", choices=("quoted", "model"), help="one kind of reply")
    parser.add_argument("--data-dir", type=Path, help="where the KB is kept between runs")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="answer-cpu-"))
    keys_file = args.data_dir / "keys.json" if args.data_dir else None

    async def run() -> None:
        if keys_file is not None and keys_file.exists():
            data_dir = args.data_dir / "data"
            keys = Keys(**json.loads(keys_file.read_text()))
        else:
            if args.data_dir is not None:
                args.data_dir.mkdir(parents=True, exist_ok=True)
            data_dir, _, keys = await knowledge_base(args.data_dir or workdir)
            if keys_file is not None:
                keys_file.write_text(json.dumps({"keys": keys.keys, "questions": keys.questions}))
        with fake_model(workdir, chunks=3) as model:
            await measure(args, data_dir, keys, model.url)

    # The fake model starts its first token at once: only the platform's CPU is measured.
    import bench.answering_speed as speed

    speed.FIRST_TOKEN, speed.INTERVAL = 0.0, 0.0
    asyncio.run(run())
    print(f"(python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
