"""The demo, as a visitor sees it: real server process, real headless Chromium."""

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

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``libriassist demo`` exactly as the README runs it, on a free port."""
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("demo-data")
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("LIBRIASSIST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def ask(page: Page, question: str) -> str:
    page.locator('[data-la="input"]').fill(question)
    page.keyboard.press("Enter")
    reply = page.locator('[data-la="message"][data-role="assistant"]:not([data-greeting])').last
    expect(reply).to_have_attribute("data-state", "done", timeout=30_000)
    return reply.inner_text()


def test_demo_shop_answers_delivery_question_in_french(demo_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()
    answer = ask(page, "Quels sont les délais de livraison ?")
    assert "jours ouvrés" in answer
    expect(page.locator('[data-la="sources"] a').first).to_have_attribute(
        "href", "https://papyrus.example/livraison#delais"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-papyrus-desktop.png"))

    page.reload()
    page.locator('[data-la="launcher"]').click()
    history = page.locator('[data-la="message"][data-role="visitor"]')
    expect(history.first).to_have_text("Quels sont les délais de livraison ?", timeout=10_000)
    page.close()


def test_darija_shop_answers_in_darija_right_to_left(demo_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{demo_server}/demo/dar-argan")
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_be_visible()
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"
    answer = ask(page, "شحال كياخد التوصيل لكازا؟")
    assert "48" in answer
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-dar-argan-mobile.png"))
    page.close()


def test_widget_script_fits_its_size_budget() -> None:
    import gzip

    source = (ROOT / "src" / "libriassist" / "widget" / "static" / "widget.js").read_bytes()
    assert len(gzip.compress(source, compresslevel=9)) <= 30 * 1024
