"""The demo, as a visitor sees it: real server process, real headless Chromium."""

import json

import pytest
from playwright.sync_api import Browser, Route, expect

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


def test_the_only_global_the_widget_defines_is_libriassist(
    demo_server: str, browser: Browser, demo_keys: dict[str, dict[str, str]]
) -> None:
    # A bare page of the demo's own origin (allowed for the demo tenants): anything new on
    # `window` after the widget has loaded, opened and answered came from the widget.
    page = browser.new_page()
    key = demo_keys["papyrus"]["publishable_key"]
    html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
      <script>window.__before = Object.getOwnPropertyNames(window);</script></head><body>
      <script>window.LIBRIASSIST_CONFIG = {{apiKey: "{key}", backendUrl: "{demo_server}"}};
      </script><script src="{demo_server}/widget.js"></script></body></html>"""
    page.route(
        f"{demo_server}/bare-page",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    page.goto(f"{demo_server}/bare-page")
    page.locator('[data-la="launcher"]').click()
    assert "jours ouvrés" in ask(page, "Quels sont les délais de livraison ?")
    added = page.evaluate(
        """() => Object.getOwnPropertyNames(window)
            .filter(name => !window.__before.includes(name))"""
    )
    assert sorted(added) == ["LIBRIASSIST_CONFIG", "LibriAssist", "__before"]
    page.close()


def test_the_visitor_picks_the_language_in_the_widget_and_it_is_kept(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{demo_server}/demo/dar-argan")
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    menu = page.locator('[data-la="language"]')
    expect(menu).to_be_visible()
    # The shop's languages, each in its own words; the page's language is chosen.
    options = menu.locator("option")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["ar", "ary", "fr", "en"]
    assert options.evaluate_all("os => os.map(o => o.textContent)") == [
        "العربية",
        "الدارجة",
        "Français",
        "English",
    ]
    assert menu.input_value() == "ar"  # the page says <html lang="ar">
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"

    menu.select_option("fr")
    assert panel.evaluate("el => getComputedStyle(el).direction") == "ltr"
    expect(page.locator('[data-la="input"]')).to_have_attribute(
        "placeholder", "Écrivez votre message…"
    )
    expect(menu).to_have_attribute("aria-label", "Langue")
    with page.expect_request("**/api/v1/chat") as sent:
        ask(page, "Quels sont vos délais de livraison ?")
    assert sent.value.post_data_json["language"] == "fr"

    # Kept across pages, over the page's own language.
    page.reload()
    page.locator('[data-la="launcher"]').click()
    assert page.locator('[data-la="language"]').input_value() == "fr"
    assert panel.evaluate("el => getComputedStyle(el).direction") == "ltr"
    page.close()


def test_a_shop_with_one_language_shows_no_language_menu(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.route(
        "**/api/v1/widget/config*",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {**route.fetch().json(), "enabled_languages": ["fr"], "default_language": "fr"}
            ),
        ),
    )
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()
    expect(page.locator('[data-la="language"]')).to_be_hidden()
    page.close()


def test_installed_with_data_attributes_and_the_typing_indicator_shows_until_the_reply(
    demo_server: str, browser: Browser, demo_keys: dict[str, dict[str, str]]
) -> None:
    page = browser.new_page()
    key = demo_keys["papyrus"]["publishable_key"]
    html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"></head><body>
      <script src="{demo_server}/widget.js" data-api-key="{key}"
        data-backend-url="{demo_server}" data-language="es" async></script></body></html>"""
    page.route(
        f"{demo_server}/attributes-page",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    held: list[Route] = []
    page.route("**/api/v1/chat", lambda route: held.append(route))  # answered below
    page.goto(f"{demo_server}/attributes-page")
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_have_attribute("lang", "es")
    expect(page.locator('[data-la="input"]')).to_have_attribute(
        "placeholder", "Escribe tu mensaje…"
    )
    page.locator('[data-la="input"]').fill("¿Cuánto tarda el envío?")
    page.keyboard.press("Enter")
    typing = page.locator('[data-la="typing"]')
    expect(typing).to_be_visible()
    expect(typing).to_contain_text("El asistente está escribiendo")
    page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    reply = page.locator('[data-la="message"][data-role="assistant"]:not([data-greeting])')
    expect(reply.last).to_have_attribute("data-state", "done", timeout=30_000)
    expect(typing).to_have_count(0)
    page.close()
