"""The widget by keyboard alone, to a screen reader, in the default colours and on a phone.

Real demo server, real headless Chromium; colours are read from the browser and their
contrast computed here, with the WCAG 2 formulas.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from libriassist.tenants.schemas import Branding
from tests.widget.conftest import ARTIFACTS
from tests.widget.test_voice import NO_SPEECH, REPLY, ask

pytestmark = pytest.mark.browser

QUESTION = "Quels sont les délais de livraison ?"
FOCUSED = """() => {
  const host = document.getElementById('libriassist-root');
  const el = document.activeElement;
  if (!el || el !== host) return el ? 'page:' + el.tagName.toLowerCase() : null;
  const inner = host.shadowRoot.activeElement;
  return inner ? inner.getAttribute('data-la') || inner.tagName.toLowerCase() : null;
}"""


def focused(page: Page) -> str | None:
    name: str | None = page.evaluate(FOCUSED)
    return name


def tab_to(page: Page, target: str, limit: int, inside: bool = False) -> list[str | None]:
    """Presses Tab until ``target`` has the focus; returns what had it on the way."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        path.append(focused(page))
        if path[-1] == target:
            return path
        if inside:
            assert not str(path[-1]).startswith("page:"), f"focus left the panel: {path}"
    pytest.fail(f"{target} never got the focus: {path}")


