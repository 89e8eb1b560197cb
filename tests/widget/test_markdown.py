"""Replies render a safe Markdown subset, in Chromium.

The rendering matrix is streamed by a small stand-in for the chat endpoint, in pieces and
with pauses as a model streams (the backend is not what is tested there); the page, the
widget script and the tenant's configuration are the demo server's. One test goes through
the real backend end to end: a curated answer written in Markdown, then read back as
history.
"""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.widget.conftest import ask
from tests.widget.test_safety import watch_dialogs
from tests.widget.test_voice import FAKE_SYNTHESIS

pytestmark = pytest.mark.browser

TENANT = "casa-olivar"
REPLY = '[data-la="message"][data-role="assistant"]:not([data-greeting])'
LINK = 'target="_blank" rel="noopener noreferrer"'
# The widget's own markup in the list of messages, and what a reply's text may add to it.
WIDGET_ELEMENTS = {"b", "button", "div", "form", "input", "li", "span", "ul"}
MARKDOWN_ELEMENTS = {"a", "br", "code", "em", "li", "ol", "p", "pre", "strong", "ul"} | {
    "table", "thead", "tbody", "tr", "th", "td", "hr"
}  # fmt: skip
MARKDOWN_ATTRIBUTES = {"href", "target", "rel", "start", "align"}


