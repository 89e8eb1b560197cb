"""A local web server for crawl tests: routes set per test, requests recorded."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.knowledge import samples

HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    body: bytes
    content_type: str = HTML
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0


@dataclass
class Site:
    base: str
    routes: dict[str, Route]
    requests: list[str]
    in_flight: list[int]

    def page(self, path: str, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k) for k in ("status", "headers", "pause") if k in kwargs}
        self.routes[path] = Route(samples.html_page(**kwargs).encode(), **options)

    def sitemap(self, path: str, locations: list[str], index: bool = False) -> None:
        tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
        entries = "".join(f"<{item}><loc>{loc}</loc></{item}>" for loc in locations)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{tag}>'
        )
        self.routes[path] = Route(xml.encode(), "application/xml")

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def site() -> Iterator[Site]:
    routes: dict[str, Route] = {}
    requests: list[str] = []
    in_flight = [0, 0]  # now, highest seen
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                requests.append(self.path)
                in_flight[0] += 1
                in_flight[1] = max(in_flight)
            try:
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                time.sleep(route.pause)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with lock:
                    in_flight[0] -= 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", routes, requests, in_flight)
    finally:
        server.shutdown()
        server.server_close()
