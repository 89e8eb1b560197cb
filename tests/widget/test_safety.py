"""The widget is safe on any page, against the real demo backend, in Chromium.

Injected HTML and script URLs, typed by a visitor or stored in the knowledge base, stay
inert text; a page's hostile CSS does not reach the widget; a site that is not one of the
tenant's origins gets the backend's refusal as a friendly notice.
"""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.widget.conftest import ask

pytestmark = pytest.mark.browser

TENANT = "casa-olivar"
# Each payload sets window.__pwned (and opens a dialog) if it ever runs.
RUN = "window.__pwned=1;alert(1)"
PAYLOADS = [
    f'<img src=x onerror="{RUN}">',
    f"<script>{RUN}</script>",
    f'<svg onload="{RUN}"></svg>',
    f'<iframe src="javascript:{RUN}"></iframe>',
    f"[enlace](javascript:{RUN})",
    f'<a href="javascript:{RUN}">enlace</a>',
    f'[enlace](https://casaolivar.example/a" onmouseover="{RUN})',
    f'https://casaolivar.example/b"onmouseover="{RUN}"',
    f"[datos](data:text/html,<script>{RUN}</script>)",
    f'**negrita** `{RUN}` <b onclick="{RUN}">b</b>',
]
HOSTILE_TEXT = " ".join(PAYLOADS)
KB_DOCUMENT = f"""---
language: es
url: https://casaolivar.example/cofre"onmouseover="{RUN}
---

# El cofre <img src=x onerror="{RUN}"> secreto

El cofre secreto de la almazara guarda la receta del abuelo. {HOSTILE_TEXT}
"""
KB_QUESTION = "¿Qué guarda el cofre secreto de la almazara?"
CURATED_QUESTION = f'¿Cuál es la contraseña del granero <b onmouseover="{RUN}">?'

# What the widget shows of the conversation, read in its shadow root.
READ_WIDGET = """() => {
  const root = document.querySelector('#libriassist-root').shadowRoot;
  const list = root.querySelector('[data-la=messages]');
  const all = [...list.querySelectorAll('*')];
  return {
    pwned: window.__pwned === undefined ? null : window.__pwned,
    elements: [...new Set(all.map(el => el.localName))].sort(),
    handlers: all.flatMap(el => [...el.attributes].filter(a => a.name.startsWith('on'))
      .map(a => el.localName + '[' + a.name + ']')),
    links: [...root.querySelectorAll('a')].map(a => ({
      href: a.getAttribute('href'), protocol: a.protocol, rel: a.rel, target: a.target})),
    pageImages: document.querySelectorAll('img[src=x], iframe, svg[onload]').length,
  };
}"""
# What may appear in the list of messages: the widget's own markup, what the Markdown subset
# of replies makes (docs/widget.md), and nothing injected.
ALLOWED_ELEMENTS = {"a", "b", "button", "div", "form", "input", "li", "span", "ul"} | {
    "br",
    "code",
    "em",
    "ol",
    "p",
    "pre",
    "strong",
}


