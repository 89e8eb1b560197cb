"""The widget's page API, shopper tokens, error states, feedback and analytics, in Chromium.

States the demo server cannot be made to produce on demand (429, 403, 500, a dropped
connection) are answered by Playwright at the browser's HTTP boundary; so are the feedback
and analytics endpoints, whose requests are what is checked here.
"""

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.widget.conftest import ask

pytestmark = pytest.mark.browser

EVENT_NAMES = ["open", "close", "message", "reply", "error", "reauth_required"]
RECORD_EVENTS = """names => {
  window.seen = [];
  names.forEach(n => LibriAssist.on(n, d => window.seen.push([n, d])));
}"""
ASSISTANT_REPLY = '[data-la="message"][data-role="assistant"]:not([data-greeting])'


def load(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    page.evaluate(RECORD_EVENTS, EVENT_NAMES)


def seen(page: Page) -> list[list[Any]]:
    events: list[list[Any]] = page.evaluate("window.seen")
    return events


def wait_until(page: Page, condition: Callable[[], bool], what: str) -> None:
    for _ in range(150):
        if condition():
            return
        page.wait_for_timeout(100)
    pytest.fail(f"timed out waiting for {what}")


def stored_session(page: Page) -> dict[str, str]:
    raw = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('libriassist:session:'))"
        ".map(k => localStorage.getItem(k))[0] || null"
    )
    return json.loads(raw) if raw else {}


