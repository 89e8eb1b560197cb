"""A shop's key server on loopback: serves ``/jwks.json`` from a list the test edits,
counts the requests it gets, and can be told to fail."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_llm import free_port


@dataclass
class JwksServer:
    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    raw_body: bytes | None = None  # sent instead of the key set
    cache_control: str | None = None
    hits: int = 0
    base: str = ""

    @property
    def url(self) -> str:
        return f"{self.base}/jwks.json"

    def reset(self) -> None:
        self.keys, self.status, self.raw_body, self.cache_control = [], 200, None, None
        self.hits = 0

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/jwks.json", self._serve)])

    async def _serve(self, request: Request) -> Response:
        self.hits += 1
        headers = {"cache-control": self.cache_control} if self.cache_control else {}
        if self.raw_body is not None:
            return Response(self.raw_body, self.status, headers, media_type="application/json")
        return JSONResponse({"keys": self.keys}, self.status, headers)


@contextmanager
def running(server: JwksServer) -> Iterator[JwksServer]:
    port = free_port()
    config = uvicorn.Config(
        server.app(), host="127.0.0.1", port=port, log_level="critical", timeout_graceful_shutdown=1
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the JWKS server did not start")
        time.sleep(0.01)
    server.base = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
