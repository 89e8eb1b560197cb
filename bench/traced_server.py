"""``libriassist serve`` with a stopwatch: when each step of every chat request happened.

    LIBRIASSIST_BENCH_TIMELINE=timeline.jsonl python -m bench.traced_server --port 8000
    python -m bench.traced_server --port 8000 --cprofile server.prof

Runs the product's own app (``libriassist.main:app_factory``), one worker, as ``serve``
does, after wrapping a few of its functions in place (nothing under ``src/`` changes):
each chat request then writes one JSON line of milliseconds since it reached the app,
``{"at": monotonic, "steps": {"accept (store question)": [[start, end]], ...}}`` (a step
that runs twice in a request, like the tenant row, has two pairs), and a watchdog writes
how late the event loop wakes up (``{"lag": ms, "at": monotonic}``) every 50 ms.

With ``--cprofile`` the app runs unwrapped and the event loop's thread is profiled by its
CPU time (``time.thread_time``: time the thread waits for a core, or for the GIL, is not
counted) between SIGUSR1 (start) and SIGUSR2 (stop and write the file).
"""

import argparse
import asyncio
import cProfile
import functools
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Steps = dict[str, list[list[float]]]
_steps: ContextVar[tuple[float, Steps] | None] = ContextVar("bench_steps", default=None)


def _mark(name: str, start: float, end: float | None = None) -> None:
    current = _steps.get()
    if current is None:
        return
    origin, steps = current
    run = [round((start - origin) * 1000, 3), round(((end or start) - origin) * 1000, 3)]
    steps.setdefault(name, []).append(run)


def timed(owner: Any, attribute: str, name: str) -> None:
    """Wrap the coroutine function ``owner.attribute`` to record its start and end."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return await original(*args, **kwargs)
        finally:
            _mark(name, start, time.monotonic())

    setattr(owner, attribute, wrapper)


def timed_sync(owner: Any, attribute: str, name: str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            _mark(name, start, time.monotonic())

    setattr(owner, attribute, wrapper)


def first_item(owner: Any, attribute: str, name: str, keep: Callable[[Any], bool]) -> None:
    """Wrap the async generator function ``owner.attribute``: record from its start to
    the first item ``keep`` accepts."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        start = time.monotonic()
        seen = False
        async for item in original(*args, **kwargs):
            if not seen and keep(item):
                seen = True
                _mark(name, start, time.monotonic())
            yield item

    setattr(owner, attribute, wrapper)


def instrument() -> None:
    """Wrap the steps of a chat request, where its callers look them up."""
    import openai.resources.chat.completions.completions as completions

    from libriassist.ai import llm
    from libriassist.chat import service as chat_service
    from libriassist.knowledge import index, lexical
    from libriassist.knowledge import service as knowledge_service
    from libriassist.tenants import service as tenants_service

    timed(tenants_service, "resolve_key", "auth: key lookup")
    timed(chat_service, "accept_message", "accept (store question)")
    timed(tenants_service, "get_tenant", "tenant row")
    timed(chat_service, "_model_for", "reply: model settings")
    timed(chat_service, "_history", "reply: history")
    timed(chat_service, "load_pins", "reply: curated pins")
    timed(knowledge_service, "search", "search (all)")
    timed(knowledge_service, "load_index", "search: kb revision + index")
    timed(knowledge_service, "embed_query", "search: query embedding")
    timed_sync(index.TenantIndex, "rank", "search: rank")
    timed_sync(lexical.LexicalIndex, "scores", "search: rank: BM25")
    timed(knowledge_service, "_chance", "search: baseline")
    timed(completions.AsyncCompletions, "create", "model: request → headers")
    first_item(llm.ReplyStream, "_run", "model: call → first piece", lambda _: True)
    first_item(
        chat_service, "reply_events", "reply: start → first delta", lambda e: e.name == "delta"
    )
    timed(chat_service, "_close_reply", "close (store reply)")


class Stopwatch:
    """Outermost ASGI layer: starts each request's clock, notes the response's first
    bytes and its first delta, writes the line when the request ends."""

    def __init__(self, app: ASGIApp, out: TextIO) -> None:
        self.app = app
        self.out = out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            asyncio.get_running_loop().create_task(self._watch_loop())
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http" or scope["path"] != "/api/v1/chat":
            await self.app(scope, receive, send)
            return
        origin = time.monotonic()
        steps: Steps = {}
        token = _steps.set((origin, steps))

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                _mark("response headers", time.monotonic())
            elif message["type"] == "http.response.body" and b"event: delta" in message.get(
                "body", b""
            ):
                _mark("first delta sent", time.monotonic())
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            _mark("end", time.monotonic())
            _steps.reset(token)
            self.out.write(json.dumps({"at": origin, "steps": steps}) + "\n")

    async def _watch_loop(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.05)
            lag = (time.monotonic() - before - 0.05) * 1000
            self.out.write(json.dumps({"lag": round(lag, 2), "at": before}) + "\n")


def profile_on_signals(path: Path) -> None:
    profiler = cProfile.Profile(time.thread_time)

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        profiler.dump_stats(path)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--cprofile", type=Path, help="profile between SIGUSR1 and SIGUSR2")
    args = parser.parse_args()
    from libriassist.main import app_factory

    app: ASGIApp = app_factory()
    if args.cprofile:
        profile_on_signals(args.cprofile)
    else:
        instrument()
        out = open(os.environ["LIBRIASSIST_BENCH_TIMELINE"], "a", buffering=1)  # noqa: SIM115
        app = Stopwatch(app, out)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, proxy_headers=True)


if __name__ == "__main__":
    main()