@dataclass
class Script:
    """What the stand-in chat endpoint answers next, and what it was asked."""

    reply: str = ""
    pieces: int = 1
    burst: int = 1  # pieces written at once, then a pause
    pause: float = 0.0
    asked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def stand_in(
    demo_server: str, demo_keys: dict[str, dict[str, str]]
) -> Iterator[tuple[str, Script]]:
    """A site serving the demo's widget and config, with a chat endpoint that streams a script."""
    key = demo_keys[TENANT]["publishable_key"]
    widget = httpx.get(f"{demo_server}/widget.js").content
    config = httpx.get(
        f"{demo_server}/api/v1/widget/config",
        headers={"X-API-Key": key, "Origin": demo_server},
    )
    assert config.status_code == 200, config.text
    script = Script()

    class Site(BaseHTTPRequestHandler):
        def send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/widget.js":
                self.send(200, "text/javascript", widget)
            elif self.path == "/api/v1/widget/config":
                self.send(200, "application/json", config.content)
            elif self.path.startswith("/api/v1/conversations/"):
                error = {"error": {"code": "conversation_not_found", "message": "-"}}
                self.send(404, "application/json", json.dumps(error).encode())
            else:
                page = (
                    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                    "<title>Shop</title></head><body><h1>Shop</h1><script>"
                    f'window.LIBRIASSIST_CONFIG = {{apiKey: "{key}"}};'
                    '</script><script src="/widget.js" async></script></body></html>'
                )
                self.send(200, "text/html; charset=utf-8", page.encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/api/v1/chat":
                self.send_response(204)
                self.end_headers()
                return
            script.asked.append(json.loads(body)["message"])
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()  # no length: the stream ends when the connection closes

            def event(name: str, data: dict[str, Any]) -> bytes:
                return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

            meta = {"session_id": "s-md", "session_token": "t-md", "language": "en"}
            self.wfile.write(event("meta", {**meta, "message_id": f"m-{len(script.asked)}"}))
            text, n = script.reply, script.pieces
            cuts = [len(text) * i // n for i in range(n + 1)]
            pieces = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
            for start in range(0, len(pieces), script.burst):
                burst = pieces[start : start + script.burst]
                self.wfile.write(b"".join(event("delta", {"text": p}) for p in burst))
                self.wfile.flush()
                time.sleep(script.pause)
            self.wfile.write(event("done", {}))
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


# Watches the list of messages from the moment it exists: every element ever added (while
# streaming too), every attribute, every href, and how often a reply's text was redrawn.
WATCH = """void (() => {
  window.violations = []; window.paints = 0;
  const root = document.querySelector('#libriassist-root').shadowRoot;
  const list = root.querySelector('[data-la=messages]');
  const check = el => {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) violations.push(el.localName + '[' + a.name + ']');
    }
    if (el.localName === 'a' && !/^(https?|mailto):$/.test(el.protocol)) {
      violations.push('a[href=' + el.getAttribute('href') + ']');
    }
  };
  new MutationObserver(records => {
    for (const r of records) {
      if (r.target.classList && r.target.classList.contains('txt')) paints += 1;
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        [n, ...n.querySelectorAll('*')].forEach(check);
      }
    }
  }).observe(list, {childList: true, subtree: true});
})()"""
READ = """() => {
  const root = document.querySelector('#libriassist-root').shadowRoot;
  const list = root.querySelector('[data-la=messages]');
  const txt = [...list.querySelectorAll('[data-role=assistant]:not([data-greeting]) .txt')];
  const all = [...list.querySelectorAll('*')];
  return {
    pwned: window.__pwned === undefined ? null : window.__pwned,
    violations: window.violations,
    paints: window.paints,
    elements: [...new Set(all.map(el => el.localName))].sort(),
    attributes: [...new Set(txt.flatMap(t => [...t.querySelectorAll('*')])
      .flatMap(el => [...el.attributes].map(a => a.name)))].sort(),
    html: txt.length ? txt[txt.length - 1].innerHTML : null,
    text: txt.length ? txt[txt.length - 1].textContent : null,
  };
}"""


def read(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(READ)
    return found


def open_site(browser: Browser, site: str, init: str | None = None) -> tuple[Page, list[str]]:
    page = browser.new_page()
    dialogs = watch_dialogs(page)
    if init:
        page.add_init_script(init)
    page.goto(site)
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()
    page.evaluate(WATCH)
    return page, dialogs


def streamed(page: Page, script: Script, reply: str, pieces: int = 1, burst: int = 1) -> str:
    """Has the stand-in stream ``reply`` and returns the bubble's rendered HTML."""
    script.reply, script.pieces, script.burst = reply, pieces, burst
    script.pause = 0.01 if pieces > 1 else 0.0
    ask(page, f"question {len(script.asked) + 1}")
    html: str = read(page)["html"]
    return html


def assert_safe(page: Page, dialogs: list[str]) -> dict[str, Any]:
    page.wait_for_timeout(200)  # an onerror would have fired by now
    found = read(page)
    assert dialogs == []
    assert found["pwned"] is None
    assert found["violations"] == []
    assert set(found["elements"]) <= WIDGET_ELEMENTS | MARKDOWN_ELEMENTS, found["elements"]
    assert set(found["attributes"]) <= MARKDOWN_ATTRIBUTES, found["attributes"]
    return found


RENDERED = [
    (
        "**bold** and __also bold__, *italic* and _italic_",
        "<p><strong>bold</strong> and <strong>also bold</strong>, <em>italic</em> and "
        "<em>italic</em></p>",
    ),
    (
        "***both*** and **bold with *inner* text**",
        "<p><em><strong>both</strong></em> and <strong>bold with <em>inner</em> text</strong></p>",
    ),
    (
        "snake_case_name, __init__ and https://shop.example/a_b_c stay; 5 * 3 = 15",
        f'<p>snake_case_name, <strong>init</strong> and <a href="https://shop.example/a_b_c" '
        f"{LINK}>https://shop.example/a_b_c</a> stay; 5 * 3 = 15</p>",
    ),
    (
        "Type `pip install *x* <b>` then `` a`b ``",
        "<p>Type <code>pip install *x* &lt;b&gt;</code> then <code>a`b</code></p>",
    ),
    (
        "Before:\n```js\nif (a < b) {\n  **x** [y](https://shop.example)\n}\n```\nAfter",
        "<p>Before:</p><pre><code>if (a &lt; b) {\n  **x** [y](https://shop.example)\n}"
        "</code></pre><p>After</p>",
    ),
    (
        "Steps:\n- one\n* two **bold**\n  still two\n\n1. first\n2. second\n\n3. third\nAfter",
        "<p>Steps:</p><ul><li>one</li><li>two <strong>bold</strong><br>still two</li></ul>"
        "<ol><li>first</li><li>second</li><li>third</li></ol><p>After</p>",
    ),
    ("Intro\n\n3. three\n4. four", '<p>Intro</p><ol start="3"><li>three</li><li>four</li></ol>'),
    (
        "1. First\n   - sub a\n   - sub **b**\n     more b\n2) Second\n  + two-space sub\n"
        "    * deeper\n  + back up\n- a new bullet list\nAfter",
        "<ol><li>First<ul><li>sub a</li><li>sub <strong>b</strong><br>more b</li></ul></li>"
        "<li>Second<ul><li>two-space sub<ul><li>deeper</li></ul></li><li>back up</li></ul>"
        "</li></ol><ul><li>a new bullet list</li></ul><p>After</p>",
    ),
    (
        "Rates:\n| Country | Delay | Price |\n|:---|:---:|---:|\n| France | 2 days | **4,90 €** |\n"
        "| Belgium \\| Lux. | 3 days |\n\nAfter | not a table",
        "<p>Rates:</p><div><table><thead><tr><th>Country</th>"
        '<th align="center">Delay</th><th align="right">Price</th></tr></thead><tbody><tr>'
        '<td>France</td><td align="center">2 days</td><td align="right">'
        "<strong>4,90 €</strong></td></tr><tr><td>Belgium | Lux.</td>"
        '<td align="center">3 days</td><td align="right"></td></tr></tbody></table></div>'
        "<p>After | not a table</p>",
    ),
    (
        "a | b\n--|--\n[x](https://shop.example) | `c\\|d`\n| only the header |\n|---|---|",
        f'<div><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><a href="https:'
        f'//shop.example/" {LINK}>x</a></td><td><code>c|d</code></td></tr><tr><td>only the '
        "header</td><td></td></tr><tr><td>---</td><td>---</td></tr></tbody></table></div>",
    ),
    (
        "1. Compare:\n   | Plan | Price |\n   |---|---|\n   | Basic | 5 € |\n2. Choose",
        "<ol><li>Compare:<div><table><thead><tr><th>Plan</th><th>Price</th></tr></thead><tbody>"
        "<tr><td>Basic</td><td>5 €</td></tr></tbody></table></div></li><li>Choose</li></ol>",
    ),
    (
        "|" + "c|" * 31 + "\n|" + "-|" * 31 + "\nText",
        "<p>|" + "c|" * 31 + "<br>|" + "-|" * 31 + "<br>Text</p>",
    ),
    ("Line one\nline two\n\n\nNew paragraph", "<p>Line one<br>line two</p><p>New paragraph</p>"),
    (
        "Above\n---\n- item\n* * *\n___\n-- not a rule\n- - x",
        "<p>Above</p><hr><ul><li>item</li></ul><hr><hr><p>-- not a rule</p><ul><li>- x</li></ul>",
    ),
    ("## Delivery ##\nIn 48 h.", "<p><strong>Delivery</strong></p><p>In 48 h.</p>"),
    (
        "[Our **shop**](https://shop.example/a?b=1&c=2), [write](mailto:help@shop.example) "
        "or https://shop.example/x. (See https://wiki.example/Foo_(bar))",
        f'<p><a href="https://shop.example/a?b=1&amp;c=2" {LINK}>Our <strong>shop</strong></a>, '
        f'<a href="mailto:help@shop.example" {LINK}>write</a> or '
        f'<a href="https://shop.example/x" {LINK}>https://shop.example/x</a>. (See '
        f'<a href="https://wiki.example/Foo_(bar)" {LINK}>https://wiki.example/Foo_(bar)</a>)</p>',
    ),
    (
        "Delivery takes 48 h [1][2]. Returns [3], see [the policy] and \\*not bold\\*.",
        "<p>Delivery takes 48 h [1][2]. Returns [3], see [the policy] and *not bold*.</p>",
    ),
    (
        "[a [b] c](https://shop.example/n) and [](https://shop.example/e)",
        f'<p><a href="https://shop.example/n" {LINK}>a [b] c</a> and '
        f'<a href="https://shop.example/e" {LINK}>https://shop.example/e</a></p>',
    ),
]


def test_replies_render_the_markdown_subset(browser: Browser, stand_in: tuple[str, Script]) -> None:
    site, script = stand_in
    page, dialogs = open_site(browser, site)
    for text, html in RENDERED:
        assert streamed(page, script, text) == html, text
        # The same text arriving in small pieces ends up the same.
        assert streamed(page, script, text, pieces=min(len(text), 17)) == html, text
    assert_safe(page, dialogs)
    # The visitor's own messages are shown exactly as typed.
    visitors = page.locator('[data-la="message"][data-role="visitor"]')
    expect(visitors.first).to_have_text("question 1")
    expect(visitors.first.locator("*")).to_have_count(1)  # the text holder, nothing inside
    page.close()


RUN = "window.__pwned=1;alert(1)"
# Each renders as the plain text it is, with no link and no element of its own.
INERT = [
    f"[x](javascript:{RUN})",
    f"[x](JaVaScRiPt:{RUN})",
    f"[x](java\tscript:{RUN})",
    f"[x](java\nscript:{RUN})",
    f"[x](\x01javascript:{RUN})",
    f"[x]( javascript:{RUN})",
    f"[x](&#106;avascript:{RUN})",
    f"[x](&#x6A;avascript:{RUN})",
    f"[x](javascript&colon;{RUN})",
    "[x](vbscript:msgbox(1))",
    f"[x](data:text/html,<script>{RUN}</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](//evil.example/path)",
    "[x](/relative/path) [y](evil.example) [z](https:evil.example) [w](https:/evil.example)",
    "[x](https:\\evil.example) [y](http://\\evil.example)",
    f"javascript:{RUN} and JAVASCRIPT:{RUN}",
    f'<img src=x onerror="{RUN}"> <script>{RUN}</script> <svg onload="{RUN}"></svg>',
    f'<a href="javascript:{RUN}">a</a> <iframe src="javascript:{RUN}"></iframe>',
    "[[x](javascript:alert(1)) [unclosed](mailto:x [also](",
    "**bold *italic `code [link](x ~~~ ``` and __under _score",
]


def test_hostile_replies_stay_inert_text(browser: Browser, stand_in: tuple[str, Script]) -> None:
    site, script = stand_in
    page, dialogs = open_site(browser, site)
    for text in INERT:
        streamed(page, script, text, pieces=3)
        found = read(page)
        assert found["text"] == text.replace("\n", ""), text  # a line break is a <br>
        assert not {"a", "img", "script", "svg", "iframe"} & set(found["elements"]), text
        assert_safe(page, dialogs)

    # Table cells are read like any other text: markup and bad links stay text.
    html = streamed(
        page,
        script,
        f'| [x](javascript:{RUN}) | <img src=x onerror="{RUN}"> |\n|---|---|\n'
        f"| <script>{RUN}</script> | [y](https://shop.example/t) |",
        pieces=4,
    )
    assert html == (
        f"<div><table><thead><tr><th>[x](javascript:{RUN})</th><th>&lt;img src=x "
        f'onerror="{RUN}"&gt;</th></tr></thead><tbody><tr><td>&lt;script&gt;{RUN}'
        f'&lt;/script&gt;</td><td><a href="https://shop.example/t" {LINK}>y</a></td></tr>'
        "</tbody></table></div>"
    )
    assert_safe(page, dialogs)

    # A link whose URL is fine but whose text or address carries markup: attributes stay
    # attribute values, markup stays text.
    html = streamed(
        page,
        script,
        f'[<img src=x onerror="{RUN}">](https://shop.example/a"onmouseover="{RUN}) '
        f'https://shop.example/b"onmouseover="{RUN}" '
        f"[[x](javascript:alert(1))](https://shop.example/c)",
        pieces=5,
    )
    assert html == (
        '<p><a href="https://shop.example/a%22onmouseover=%22window.__pwned=1;alert(1)" '
        f'{LINK}>&lt;img src=x onerror="{RUN}"&gt;</a> '
        f'<a href="https://shop.example/b" {LINK}>https://shop.example/b</a>"onmouseover="{RUN}" '
        f'<a href="https://shop.example/c" {LINK}>[x](javascript:alert(1))</a></p>'
    )
    for item in page.locator(f"{REPLY} a").all():
        item.hover()
    assert_safe(page, dialogs)
    page.close()


def test_a_long_reply_streamed_in_pieces_is_redrawn_per_frame(
    browser: Browser, stand_in: tuple[str, Script]
) -> None:
    site, script = stand_in
    page, dialogs = open_site(browser, site)
    block = (
        "**Bold** and _it_ with `code` [ok](https://shop.example/p) [bad](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> snake_case https://shop.example/q_(x) [1]\n"
        "- item *a* __b__\n1. step **c**\n```\n<b>raw</b>\n```\n\n"
    )
    text = (block * (5000 // len(block) + 1))[:5000]
    assert text.count("**") > 50 and len(text) == 5000
    # 200 pieces, 10 at a time: a renderer that redraws per piece would paint 200 times.
    started = time.monotonic()
    html = streamed(page, script, text, pieces=200, burst=10)
    took = time.monotonic() - started
    found = assert_safe(page, dialogs)
    assert 1 <= found["paints"] <= 40, found["paints"]
    assert took < 15, took
    links = page.locator(f"{REPLY} .txt a")
    assert links.count() == 2 * text.count("[ok](https://shop.example/p)")
    assert page.locator(f"{REPLY} .txt strong").count() >= 2 * text.count("**Bold**")
    assert page.locator(f"{REPLY} .txt pre").count() >= text.count("<b>raw</b>")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html

    # Drawn at once, the same text gives the same result.
    assert streamed(page, script, text) == html
    page.close()


def test_spoken_and_announced_replies_are_plain_text(
    browser: Browser, stand_in: tuple[str, Script]
) -> None:
    site, script = stand_in
    init = FAKE_SYNTHESIS + "localStorage.setItem('libriassist:speak', '1');"
    page, _ = open_site(browser, site, init)
    streamed(
        page,
        script,
        "**Delivery** takes *48 h* [1]. See [our page](https://shop.example/d) "
        "or https://shop.example/e.\n- `fast` option\n- __free__ option [2]",
        pieces=7,
    )
    said = " ".join(s["text"] for s in page.evaluate("spoken"))
    assert said == "Delivery takes 48 h. See our page or. fast option free option"
    assert page.locator('[data-la="live"]').text_content() == (
        "Delivery takes 48 h [1]. See our page or https://shop.example/e.\n"
        "fast option\nfree option [2]"
    )
    # A table is read row by row.
    streamed(page, script, "| Country | Delay |\n|---|---|\n| France | **2** days |", pieces=3)
    assert page.evaluate("spoken")[-1]["text"] == "Country Delay France 2 days"
    assert page.locator('[data-la="live"]').text_content() == "Country Delay\nFrance 2 days"
    page.close()


# --- the real backend: a curated answer in Markdown, live and as history -------------------

QUESTION = "¿Cómo se conserva mejor el aceite de oliva virgen extra?"
CURATED = (
    "Para conservarlo **bien**:\n"
    "- lejos de la *luz*\n"
    "- a menos de `20 °C`\n\n"
    "1. Cierra la botella.\n"
    "2. Úsala en [tres meses](https://casaolivar.example/conservar).\n\n"
    f'Nunca [esto](javascript:{RUN}) ni <img src=x onerror="{RUN}">.'
)
CURATED_HTML = (
    "<p>Para conservarlo <strong>bien</strong>:</p>"
    "<ul><li>lejos de la <em>luz</em></li><li>a menos de <code>20 °C</code></li></ul>"
    "<ol><li>Cierra la botella.</li><li>Úsala en "
    f'<a href="https://casaolivar.example/conservar" {LINK}>tres meses</a>.</li></ol>'
    f'<p>Nunca [esto](javascript:{RUN}) ni &lt;img src=x onerror="{RUN}"&gt;.</p>'
)


@pytest.fixture
def curated_markdown(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> Iterator[None]:
    admin = {"X-API-Key": demo_keys[TENANT]["secret_key"]}
    api = f"{demo_server}/api/v1/admin/kb/curated"
    created = httpx.post(
        api,
        headers=admin,
        json={"question": QUESTION, "answer": CURATED, "language": "es"},
    )
    assert created.status_code == 201, created.text
    yield
    httpx.delete(f"{api}/{created.json()['id']}", headers=admin)


def test_a_curated_answer_renders_live_and_from_history(
    demo_server: str, browser: Browser, curated_markdown: None
) -> None:
    page = browser.new_page()
    dialogs = watch_dialogs(page)
    page.goto(f"{demo_server}/demo/{TENANT}")
    page.locator('[data-la="launcher"]').click()
    page.evaluate(WATCH)
    ask(page, QUESTION)
    assert read(page)["html"] == CURATED_HTML
    assert_safe(page, dialogs)

    page.reload()
    page.locator('[data-la="launcher"]').click()
    expect(page.locator(REPLY)).to_have_count(1)
    page.evaluate(WATCH)
    assert read(page)["html"] == CURATED_HTML
    assert_safe(page, dialogs)
    page.close()
