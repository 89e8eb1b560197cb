"""A shop's key server on loopback: serves ``/jwks.json`` from a list the test edits,
counts the requests it gets, and can be told to fail."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.local_server import serving


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
    with serving(server.app()) as base:
        server.base = base
        yield server
