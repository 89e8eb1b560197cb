"""The demo pages, anonymous and logged in as each shop's demo shopper."""

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from libriassist.config import Settings
from libriassist.demo import shopper as demo_shopper
from libriassist.demo.service import demo_root, demo_tenant_ids, read_keys
from libriassist.identity.errors import InvalidUserToken
from libriassist.identity.jwks import JwksCache
from libriassist.identity.schemas import Shopper
from libriassist.identity.tokens import TokenRules, verify
from libriassist.orders.service import parse_file
from tests.widget.conftest import ask

# "Where is my order?" as a visitor of each shop would ask it, and words of the invitation
# to log in that an anonymous visitor gets instead.
ORDER_QUESTIONS = {
    "papyrus": ("Où est ma commande ?", "connectez-vous"),
    "casa-olivar": ("¿Dónde está mi pedido?", "inicia sesión"),
    "dar-argan": ("فين وصلات الطلبية ديالي؟", "دخل للحساب"),
}


def shop_folder(tenant_id: str) -> Any:
    return demo_root() / "tenants" / tenant_id


def order_numbers(tenant_id: str) -> list[str]:
    entries = json.loads((shop_folder(tenant_id) / "orders.json").read_text(encoding="utf-8"))
    return [e["order_number"] for e in entries]


def page_config(page: Page) -> dict[str, Any]:
    config: dict[str, Any] = page.evaluate("window.LIBRIASSIST_CONFIG")
    return config


def open_widget(page: Page) -> None:
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()


# --- without a browser --------------------------------------------------------------------


def test_every_demo_tenant_has_a_shopper_with_orders_the_importer_accepts() -> None:
    assert set(ORDER_QUESTIONS) == set(demo_tenant_ids())
    today = date(2026, 3, 10)
    for tenant_id in demo_tenant_ids():
        folder = shop_folder(tenant_id)
        shopper = demo_shopper.load(folder)
        orders = parse_file(demo_shopper.orders_file(folder, today), "json", Settings())
        assert len(orders) >= 2, tenant_id
        assert {o.customer_id for o in orders} == {shopper.customer_id}
        # Day offsets became dates around "today": recent parcels whatever the date.
        placed = [o.order.placed_at for o in orders]
        assert all(p is not None and p.date() < today for p in placed), tenant_id
        expected = [o.order.expected_at for o in orders if o.order.expected_at]
        assert expected and all(e >= today for e in expected), tenant_id
        assert {"log_in", "log_out", "signed_in"} <= set(shopper.labels)


