"""A shop's order API on loopback: the contract of docs/integration-orders.md, for real.

A ``ThreadingHTTPServer`` in a thread. It checks each request's bearer token or HMAC
signature the way the docs tell shops to (a request that fails gets 401), answers each
customer's orders, and can be scripted to fail: a status, a slow answer, a raw body.
"""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import unquote

Auth = Literal["bearer", "hmac"]


@dataclass
class Step:
    """One scripted answer instead of the normal one."""

    status: int = 200
    delay: float = 0.0
    body: bytes | None = None  # sent as is


@dataclass
class Seen:
    method: str
    target: str  # path and query, as sent
    customer_id: str | None
    headers: dict[str, str]
    authorised: bool


@dataclass
class ShopAPI:
    auth: Auth = "bearer"
    secret: str = "shop-secret-0123456789"
    orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    script: list[Step] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def reset(self) -> None:
        self.auth, self.secret = "bearer", "shop-secret-0123456789"
        self.orders.clear()
        self.script.clear()
        self.seen.clear()

    def authorised(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bool:
        if self.auth == "bearer":
            return hmac.compare_digest(headers.get("authorization", ""), f"Bearer {self.secret}")
        # What docs/integration-orders.md tells shops to check.
        timestamp = headers.get("x-libriassist-timestamp", "")
        given = headers.get("x-libriassist-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        canonical = "\n".join(
            [timestamp, method, target, hashlib.sha256(body).hexdigest()]
        ).encode()
        expected = "sha256=" + hmac.new(self.secret.encode(), canonical, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given, expected)


@contextmanager
def running(shop: ShopAPI | None = None) -> Iterator[ShopAPI]:
    shop = shop or ShopAPI()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            parts = self.path.split("?")[0].split("/")
            # /api/customers/{id}/orders under the base /api
            customer = (
                unquote(parts[3])
                if len(parts) == 5 and parts[1:3] == ["api", "customers"] and parts[4] == "orders"
                else None
            )
            ok = shop.authorised("GET", self.path, headers, b"")
            with lock:
                shop.seen.append(Seen("GET", self.path, customer, headers, ok))
                step = shop.script.pop(0) if shop.script else None
            if step is not None:
                time.sleep(step.delay)
                if step.body is not None or step.status != 200:
                    self._send(step.status, step.body or b'{"error": "scripted"}')
                    return
            if not ok:
                self._send(401, b'{"error": "unauthorised"}')
            elif customer is None or customer not in shop.orders:
                self._send(404, b'{"error": "unknown customer"}')
            else:
                self._send(200, json.dumps({"orders": shop.orders[customer]}).encode())

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a timeout test): nobody to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    shop.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield shop
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
