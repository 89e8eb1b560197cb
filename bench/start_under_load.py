"""A server that starts under load: how long the first questions wait, and the pauses of
its full garbage collections while it answers.

    PYTHONPATH=src:. .venv/bin/python bench/start_under_load.py [--questions 3000] [--streams 10]

The product is the demo (``libriassist demo``: three tenants, SQLite, the bundled model, no
LLM), set up first in a temporary data dir, then started again and sent questions the
moment it answers ``/healthz``: ``--streams`` at a time, ``--questions`` in all, each one
never asked before (a number is added), spread over the three tenants. Quoted answers:
the whole answer is the time measured. The abuse limits are switched off (one client on
one address).

Full collections are logged inside the server by a ``sitecustomize`` module this script
puts on the server's ``PYTHONPATH`` (nothing under ``src/`` changes): each one's duration
while the questions were being answered. To compare with another version of the code, put
its ``src`` first on ``PYTHONPATH``.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench.answering_speed import ROOT, free_port, percentile, process

QUESTIONS = [
    "Quels sont vos délais de livraison ?",
    "Comment retourner un article ?",
    "Livrez-vous au Maroc ?",
    "How do I return an item?",
    "Do you ship abroad?",
    "¿Cuánto tarda el envío?",
    "واش كاتوصلو لكازا؟",
    "wach kayn livraison l rabat?",
]

GC_PROBE = """
import gc, os, time
_log = open(os.environ["BENCH_GC_LOG"], "a", buffering=1)
_start = []
def _collected(phase, info):
    if phase == "start":
        _start.append(time.perf_counter())
    elif _start:
        ms = (time.perf_counter() - _start.pop()) * 1000
        if info["generation"] == 2:
            _log.write(f"{time.monotonic():.4f} {ms:.2f}\\n")
gc.callbacks.append(_collected)
"""


async def ask_all(url: str, keys: list[str], count: int, streams: int) -> list[float]:
    """Each question's time to its whole (quoted) answer, in ms, in the order they began."""
    times: list[float] = [0.0] * count
    gate = asyncio.Semaphore(streams)
    limits = httpx.Limits(max_connections=streams)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            question = f"{random.choice(QUESTIONS)} {i}"
            headers = {"X-API-Key": keys[i % len(keys)], "Accept": "application/json"}
            async with gate:
                start = time.perf_counter()
                reply = await client.post(
                    "/api/v1/chat", json={"message": question}, headers=headers
                )
                times[i] = (time.perf_counter() - start) * 1000
            if reply.status_code != 200:
                raise RuntimeError(f"HTTP {reply.status_code}: {reply.text[:200]}")

        await asyncio.gather(*(one(i) for i in range(count)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--streams", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="start-under-load-") as tmp:
        workdir = Path(tmp)
        probe = workdir / "probe"
        probe.mkdir()
        (probe / "sitecustomize.py").write_text(GC_PROBE, encoding="utf-8")
        gc_log = workdir / "gc.log"
        path = os.pathsep.join([os.environ.get("PYTHONPATH", ""), str(ROOT), str(probe)])
        env = {
            "LIBRIASSIST_DATA_DIR": str(workdir / "data"),
            "LIBRIASSIST_RATE_LIMIT_CHAT_PER_SESSION": "",
            "LIBRIASSIST_RATE_LIMIT_CHAT_PER_IP": "",
            "LIBRIASSIST_RATE_LIMIT_CHAT_PER_TENANT": "",
            "PYTHONPATH": path,
            "BENCH_GC_LOG": str(gc_log),
        }
        demo = [sys.executable, "-m", "libriassist", "demo"]
        print("setting the demo up (embeds its knowledge bases)…", flush=True)
        with (workdir / "setup.log").open("wb") as log:
            setup = subprocess.run(
                [*demo, "--setup-only"],
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if setup.returncode != 0:
            raise SystemExit(f"the demo set-up failed: {(workdir / 'setup.log').read_text()}")
        keys_file = workdir / "data" / "demo-keys.json"
        keys = [k["publishable_key"] for k in json.loads(keys_file.read_text()).values()]
        port = free_port()
        with process(
            "demo", [*demo, "--port", str(port)], port, env, workdir, "/healthz"
        ) as demo_server:
            begun = time.monotonic()
            started = time.perf_counter()
            times = asyncio.run(ask_all(demo_server.url, keys, args.questions, args.streams))
            seconds = time.perf_counter() - started
            ended = time.monotonic()
        pauses = []
        if gc_log.exists():
            for line in gc_log.read_text().splitlines():
                at, ms = (float(x) for x in line.split())
                if begun <= at <= ended:
                    pauses.append(ms)
    first = times[: args.streams * 3]
    ordered = sorted(times)
    print(
        f"{args.questions} never-seen questions, {args.streams} at a time, from the start: "
        f"{args.questions / seconds:.0f} answers/s"
    )
    print(
        f"  first {len(first)} questions: slowest {max(first):.0f} ms, "
        f"median {percentile(sorted(first), 50):.0f} ms"
    )
    print(
        f"  all: p50 {percentile(ordered, 50):.0f} ms, p99 {percentile(ordered, 99):.0f} ms, "
        f"slowest {ordered[-1]:.0f} ms"
    )
    listed = ", ".join(f"{ms:.0f}" for ms in pauses) or "none"
    print(f"  full collections while answering: {len(pauses)} ({listed} ms)")


if __name__ == "__main__":
    main()
