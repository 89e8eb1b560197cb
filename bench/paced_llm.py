"""The test suite's fake OpenAI-compatible model (``tests/fake_llm.py``), paced like a real
one, whose first chunk says when the request reached it and when that chunk left.

    python -m bench.paced_llm --port 8099 --first-token 0.3 --interval 0.025 --chunks 200

The first piece of every reply starts with ``⟦RECEIVED SENT⟧``: two ``time.monotonic()``
readings (CLOCK_MONOTONIC, one clock for every process of the machine) taken when the
handler got the request and just before the first chunk was handed to the server. A client
that notes when it sent its question and when the first piece reached it can then split
its wait into the model's own time (SENT - RECEIVED) and everybody else's.
"""

import argparse
import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from tests.fake_llm import FakeLLM, Seen, Turn, _chunk, _sse

STAMP = re.compile(r"⟦(\d+\.\d+) (\d+\.\d+)⟧")
RECEIVED = "_bench_received"


def read_stamp(text: str) -> tuple[float, float] | None:
    """(received, sent) from a reply's first piece, or None when it carries no stamp."""
    found = STAMP.search(text)
    return (float(found.group(1)), float(found.group(2))) if found else None


class PacedLLM(FakeLLM):
    """Plays ``default`` for every request (kind "ok" only), stamping the first chunk."""

    async def _complete(self, request: Request) -> Response:
        received = time.monotonic()
        body = await request.json()  # Starlette keeps the parsed body: the parent reads it
        body[RECEIVED] = received
        return await super()._complete(request)

    async def _stream(
        self, turn: Turn, body: dict[str, Any], pieces: list[str], seen: Seen
    ) -> AsyncIterator[bytes]:
        received = float(body.pop(RECEIVED))
        await asyncio.sleep(turn.first_token)
        for i, piece in enumerate(pieces):
            if i:
                await asyncio.sleep(turn.interval)
            else:
                piece = f"⟦{received:.6f} {time.monotonic():.6f}⟧ {piece}"
            yield _sse(_chunk(body, {"content": piece}))
        yield _sse(_chunk(body, {}, finish="stop"))
        if body.get("stream_options", {}).get("include_usage"):
            usage = {"prompt_tokens": 500, "completion_tokens": len(pieces), "total_tokens": 0}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            yield _sse({**_chunk(body, None), "choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--first-token", type=float, default=0.3)
    parser.add_argument("--interval", type=float, default=0.025)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    words = " ".join(f"mot{i}" for i in range(args.chunks))
    turn = Turn(
        text=words, chunks=args.chunks, first_token=args.first_token, interval=args.interval
    )
    # The recorded requests are not needed here; keep memory flat over long runs.
    fake = PacedLLM(default=turn, seen=_Forgetful())
    # Hosted APIs keep idle connections open for a minute or more; uvicorn's default of
    # 5 s would make clients retry on connections it closed between two replies.
    uvicorn.run(
        fake.app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        timeout_keep_alive=75,
    )


class _Forgetful(list[Seen]):
    def append(self, item: Seen) -> None:
        pass


if __name__ == "__main__":
    main()