def test_page_api_drives_the_widget_and_analytics_are_batched(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    # The same page without the widget: whatever else the page defines is not ours.
    page.route("**/widget.js", lambda route: route.abort())
    page.goto(f"{demo_server}/demo/dar-argan")
    bare = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    page.unroute("**/widget.js")

    batches: list[Request] = []

    def collect(route: Route) -> None:
        batches.append(route.request)
        route.fulfill(status=204)

    page.route("**/api/v1/analytics/events*", collect)
    page.goto(f"{demo_server}/demo/dar-argan")
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    assert set(page.evaluate("Object.getOwnPropertyNames(window)")) - bare == {"LibriAssist"}
    page.evaluate(RECORD_EVENTS, EVENT_NAMES)

    panel = page.locator('[data-la="panel"]')
    box = page.locator('[data-la="input"]')
    page.evaluate("LibriAssist.setLanguage('fr')")
    page.evaluate("LibriAssist.open()")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("dir", "ltr")
    expect(box).to_have_attribute("placeholder", "Écrivez votre message…")
    page.evaluate("LibriAssist.setLanguage('ary')")
    expect(panel).to_have_attribute("dir", "rtl")
    expect(box).to_have_attribute("placeholder", "كتب الرسالة ديالك…")
    page.evaluate("LibriAssist.setLanguage('ar')")
    expect(box).to_have_attribute("placeholder", "اكتب رسالتك…")
    assert panel.evaluate("el => getComputedStyle(el).direction") == "rtl"
    page.evaluate("LibriAssist.close()")
    expect(panel).to_be_hidden()
    assert [name for name, _ in seen(page)] == ["open", "close"]

    def sent_events() -> list[dict[str, Any]]:
        return [e for r in batches for e in json.loads(r.post_data or "{}")["events"]]

    wait_until(page, lambda: len(sent_events()) >= 2, "the open and close events")
    first, second = sent_events()[:2]
    assert (first["type"], second["type"]) == ("widget_open", "widget_close")
    assert first["language"] == "fr" and second["language"] == "ar"
    assert first["session_id"] is None and first["at"].endswith("Z")
    key = page.evaluate("LIBRIASSIST_CONFIG.apiKey")
    assert batches[0].url.endswith(f"/api/v1/analytics/events?key={key}")

    # Leaving the page reports how long the panel was open, through a beacon.
    page.evaluate("dispatchEvent(new Event('pagehide'))")
    wait_until(page, lambda: len(sent_events()) >= 3, "the session duration")
    last = sent_events()[-1]
    assert last["type"] == "session_duration" and last["duration_ms"] > 0
    assert batches[-1].headers["content-type"].startswith("text/plain")
    page.close()


@pytest.fixture(scope="module")
def papyrus_secret(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> str:
    """The demo shop Papyrus signs its shoppers' tokens with this shared secret."""
    secret = secrets.token_urlsafe(32)
    configured = httpx.put(
        f"{demo_server}/api/v1/admin/identity",
        headers={"X-API-Key": demo_keys["papyrus"]["secret_key"]},
        json={"mode": "hs256", "secret": secret},
    )
    assert configured.status_code == 200, configured.text
    return secret


def shopper_token(secret: str, expires_in: int = 3600) -> str:
    return jwt.encode({"sub": "alice", "exp": int(time.time()) + expires_in}, secret, "HS256")


def test_shopper_token_feedback_and_log_in_again(
    demo_server: str, demo_keys: dict[str, dict[str, str]], papyrus_secret: str, browser: Browser
) -> None:
    keys = demo_keys["papyrus"]
    admin = {"X-API-Key": keys["secret_key"]}
    good = shopper_token(papyrus_secret)
    expired = shopper_token(papyrus_secret, expires_in=-3600)

    page = browser.new_page()
    ratings: list[Request] = []

    def rate(route: Route) -> None:
        ratings.append(route.request)
        route.fulfill(status=204)

    page.route("**/api/v1/feedback", rate)
    load(page, f"{demo_server}/demo/papyrus")
    page.evaluate("t => LibriAssist.setUserToken(t)", good)
    page.locator('[data-la="launcher"]').click()
    ask(page, "Quels sont les délais de livraison ?")

    # The server saw alice's token: she is now one of the shop's customers (beside the
    # demo shopper, when the logged-in demo page was used first).
    customers = httpx.get(f"{demo_server}/api/v1/admin/customers", headers=admin).json()
    assert "alice" in [c["customer_id"] for c in customers["customers"]]
    replies = [d for name, d in seen(page) if name == "reply"]
    assert [name for name, _ in seen(page)] == ["open", "message", "reply"]
    message_id = replies[0]["message_id"]
    logged_in_session = stored_session(page)

    reply = page.locator(ASSISTANT_REPLY).last
    up, down = reply.locator('[data-la="up"]'), reply.locator('[data-la="down"]')
    with page.expect_request("**/api/v1/feedback"):
        up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    assert ratings[0].post_data_json == {"message_id": message_id, "rating": "up", "comment": None}
    assert ratings[0].headers["x-api-key"] == keys["publishable_key"]
    assert ratings[0].headers["x-session-token"] == logged_in_session["session_token"]

    # 👎 from the keyboard, then a comment.
    down.focus()
    with page.expect_request("**/api/v1/feedback"):
        page.keyboard.press("Enter")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    comment = page.locator('[data-la="comment"]')
    expect(comment).to_be_focused()
    with page.expect_request("**/api/v1/feedback"):
        comment.fill("Pas assez précis")
        page.keyboard.press("Enter")
    # The request event can come before the route handler has run: wait for the handler.
    wait_until(page, lambda: len(ratings) == 3, "the comment reaching the route")
    assert [r.post_data_json for r in ratings[1:]] == [
        {"message_id": message_id, "rating": "down", "comment": None},
        {"message_id": message_id, "rating": "down", "comment": "Pas assez précis"},
    ]

    # The token expires: the visitor is asked to log in again, in the page's language...
    page.evaluate("t => LibriAssist.setUserToken(t)", expired)
    page.locator('[data-la="input"]').fill("Et pour la Belgique ?")
    page.keyboard.press("Enter")
    notice = page.locator('[data-la="error"]')
    expect(notice).to_have_attribute("data-code", "invalid_user_token")
    expect(notice).to_contain_text("Veuillez vous reconnecter")
    assert ["reauth_required", {"reason": "expired"}] in seen(page)
    # ... or goes on anonymously: alice's conversation is not theirs, so a new one starts.
    notice.locator('[data-la="anonymous"]').click()
    expect(page.locator(ASSISTANT_REPLY)).to_have_count(2, timeout=30_000)
    expect(page.locator(ASSISTANT_REPLY).last).to_have_attribute(
        "data-state", "done", timeout=30_000
    )
    expect(notice).to_have_count(0)
    assert stored_session(page)["session_id"] != logged_in_session["session_id"]
    page.close()


def test_a_shoppers_conversation_is_shown_only_with_their_token(
    demo_server: str, demo_keys: dict[str, dict[str, str]], papyrus_secret: str, browser: Browser
) -> None:
    key = demo_keys["papyrus"]["publishable_key"]
    token = shopper_token(papyrus_secret)
    started = httpx.post(
        f"{demo_server}/api/v1/chat",
        headers={"X-API-Key": key, "Authorization": f"Bearer {token}", "Origin": demo_server},
        json={"message": "Quels sont les délais de livraison ?"},
        timeout=30,
    )
    assert started.status_code == 200, started.text
    stored = {k: started.json()[k] for k in ("session_id", "session_token")}
    remember = f"localStorage.setItem({json.dumps('libriassist:session:' + key)}, {json.dumps(json.dumps(stored))})"
    history = '[data-la="message"][data-role="visitor"]'

    # With alice's token the widget shows her conversation; logging out forgets it.
    page = browser.new_page()
    page.add_init_script(remember)
    load(page, f"{demo_server}/demo/papyrus")
    page.evaluate("t => LibriAssist.setUserToken(t)", token)
    page.evaluate("LibriAssist.open()")
    expect(page.locator(history)).to_have_text(["Quels sont les délais de livraison ?"])
    page.evaluate("LibriAssist.setUserToken(null)")
    expect(page.locator(history)).to_have_count(0)
    assert stored_session(page) == {}
    page.close()

    # Without it the server refuses to read it: the widget starts afresh, without an error.
    page = browser.new_page()
    page.add_init_script(remember)
    load(page, f"{demo_server}/demo/papyrus")
    assert stored_session(page) == stored
    page.evaluate("LibriAssist.open()")
    wait_until(page, lambda: stored_session(page) == {}, "the stored session to be dropped")
    expect(page.locator(history)).to_have_count(0)
    expect(page.locator('[data-la="error"]')).to_have_count(0)
    assert [name for name, _ in seen(page)] == ["open"]
    page.close()


ERROR_BODY = {"message": "refused", "details": {}}


@pytest.mark.parametrize(
    ("answer", "code", "retry", "text"),
    [
        (
            {"status": 429, "headers": {"Retry-After": "7"}, "code": "rate_limited"},
            "rate_limited",
            True,
            "Patientez 7 s",
        ),
        ({"status": 429, "code": "quota_exceeded"}, "quota_exceeded", False, "pas disponible"),
        ({"status": 403, "code": "origin_not_allowed"}, "origin_not_allowed", False, "sur ce site"),
        ({"status": 500}, "server_error", True, "Une erreur est survenue"),
        (
            {"stream": 'event: error\ndata: {"code": "answer_failed"}\n\n'},
            "server_error",
            True,
            "Une erreur est survenue",
        ),
        ({"offline": True}, "network_error", True, "Problème de connexion"),
    ],
    ids=["rate-limited", "quota", "origin", "server", "answer-failed", "offline"],
)
def test_friendly_error_states(
    demo_server: str, browser: Browser, answer: dict[str, Any], code: str, retry: bool, text: str
) -> None:
    page = browser.new_page()

    def refuse(route: Route) -> None:
        if answer.get("offline"):
            route.abort("internetdisconnected")
        elif "stream" in answer:
            route.fulfill(status=200, content_type="text/event-stream", body=answer["stream"])
        else:
            error = {"error": {"code": answer.get("code", "internal_error"), **ERROR_BODY}}
            route.fulfill(
                status=answer["status"],
                headers=answer.get("headers", {}),
                content_type="application/json",
                body=json.dumps(error),
            )

    page.route("**/api/v1/chat", refuse)
    load(page, f"{demo_server}/demo/papyrus")
    page.locator('[data-la="launcher"]').click()
    page.locator('[data-la="input"]').fill("Quels sont les délais de livraison ?")
    page.keyboard.press("Enter")
    notice = page.locator('[data-la="error"]')
    expect(notice).to_have_attribute("data-code", code)
    expect(notice).to_contain_text(text)
    expect(notice.locator('[data-la="retry"]')).to_have_count(1 if retry else 0)
    assert ["error", {"code": code}] in seen(page)
    if code == "rate_limited":
        expect(notice.locator('[data-la="retry"]')).to_be_disabled()
    elif retry:
        # Back online: retrying sends the same question and the answer arrives.
        page.unroute("**/api/v1/chat")
        notice.locator('[data-la="retry"]').click()
        expect(page.locator(ASSISTANT_REPLY)).to_have_count(1, timeout=30_000)
        expect(page.locator(ASSISTANT_REPLY).last).to_have_attribute(
            "data-state", "done", timeout=30_000
        )
        expect(notice).to_have_count(0)
    page.close()
