"""Fixtures for the widget tests: the demo server as a process and headless Chromium."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from libriassist.demo.service import read_keys

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="package")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="package")
def demo_server(demo_data_dir: Path) -> Iterator[str]:
    """``libriassist demo`` exactly as the README runs it, on a free port."""
    port = _free_port()
    data_dir = demo_data_dir
    env = {**os.environ, "LIBRIASSIST_DATA_DIR": str(data_dir)}
    env.pop("LIBRIASSIST_DATABASE_URL", None)
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "libriassist", "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"demo exited: {(data_dir / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"demo did not start: {(data_dir / 'server.log').read_text()}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="package")
def demo_keys(demo_server: str, demo_data_dir: Path) -> dict[str, dict[str, str]]:
    """Each demo tenant's publishable and secret keys, as the demo wrote them down."""
    return read_keys(demo_data_dir)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("LIBRIASSIST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def ask(page: Page, question: str) -> str:
    replies = page.locator('[data-la="message"][data-role="assistant"]:not([data-greeting])')
    # The new reply, not the last one already there (a second question in a conversation).
    reply = replies.nth(replies.count())
    # The widget takes a new question once the previous reply's stream has closed, which
    # may be a moment after that reply showed as done: until then Enter keeps the text.
    expect(page.locator('[data-la="send"]')).to_be_enabled()
    page.locator('[data-la="input"]').fill(question)
    page.keyboard.press("Enter")
    expect(reply).to_have_attribute("data-state", "done", timeout=30_000)
    return reply.inner_text()