def checked_by_the_server(token: str, rules: TokenRules) -> Shopper:
    """The server's own check, on a loop of its own (Playwright's sync API runs one in this
    thread once a browser test has started)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, verify(token, rules, JwksCache())).result()


def test_a_minted_token_names_the_demo_shopper_and_expires_soon() -> None:
    shopper = demo_shopper.load(shop_folder("dar-argan"))
    rules = TokenRules(
        algorithm="HS256",
        secret="s" * 48,
        jwks_url=None,
        audience="libriassist",
        issuer="https://dar-argan.example",
        leeway_seconds=0,
    )
    now = int(time.time())
    token = demo_shopper.mint(rules, shopper, now)
    checked = checked_by_the_server(token, rules)
    assert (checked.customer_id, checked.name, checked.email) == (
        shopper.customer_id,
        shopper.name,
        shopper.email,
    )
    assert checked.expires_at == datetime.fromtimestamp(
        now + demo_shopper.TOKEN_LIFETIME_SECONDS, UTC
    )
    assert demo_shopper.TOKEN_LIFETIME_SECONDS <= 3600
    # Signed with the tenant's secret and no other.
    other = dataclasses.replace(rules, secret="t" * 48)
    with pytest.raises(InvalidUserToken) as refused:
        checked_by_the_server(token, other)
    assert refused.value.reason == "bad_signature"


def test_setting_up_the_demo_again_keeps_keys_login_and_orders(
    demo_server: str, demo_data_dir: Path, demo_keys: dict[str, dict[str, str]]
) -> None:
    page = httpx.get(f"{demo_server}/demo/casa-olivar/shopper")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    token = page.text.split('"userToken": "', 1)[1].split('"', 1)[0]
    port = str(urlsplit(demo_server).port)
    again = subprocess.run(
        [sys.executable, "-m", "libriassist", "demo", "--setup-only", "--port", port],
        env={**_env(), "LIBRIASSIST_DATA_DIR": str(demo_data_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "/demo/casa-olivar/shopper" in again.stdout
    assert read_keys(demo_data_dir) == demo_keys
    keys = demo_keys["casa-olivar"]
    # The shop's login secret was kept: a token signed before still opens the account.
    checked = httpx.post(
        f"{demo_server}/api/v1/validate-user",
        headers={
            "X-API-Key": keys["publishable_key"],
            "Origin": demo_server,
            "Authorization": f"Bearer {token}",
        },
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["customer_id"] == "demo-shopper"
    # The orders were updated in place, not added twice.
    orders = httpx.get(
        f"{demo_server}/api/v1/admin/orders",
        params={"customer_id": "demo-shopper"},
        headers={"X-API-Key": keys["secret_key"]},
    ).json()
    assert sorted(o["order_number"] for o in orders) == sorted(order_numbers("casa-olivar"))


def test_the_logged_in_page_signs_with_the_tenants_current_secret(
    demo_server: str, demo_keys: dict[str, dict[str, str]]
) -> None:
    keys = demo_keys["casa-olivar"]
    admin = {"X-API-Key": keys["secret_key"]}
    url = f"{demo_server}/demo/casa-olivar/shopper"
    # The shop stops signing with a shared secret: no token can be made for the page.
    assert httpx.delete(f"{demo_server}/api/v1/admin/identity", headers=admin).status_code == 204
    refused = httpx.get(url)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "demo_shopper_unavailable"
    # A new secret: the page signs with it at once.
    secret = "n" * 40
    put = httpx.put(
        f"{demo_server}/api/v1/admin/identity",
        headers=admin,
        json={"mode": "hs256", "secret": secret},
    )
    assert put.status_code == 200, put.text
    token = httpx.get(url).text.split('"userToken": "', 1)[1].split('"', 1)[0]
    assert jwt.decode(token, secret, algorithms=["HS256"])["sub"] == "demo-shopper"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LIBRIASSIST_DATABASE_URL", None)
    return env


def test_an_unknown_demo_page_is_a_clear_404(demo_server: str) -> None:
    for path in ("/demo/nowhere", "/demo/nowhere/shopper"):
        missing = httpx.get(f"{demo_server}{path}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


# --- in Chromium ----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_index_links_every_demo_page_and_each_page_loads(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(f"{demo_server}/demo")
    hrefs = page.eval_on_selector_all("a[href^='/demo/']", "els => els.map(a => a.pathname)")
    wanted = {f"/demo/{t}{v}" for t in demo_tenant_ids() for v in ("", "/shopper")}
    assert wanted <= set(hrefs)
    for path in sorted(wanted):
        page.goto(f"{demo_server}/demo")
        page.locator(f"a[href='{path}']").click()
        page.wait_for_url(f"{demo_server}{path}")
        expect(page.locator('[data-la="launcher"]')).to_be_visible()
        assert ("userToken" in page_config(page)) == path.endswith("/shopper")
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("tenant_id", sorted(ORDER_QUESTIONS))
def test_the_demo_shopper_sees_their_orders_and_a_guest_is_invited_to_log_in(
    demo_server: str, browser: Browser, tenant_id: str
) -> None:
    question, log_in_words = ORDER_QUESTIONS[tenant_id]
    numbers = order_numbers(tenant_id)
    shopper = demo_shopper.load(shop_folder(tenant_id))
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.goto(f"{demo_server}/demo/{tenant_id}/shopper")
    expect(page.locator('[data-demo="account"]')).to_contain_text(shopper.name)
    token = page_config(page)["userToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["name"], claims["email"]) == (
        shopper.customer_id,
        shopper.name,
        shopper.email,
    )
    assert 0 < claims["exp"] - time.time() <= demo_shopper.TOKEN_LIFETIME_SECONDS
    open_widget(page)
    answer = ask(page, question)
    for number in numbers:
        assert number in answer, (number, answer)

    # "Log out" in the shop's header: the same shop, anonymous.
    page.locator('[data-demo="log-out"]').click()
    page.wait_for_url(f"{demo_server}/demo/{tenant_id}")
    assert "userToken" not in page_config(page)
    expect(page.locator('[data-demo="log-in"]')).to_be_visible()
    open_widget(page)
    # The logged-in conversation is not shown to the anonymous visitor.
    expect(page.locator('[data-la="message"][data-role="visitor"]')).to_have_count(0)
    answer = ask(page, question)
    assert log_in_words in answer
    assert not any(number in answer for number in numbers)

    page.locator('[data-demo="log-in"]').click()
    page.wait_for_url(f"{demo_server}/demo/{tenant_id}/shopper")
    expect(page.locator('[data-demo="account"]')).to_be_visible()
    page.close()
