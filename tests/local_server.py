"""An ASGI app served by uvicorn on a free loopback port, in a thread of its own.

For the test doubles that stand in for servers we do not own (a hosted LLM, a shop's
key server): the product reaches them over a real socket, as it would in production.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(
    app: Any,
    *,
    log_level: str = "critical",
    timeout_graceful_shutdown: int = 1,
    start_timeout: float = 10,
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL (``http://127.0.0.1:PORT``).

    ``log_level`` "critical" by default: a scripted mid-stream death is not worth a
    traceback in the test log.
    """
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the local server on port {port} stopped before it started")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(
                f"the local server on port {port} did not start in {start_timeout} s"
            )
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
