"""A local server that speaks OpenAI's Chat Completions protocol, streamed or not.

The boundary we do not own (a hosted LLM) replaced at the HTTP level: the product talks
to it with the official SDK over a real socket. Each request takes the next scripted
``Turn`` (then ``default``); every request and every stream the client abandoned are
recorded. Also runs on its own for the benchmarks:

    python -m tests.fake_llm --port 8099 --first-token 0.3 --interval 0.025 --chunks 200
"""

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.local_server import serving

# "wire": an "ok" reply written as some servers write their streams: CRLF line ends,
# comment lines, ``id``/``event`` fields, and a chunk's JSON spread over two ``data`` lines.
# "error_event": an error object in the stream instead of chunks (as some routers do).
Kind = Literal[
    "ok", "status", "hang", "die_after", "stall_after", "malformed", "wire", "error_event"
]


@dataclass
class Turn:
    kind: Kind = "ok"
    # The reply; "{system}" and "{user}" are replaced by the request's first system
    # message and last user message (to play a model that obeys an injection).
    text: str = "Nous livrons en 3 à 5 jours ouvrés [1]."
    chunks: int | None = None  # split the text into this many pieces (default: per word)
    first_token: float = 0.0
    interval: float = 0.0
    usage: bool = True
    status: int = 500
    retry_after: str | None = None
    after: int = 1  # pieces sent before dying / stalling
    thinking: int = 0  # chunks of reasoning (no content) sent first, ``interval`` apart


@dataclass
class Seen:
    body: dict[str, Any]
    headers: dict[str, str]
    finished: bool = False  # the whole stream was sent
    abandoned: bool = False  # the client went away mid-stream


@dataclass
class FakeLLM:
    script: list[Turn] = field(default_factory=list)
    default: Turn = field(default_factory=Turn)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    set_cookie: str | None = None  # a Set-Cookie header on streamed replies, as gateways do

    def next_turn(self) -> Turn:
        return self.script.pop(0) if self.script else self.default

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        seen = Seen(body, dict(request.headers))
        self.seen.append(seen)
        turn = self.next_turn()
        if turn.kind == "status":
            headers = {"retry-after": turn.retry_after} if turn.retry_after else {}
            error = {"error": {"message": f"scripted {turn.status}", "type": "scripted"}}
            return JSONResponse(error, status_code=turn.status, headers=headers)
        if turn.kind == "hang":
            while not await request.is_disconnected():  # noqa: ASYNC110 (no event exists)
                await asyncio.sleep(0.05)
            seen.abandoned = True
            return Response(status_code=499)
        text = _fill(turn.text, body)
        pieces = _split(text, turn.chunks)
        if not body.get("stream"):
            await asyncio.sleep(turn.first_token)
            seen.finished = True
            return JSONResponse(_completion(body, text))
        return StreamingResponse(
            self._stream(turn, body, pieces, seen),
            media_type="text/event-stream",
            headers={"set-cookie": self.set_cookie} if self.set_cookie else None,
        )

    async def _stream(
        self, turn: Turn, body: dict[str, Any], pieces: list[str], seen: Seen
    ) -> AsyncIterator[bytes]:
        try:
            await asyncio.sleep(turn.first_token)
            if turn.kind == "malformed":
                yield b'data: {"id": "x", "choices": [{"delta": {"content": "Hel\n\n'
                yield b"data: not json at all\n\n"
                return
            if turn.kind == "error_event":
                yield b'data: {"error": {"message": "scripted: overloaded", "code": 503}}\n\n'
                return
            for _ in range(turn.thinking):  # as reasoning models stream their thoughts
                yield _sse(_chunk(body, {"content": None, "reasoning_content": "Hmm. "}))
                await asyncio.sleep(turn.interval)
            for i, piece in enumerate(pieces):
                if turn.kind in ("die_after", "stall_after") and i == turn.after:
                    if turn.kind == "stall_after":
                        await asyncio.sleep(3600)
                    raise ConnectionAbortedError("scripted: the model server died mid-stream")
                if i:
                    await asyncio.sleep(turn.interval)
                if turn.kind == "wire":
                    yield _wire(_chunk(body, {"content": piece}), i)
                else:
                    yield _sse(_chunk(body, {"content": piece}))
            yield _sse(_chunk(body, {}, finish="stop"))
            if turn.usage and body.get("stream_options", {}).get("include_usage"):
                prompt = sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4
                usage = {
                    "prompt_tokens": prompt,
                    "completion_tokens": len(pieces),
                    "total_tokens": prompt + len(pieces),
                }
                yield _sse({**_chunk(body, None), "choices": [], "usage": usage})
            yield b"data: [DONE]\n\n"
            seen.finished = True
        except asyncio.CancelledError:
            seen.abandoned = True
            raise


def _wire(chunk: dict[str, Any], number: int) -> bytes:
    head, tail = json.dumps(chunk).split(", ", 1)
    return (
        f": keep-alive {number}\r\n\r\nid: {number}\r\nevent: message\r\n"
        f"data: {head},\r\ndata: {tail}\r\n\r\n"
    ).encode()


def _fill(text: str, body: dict[str, Any]) -> str:
    messages = body.get("messages", [])
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    return text.replace("{system}", system).replace("{user}", user)


def _split(text: str, chunks: int | None) -> list[str]:
    """Pieces that join back into ``text``: one per word, or ``chunks`` groups of words."""
    parts = text.split(" ")
    words = [p + " " for p in parts[:-1]] + [parts[-1]]
    if not chunks or chunks >= len(words):
        return words
    step = len(words) / chunks
    cut = [round(i * step) for i in range(chunks + 1)]
    return ["".join(words[a:b]) for a, b in itertools.pairwise(cut)]


def _chunk(
    body: dict[str, Any], delta: dict[str, Any] | None, finish: str | None = None
) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta or {}, "finish_reason": finish}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [] if delta is None else [choice],
    }


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@contextmanager
def running(fake: FakeLLM | None = None) -> Iterator[FakeLLM]:
    """Serve ``fake`` on a loopback port in a thread of its own; its URL ends in /v1."""
    fake = fake or FakeLLM()
    with serving(fake.app()) as base:
        fake.url = f"{base}/v1"
        yield fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--first-token", type=float, default=0.3)
    parser.add_argument("--interval", type=float, default=0.025)
    parser.add_argument("--chunks", type=int, default=200)
    args = parser.parse_args()
    words = " ".join(f"mot{i}" for i in range(args.chunks))
    fake = FakeLLM(
        default=Turn(
            text=words, chunks=args.chunks, first_token=args.first_token, interval=args.interval
        )
    )
    uvicorn.run(fake.app(), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
