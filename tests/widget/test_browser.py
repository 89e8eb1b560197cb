"""The demo, as a visitor sees it: real server process, real headless Chromium."""

import pytest
from playwright.sync_api import Browser, expect

from tests.widget.conftest import ARTIFACTS, ROOT, ask

pytestmark = pytest.mark.browser


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