def test_a_whole_session_by_keyboard_alone(demo_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{demo_server}/demo/papyrus")
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    tab_to(page, "launcher", 300)
    page.keyboard.press("Enter")
    expect(page.locator('[data-la="panel"]')).to_be_visible()
    assert focused(page) == "input"

    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    reply = page.locator(REPLY)
    expect(reply).to_have_attribute("data-state", "done", timeout=30_000)
    assert "jours ouvrés" in reply.inner_text()

    # On to the reply's 👍, through the panel's own controls only; rated from the keyboard.
    tab_to(page, "up", 30, inside=True)
    with page.expect_response("**/api/v1/feedback") as rated:
        page.keyboard.press("Enter")
    assert rated.value.status == 204
    expect(reply.locator('[data-la="up"]')).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    assert focused(page) == "down"
    with page.expect_response("**/api/v1/feedback"):
        page.keyboard.press("Space")
    expect(reply.locator('[data-la="down"]')).to_have_attribute("aria-pressed", "true")
    assert focused(page) == "comment"
    page.keyboard.type("Pas assez précis")
    with page.expect_response("**/api/v1/feedback") as commented:
        page.keyboard.press("Enter")
    assert commented.value.request.post_data_json["comment"] == "Pas assez précis"
    assert commented.value.status == 204
    expect(page.locator(".fbt")).to_have_text("Merci pour votre avis !")
    assert focused(page) == "down"

    page.keyboard.press("Escape")
    expect(page.locator('[data-la="panel"]')).to_be_hidden()
    assert focused(page) == "launcher"
    expect(page.locator('[data-la="launcher"]')).to_have_attribute("aria-expanded", "false")
    page.close()


def test_focus_stays_in_the_open_panel_both_ways(demo_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.add_init_script(NO_SPEECH)  # the first and last controls do not depend on the browser
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(panel).to_have_attribute("aria-modal", "true")

    page.locator('[data-la="send"]').focus()
    page.keyboard.press("Tab")
    assert focused(page) == "language"  # the shop has three: the menu comes first
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "send"
    # All the way round and back, never out to the page.
    forward = [focused(page)]
    for _ in range(5):
        page.keyboard.press("Tab")
        forward.append(focused(page))
    assert forward == ["send", "language", "new", "close", "input", "send"]
    backward = [focused(page)]
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        backward.append(focused(page))
    assert backward == ["send", "input", "close", "new", "language", "send"]
    # From the launcher (still on screen next to the panel), back into the panel.
    page.locator('[data-la="launcher"]').focus()
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "send"

    # Closing by its button, or by Escape from anywhere in the panel, hands focus back.
    page.locator('[data-la="close"]').click()
    expect(panel).to_be_hidden()
    assert focused(page) == "launcher"
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    page.locator('[data-la="new"]').focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert focused(page) == "launcher"
    page.close()


RECORD_ANNOUNCEMENTS = """() => {
  const live = document.getElementById('libriassist-root').shadowRoot
    .querySelector('[data-la="live"]');
  window.announced = [];
  new MutationObserver(() => { if (live.textContent) announced.push(live.textContent); })
    .observe(live, {childList: true, subtree: true, characterData: true});
}"""


def test_a_finished_reply_is_announced_once(demo_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    live = page.locator('[data-la="live"]')
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_attribute("role", "status")
    # The message list itself is silent: streamed text would be read out piece by piece.
    messages = page.locator('[data-la="messages"]')
    assert messages.evaluate("el => [el.getAttribute('role'), el.getAttribute('aria-live')]") == [
        None,
        None,
    ]
    page.evaluate(RECORD_ANNOUNCEMENTS)
    ask(page, QUESTION)
    text = page.locator(REPLY).last.locator(".txt").text_content()
    assert text and "jours ouvrés" in text
    assert page.evaluate("announced") == [text]
    ask(page, "Combien coûte la livraison ?")
    second = page.locator(REPLY).last.locator(".txt").text_content()
    assert page.evaluate("announced") == [text, second]
    page.close()


# ---------------------------------------------------------------- contrast

CHAIN = """(el, pseudo) => {
  const styles = getComputedStyle(el, pseudo || null);
  const backgrounds = [];
  for (let at = el; at; at = at.parentElement || (at.getRootNode().host || null)) {
    backgrounds.push(getComputedStyle(at).backgroundColor);
  }
  const parentBackgrounds = backgrounds.slice(1);
  return {color: styles.color, border: styles.borderTopColor, outline: styles.outlineColor,
          backgrounds, parentBackgrounds, visible: el.matches(':focus-visible')};
}"""


def rgba(css: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    assert css.startswith("rgb") and len(numbers) in (3, 4), css
    return numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) == 4 else 1.0


def flatten(layers: list[str]) -> tuple[float, float, float]:
    """The colour seen through the layers (nearest first), over a white page at the bottom."""
    below = (255.0, 255.0, 255.0)
    for css in reversed(layers):
        r, g, b, a = rgba(css)
        below = (r * a + below[0] * (1 - a), g * a + below[1] * (1 - a), b * a + below[2] * (1 - a))
    return below


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(v: float) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else float(((s + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_helpers_follow_wcag() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast(flatten(["rgb(118, 118, 118)"]), (255, 255, 255)) == pytest.approx(4.54, 0.01)
    assert flatten(["rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)"]) == (127.5, 127.5, 127.5)


# What is measured: (name, selector, foreground property, against, minimum ratio). Text
# needs 4.5:1; icons, component boundaries and focus rings 3:1 (WCAG 1.4.3 and 1.4.11).
CHECKS = [
    ("launcher icon", '[data-la="launcher"]', "color", "own", 3),
    ("header title", ".title", "color", "own", 4.5),
    ("new conversation icon", '[data-la="new"]', "color", "own", 3),
    ("close icon", '[data-la="close"]', "color", "own", 3),
    ("speaker icon", '[data-la="speak"]', "color", "own", 3),
    ("greeting", "[data-greeting] .txt", "color", "own", 4.5),
    ("visitor bubble", '[data-role="visitor"] .txt', "color", "own", 4.5),
    ("assistant bubble", f"{REPLY} .txt", "color", "own", 4.5),
    ("sources heading", '[data-la="sources"] b', "color", "own", 4.5),
    ("source link", '[data-la="sources"] a', "color", "own", 4.5),
    ("feedback button border", '[data-la="up"]', "border", "parent", 3),
    ("comment text", '[data-la="comment"]', "color", "own", 4.5),
    ("comment placeholder", '[data-la="comment"]::placeholder', "color", "own", 4.5),
    ("comment border", '[data-la="comment"]', "border", "parent", 3),
    ("comment send", '[data-la="comment-send"]', "color", "own", 4.5),
    ("notice", '[data-la="error"] span', "color", "own", 4.5),
    ("retry button", '[data-la="retry"]', "color", "own", 4.5),
    ("retry border", '[data-la="retry"]', "border", "parent", 3),
    ("message box text", '[data-la="input"]', "color", "own", 4.5),
    ("message box placeholder", '[data-la="input"]::placeholder', "color", "own", 4.5),
    ("message box border", '[data-la="input"]', "border", "parent", 3),
    ("mic icon", '[data-la="mic"]', "color", "own", 3),
    ("mic border", '[data-la="mic"]', "border", "parent", 3),
    ("send icon", '[data-la="send"]', "color", "own", 3),
    ("send button", '[data-la="send"]', "own", "parent", 3),
]


def measure(page: Page, selector: str, foreground: str, against: str) -> float:
    element, _, pseudo = selector.partition("::")
    found = page.locator(element).last.evaluate(CHAIN, f"::{pseudo}" if pseudo else None)
    back = flatten(found["backgrounds"] if against == "own" else found["parentBackgrounds"])
    layers = {
        "own": found["backgrounds"],  # the control's own fill, against its surroundings
        "color": [found["color"], *found["backgrounds"]],
        "border": [found["border"], *found["parentBackgrounds"]],
    }
    return contrast(flatten(layers[foreground]), back)


def ring(page: Page) -> float:
    """The keyboard focus ring of the focused control against what surrounds it."""
    found: dict[str, Any] = page.evaluate(
        f"() => ({CHAIN})(document.getElementById('libriassist-root').shadowRoot.activeElement)"
    )
    assert found["visible"], "the control does not show a keyboard focus ring"
    return contrast(flatten([found["outline"]]), flatten(found["parentBackgrounds"]))


@pytest.mark.parametrize("theme", ["default", "widget-fallback"])
def test_default_theme_meets_wcag_aa_contrast(
    demo_server: str, browser: Browser, theme: str
) -> None:
    """The tenant default colour, and the widget's own when the tenant sets none."""

    def recolour(route: Route) -> None:
        response = route.fetch()
        config = response.json()
        if theme == "default":
            config["branding"]["primary_color"] = Branding().primary_color
        else:
            config["branding"].pop("primary_color")
        route.fulfill(response=response, body=json.dumps(config))

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/api/v1/widget/config", recolour)
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    ask(page, QUESTION)
    page.locator(REPLY).last.locator('[data-la="down"]').click()
    expect(page.locator('[data-la="comment"]')).to_be_focused()
    page.route("**/api/v1/chat", lambda route: route.fulfill(status=500))
    page.locator('[data-la="input"]').fill("Et pour la Belgique ?")
    page.keyboard.press("Enter")
    expect(page.locator('[data-la="retry"]')).to_be_visible()

    page.locator('[data-la="input"]').blur()  # its unfocused border first

    failing = []
    for name, selector, foreground, against, minimum in CHECKS:
        ratio = measure(page, selector, foreground, against)
        if ratio < minimum:
            failing.append(f"{name}: {ratio:.2f} < {minimum}")
    page.locator('[data-la="comment"]').fill("Pas assez précis")
    page.locator('[data-la="comment"]').press("Enter")
    if (value := measure(page, ".fbt", "color", "own")) < 4.5:
        failing.append(f"feedback thanks: {value:.2f} < 4.5")
    # Focus rings, reached by keyboard as a visitor would: in the header, in a reply, and
    # the message box's own focus border.
    page.locator('[data-la="input"]').focus()
    tab_to(page, "close", 10, inside=True)
    if (value := ring(page)) < 3:
        failing.append(f"header focus ring: {value:.2f} < 3")
    tab_to(page, "up", 10, inside=True)
    if (value := ring(page)) < 3:
        failing.append(f"feedback focus ring: {value:.2f} < 3")
    page.locator('[data-la="input"]').focus()
    if (value := measure(page, '[data-la="input"]', "border", "parent")) < 3:
        failing.append(f"message box focus border: {value:.2f} < 3")
    assert failing == []
    page.close()


# ---------------------------------------------------------------- phones

PHONE = {"width": 375, "height": 740}


def box_of(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).last.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box


def assert_on_screen(page: Page, selector: str) -> None:
    box = box_of(page, selector)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (selector, box)


def test_the_panel_fills_a_phone_screen(demo_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()
    assert box_of(page, '[data-la="panel"]') == {"x": 0, "y": 0, **PHONE}
    expect(page.locator('[data-la="launcher"]')).to_be_hidden()
    for selector in ('[data-la="input"]', '[data-la="send"]', '[data-la="close"]'):
        assert_on_screen(page, selector)
    assert "jours ouvrés" in ask(page, QUESTION)
    assert_on_screen(page, '[data-la="input"]')
    expect(page.locator(REPLY).last).to_be_in_viewport()
    # Every button can be hit with a finger: at least 24 by 24 CSS pixels (WCAG 2.5.8).
    sizes = page.locator('[data-la="panel"] button:visible').evaluate_all(
        "els => els.map(b => [b.getAttribute('data-la'), b.offsetWidth, b.offsetHeight])"
    )
    assert {"up", "down", "send", "close"} <= {name for name, _, _ in sizes}
    assert [s for s in sizes if min(s[1], s[2]) < 24] == []
    page.keyboard.press("Escape")
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    page.close()


def test_arabic_on_a_phone_is_mirrored(demo_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{demo_server}/demo/dar-argan")  # <html lang="ar">
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_have_attribute("lang", "ar")
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert box_of(page, '[data-la="panel"]') == {"x": 0, "y": 0, **PHONE}
    ask(page, "شحال كياخد التوصيل لكازا؟")
    for selector in ('[data-la="input"]', '[data-la="send"]', '[data-la="close"]', REPLY):
        assert_on_screen(page, selector)
    # Right to left: the title on the right and the buttons on the left; the visitor's
    # bubble on the left and the assistant's on the right; send to the left of the box.
    title, close = box_of(page, ".title"), box_of(page, '[data-la="close"]')
    assert close["x"] + close["width"] <= title["x"]
    text, send = box_of(page, '[data-la="input"]'), box_of(page, '[data-la="send"]')
    assert send["x"] + send["width"] <= text["x"]
    visitor = box_of(page, '[data-la="message"][data-role="visitor"]')
    assistant = box_of(page, REPLY)
    assert visitor["x"] < 30
    assert assistant["x"] + assistant["width"] > PHONE["width"] - 30
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-ar-phone.png"))
    page.close()


LONG_NAME = "Librairie-Papeterie du Vieux Port de Marseille et de ses environs"


@pytest.fixture
def long_title(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> Iterator[str]:
    """Casa Olivar with a very long assistant name, for one test."""
    import httpx

    admin = {"X-API-Key": demo_keys["casa-olivar"]["secret_key"]}
    url = f"{demo_server}/api/v1/admin/tenant"
    before = httpx.get(url, headers=admin).json()["branding"]["title"]
    httpx.patch(url, headers=admin, json={"branding": {"title": LONG_NAME}}).raise_for_status()
    try:
        yield f"{demo_server}/demo/casa-olivar"
    finally:
        httpx.patch(url, headers=admin, json={"branding": {"title": before}}).raise_for_status()


def test_a_long_name_takes_two_lines_and_its_tooltip_has_all_of_it(
    long_title: str, browser: Browser
) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(long_title)
    page.locator('[data-la="launcher"]').click()
    title = page.locator(".title")
    expect(title).to_have_attribute("title", LONG_NAME)
    lines = title.evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert 1.9 < lines < 2.1, lines  # two lines, then cut
    menu, box = box_of(page, '[data-la="language"]'), box_of(page, ".title")
    assert box["x"] + box["width"] <= menu["x"] + 0.5  # never under the language menu
    assert_on_screen(page, '[data-la="close"]')
    page.close()