def read_widget(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(READ_WIDGET)
    return found


def assert_inert(page: Page, dialogs: list[str], links_expected: bool) -> None:
    # An onerror or onload would have fired by now: give it the time to.
    page.wait_for_timeout(300)
    found = read_widget(page)
    assert dialogs == []
    assert found["pwned"] is None
    assert found["handlers"] == []
    assert set(found["elements"]) <= ALLOWED_ELEMENTS, found["elements"]
    assert found["pageImages"] == 0
    if links_expected:
        assert found["links"], "the reply's links should be rendered"
    for link in found["links"]:
        assert link["protocol"] in ("http:", "https:", "mailto:"), link
        assert set(link["rel"].split()) >= {"noopener", "noreferrer"}, link


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


def hover_everything(page: Page) -> None:
    for selector in ('[data-la="message"]', '[data-la="message"] a'):
        for item in page.locator(selector).all():
            item.hover()


@pytest.fixture(scope="module")
def hostile_kb(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> Iterator[None]:
    """A knowledge-base document and a curated answer full of payloads, removed after."""
    admin = {"X-API-Key": demo_keys[TENANT]["secret_key"]}
    api = f"{demo_server}/api/v1/admin/kb"
    upload = httpx.post(
        f"{api}/documents",
        headers=admin,
        files={"files": ("cofre.md", KB_DOCUMENT.encode(), "text/markdown")},
    )
    assert upload.status_code == 202, upload.text
    job = upload.json()
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
        job = httpx.get(f"{api}/jobs/{job['id']}", headers=admin).json()
    assert job["result"]["counts"] == {"ingested": 1}, job
    curated = httpx.post(
        f"{api}/curated",
        headers=admin,
        json={
            "question": CURATED_QUESTION,
            "answer": f"La contraseña es secreta. {HOSTILE_TEXT} "
            "Escríbenos a [hola](mailto:hola@casaolivar.example).",
            "language": "es",
            "url": "https://casaolivar.example/granero",
        },
    )
    assert curated.status_code == 201, curated.text
    yield
    httpx.delete(f"{api}/curated/{curated.json()['id']}", headers=admin)
    documents = httpx.get(f"{api}/documents", headers=admin).json()
    for document in documents:
        if document["source_uri"] == "cofre.md":
            httpx.delete(f"{api}/documents/{document['id']}", headers=admin)


def test_a_visitors_html_and_script_urls_stay_inert_text(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    dialogs = watch_dialogs(page)
    page.goto(f"{demo_server}/demo/{TENANT}")
    page.locator('[data-la="launcher"]').click()
    ask(page, HOSTILE_TEXT)
    visitor = page.locator('[data-la="message"][data-role="visitor"]')
    expect(visitor).to_have_text(HOSTILE_TEXT)
    hover_everything(page)
    assert_inert(page, dialogs, links_expected=False)

    # The same message, loaded back from the server as history.
    page.reload()
    page.locator('[data-la="launcher"]').click()
    expect(visitor).to_have_text(HOSTILE_TEXT)
    hover_everything(page)
    assert_inert(page, dialogs, links_expected=False)
    page.close()


def test_knowledge_base_answers_sources_and_feedback_stay_inert(
    demo_server: str, browser: Browser, hostile_kb: None
) -> None:
    page = browser.new_page()
    dialogs = watch_dialogs(page)
    page.goto(f"{demo_server}/demo/{TENANT}")
    page.locator('[data-la="launcher"]').click()

    answer = ask(page, KB_QUESTION)
    assert "receta del abuelo" in answer and "<img src=x" in answer
    reply = page.locator('[data-la="message"][data-role="assistant"]').last
    source = reply.locator('[data-la="sources"] a')
    expect(source).to_have_count(1)
    expect(source).to_contain_text("<img src=x")
    assert source.get_attribute("href", timeout=1000) == (
        "https://casaolivar.example/cofre%22onmouseover=%22window.__pwned=1;alert(1)"
    )
    hover_everything(page)
    assert_inert(page, dialogs, links_expected=True)

    answer = ask(page, CURATED_QUESTION)
    assert answer.startswith("La contraseña es secreta.")
    reply = page.locator('[data-la="message"][data-role="assistant"]').last
    hover_everything(page)
    # 👍 then 👎 with a hostile comment: the server stores it, the widget shows thanks.
    with page.expect_response("**/api/v1/feedback") as rated:
        reply.locator('[data-la="up"]').click()
    assert rated.value.status == 204
    with page.expect_response("**/api/v1/feedback") as rated:
        reply.locator('[data-la="down"]').click()
    assert rated.value.status == 204
    with page.expect_response("**/api/v1/feedback") as rated:
        page.locator('[data-la="comment"]').fill(HOSTILE_TEXT)
        page.keyboard.press("Enter")
    assert rated.value.status == 204
    assert rated.value.request.post_data_json["comment"] == HOSTILE_TEXT
    assert_inert(page, dialogs, links_expected=True)

    # Both replies, read back as history, are just as inert.
    page.reload()
    page.locator('[data-la="launcher"]').click()
    expect(
        page.locator('[data-la="message"][data-role="assistant"]:not([data-greeting])')
    ).to_have_count(2)
    hover_everything(page)
    assert_inert(page, dialogs, links_expected=True)
    page.close()


# --- a page's CSS ---------------------------------------------------------------------------

HOSTILE_CSS = """
* { all: unset !important; font-size: 40px !important; display: block !important;
    color: red !important; line-height: 3 !important; letter-spacing: 4px !important;
    text-transform: uppercase !important; font-family: serif !important;
    visibility: visible !important; box-sizing: content-box !important; }
div { display: none !important; opacity: .2 !important; }
button, textarea, input, a { width: 500px !important; height: 90px !important;
    background: yellow !important; border: 9px solid lime !important;
    position: static !important; padding: 30px !important; }
#libriassist-root { display: none !important; position: absolute !important; }
[data-la], .panel, .launcher { display: none !important; }
html { font-size: 40px !important; }
body { margin: 100px !important; }
"""
# What a visitor sees of each part of the widget.
MEASURE = """() => {
  const root = document.querySelector('#libriassist-root').shadowRoot;
  const parts = {
    launcher: '[data-la=launcher]', panel: '[data-la=panel]', title: '#la-title',
    input: '[data-la=input]', send: '[data-la=send]', close: '[data-la=close]',
    greeting: '[data-la=message]'};
  const props = ['display', 'position', 'visibility', 'opacity', 'font-size', 'font-family',
    'font-weight', 'line-height', 'letter-spacing', 'text-transform', 'color',
    'background-color', 'border-top-width', 'border-top-color', 'padding-top', 'width',
    'height', 'z-index', 'box-sizing'];
  const out = {};
  for (const [name, selector] of Object.entries(parts)) {
    const el = root.querySelector(selector);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    out[name] = {box: [box.x, box.y, box.width, box.height].map(Math.round)};
    for (const p of props) out[name][p] = style.getPropertyValue(p);
  }
  return out;
}"""


def widget_as_seen(page: Page, url: str) -> tuple[dict[str, Any], bytes]:
    page.goto(url)
    page.locator('[data-la="launcher"]').click()
    panel = page.locator('[data-la="panel"]')
    expect(panel).to_be_visible()
    # Away from the launcher (it grows on hover), once its transition is over.
    page.mouse.move(5, 5)
    page.wait_for_timeout(400)
    measured: dict[str, Any] = page.evaluate(MEASURE)
    x, y, width, height = measured["panel"]["box"]
    # Inside the rounded corners, where only the widget's own pixels are.
    clip = {"x": x + 16, "y": y + 16, "width": width - 32, "height": height - 32}
    return measured, page.screenshot(clip=clip, animations="disabled")


def test_hostile_page_css_does_not_change_the_widget(demo_server: str, browser: Browser) -> None:
    url = f"{demo_server}/demo/{TENANT}"
    plain = browser.new_page(viewport={"width": 1280, "height": 800})
    expected, expected_pixels = widget_as_seen(plain, url)
    plain.close()

    hostile = browser.new_page(viewport={"width": 1280, "height": 800})
    hostile.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        "  const style = document.createElement('style');"
        f"  style.textContent = {HOSTILE_CSS!r};"
        "  document.head.append(style); });"
    )
    seen, pixels = widget_as_seen(hostile, url)
    # The hostile CSS did reach the page itself.
    assert hostile.evaluate("getComputedStyle(document.body).color") == "rgb(255, 0, 0)"
    assert seen == expected
    assert pixels == expected_pixels
    hostile.close()


# --- a site that is not allowed -------------------------------------------------------------


@pytest.fixture(scope="module")
def other_site(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> Iterator[str]:
    """A shop on another origin (another port) that pastes the demo tenant's snippet."""
    key = demo_keys[TENANT]["publishable_key"]

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            lang = self.path.strip("/") or "es"
            body = (
                f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
                "<title>Otra tienda</title></head><body><h1>Otra tienda</h1><script>"
                f'window.LIBRIASSIST_CONFIG = {{apiKey: "{key}", backendUrl: "{demo_server}"}};'
                f'</script><script src="{demo_server}/widget.js" async></script></body></html>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "Este chat no está disponible en este sitio web."),
        ("ar", "هذه المحادثة غير متاحة على هذا الموقع."),
    ],
)
def test_a_site_not_allowed_gets_a_friendly_notice_from_the_real_backend(
    demo_server: str, browser: Browser, other_site: str, lang: str, text: str
) -> None:
    page = browser.new_page()
    with page.expect_response(f"{demo_server}/api/v1/widget/config") as refused:
        page.goto(f"{other_site}/{lang}")
    assert refused.value.status == 403
    assert refused.value.json()["error"]["code"] == "origin_not_allowed"
    page.locator('[data-la="launcher"]').click()
    notice = page.locator('[data-la="error"]')
    expect(notice).to_have_attribute("data-code", "origin_not_allowed")
    expect(notice).to_have_text(text)
    expect(notice.locator('[data-la="retry"]')).to_have_count(0)

    # Sending anyway: the backend refuses the chat too, and the visitor is told the same.
    page.locator('[data-la="input"]').fill("¿Hacéis envíos a Canarias?")
    with page.expect_response(f"{demo_server}/api/v1/chat") as chat:
        page.keyboard.press("Enter")
    assert chat.value.status == 403
    assert chat.value.json()["error"]["code"] == "origin_not_allowed"
    expect(notice).to_have_attribute("data-code", "origin_not_allowed")
    expect(notice).to_have_text(text)
    page.close()
