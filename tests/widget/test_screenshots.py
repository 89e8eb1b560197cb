"""Screenshots of every demo page after one exchange, desktop and phone, LTR and RTL.

Saved to test-artifacts/ (the README's pictures are picked from there) and checked:
the panel is open where it belongs, in the right direction, with the reply in it.
"""

import struct

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.widget.conftest import ARTIFACTS, ask

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# One question per page, and what its reply must say.
EXCHANGES = {
    ("papyrus", "guest"): ("Quels sont les délais de livraison ?", "jours ouvrés"),
    ("papyrus", "shopper"): ("Où est ma commande ?", "PAP-24117"),
    ("casa-olivar", "guest"): ("¿Cuánto tarda un pedido a Canarias?", "Canarias"),
    ("casa-olivar", "shopper"): ("¿Dónde está mi pedido?", "CO-58102"),
    ("dar-argan", "guest"): ("شحال كياخد التوصيل لكازا؟", "48"),
    ("dar-argan", "shopper"): ("فين وصلات الطلبية ديالي؟", "DA-3391"),
}
RTL_TENANTS = {"dar-argan"}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def shoot(page: Page, name: str, viewport: dict[str, int], direction: str) -> None:
    """Resize, check the panel, save the screenshot and check the file."""
    page.set_viewport_size(viewport)
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_be_visible()
    page.mouse.move(1, 1)
    page.wait_for_timeout(300)
    assert panel.evaluate("el => getComputedStyle(el).direction") == direction
    box = panel.bounding_box()
    assert box is not None
    if viewport == PHONE:
        # Full screen on a phone.
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    else:
        assert box["width"] == 380 and box["x"] + box["width"] <= viewport["width"]
        anchored = 1280 - 20 - box["x"] - box["width"]
        assert abs(anchored) < 1 or abs(box["x"] - 20) < 1
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    data = page.screenshot(path=str(path), animations="disabled")
    assert path.read_bytes() == data
    assert png_size(data) == (viewport["width"], viewport["height"])
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes


@pytest.mark.parametrize(("tenant_id", "variant"), sorted(EXCHANGES), ids="-".join)
def test_screenshots_of_each_demo_page(
    demo_server: str, browser: Browser, tenant_id: str, variant: str
) -> None:
    question, expected = EXCHANGES[(tenant_id, variant)]
    page = browser.new_page(viewport=DESKTOP)
    suffix = "/shopper" if variant == "shopper" else ""
    page.goto(f"{demo_server}/demo/{tenant_id}{suffix}")
    page.locator('[data-la="launcher"]').click()
    assert expected in ask(page, question)
    direction = "rtl" if tenant_id in RTL_TENANTS else "ltr"
    name = f"demo-{tenant_id}-{variant}"
    shoot(page, f"{name}-desktop", DESKTOP, direction)
    shoot(page, f"{name}-mobile", PHONE, direction)
    page.close()


def test_screenshot_of_the_arabic_shop_switched_to_french(
    demo_server: str, browser: Browser
) -> None:
    """The panel follows the widget's language, not the page's: LTR on an RTL page."""
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{demo_server}/demo/dar-argan")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.evaluate("LibriAssist.setLanguage('fr')")
    page.evaluate("LibriAssist.open()")
    expect(page.locator('[data-la="input"]')).to_have_attribute(
        "placeholder", "Écrivez votre message…"
    )
    assert "48" in ask(page, "Combien de temps prend la livraison à Casablanca ?")
    shoot(page, "demo-dar-argan-french-desktop", DESKTOP, "ltr")
    shoot(page, "demo-dar-argan-french-mobile", PHONE, "ltr")
    page.close()
