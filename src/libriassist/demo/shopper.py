"""The demo shopper of each demo tenant: a shop login (HS256), a few orders, and tokens.

Each demo tenant's site "signs" its shoppers' tokens with a shared HS256 secret, stored
through the identity service (encrypted like any tenant's). A readable HS256 secret is
kept on later runs; without one (none yet, or an admin switched to JWKS) a new one is
generated. The logged-in demo page reads the tenant's current secret at each load and
signs a fresh, short-lived token for the demo shopper, as a shop's server would for its
own customer.

``orders.json`` is an orders import file (docs/integration-orders.md) whose dates are
whole days from today (``-3``: three days ago), so the demo's parcels are always recent.
"""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from importlib.abc import Traversable
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.config import Settings
from libriassist.errors import Conflict
from libriassist.identity import service as identity_service
from libriassist.identity.errors import IdentityNotConfigured, IdentitySecretUnreadable
from libriassist.identity.schemas import IdentitySettingsIn
from libriassist.identity.tokens import TokenRules
from libriassist.kit.secrets import SecretBox
from libriassist.orders import service as orders_service
from libriassist.orders.schemas import ImportResult

# Long enough to try everything, short enough that a copied page is soon worthless.
TOKEN_LIFETIME_SECONDS = 30 * 60
_DATE_FIELDS = ("placed_at", "updated_at", "expected_at")


class DemoShopperUnavailable(Conflict):
    code = "demo_shopper_unavailable"
    message = (
        "This demo tenant's shopper login is no longer the demo's own HS256 secret; "
        "run `libriassist demo` again to restore it."
    )


@dataclass(frozen=True)
class DemoShopper:
    customer_id: str
    name: str
    email: str
    labels: dict[str, str]


def load(folder: Traversable) -> DemoShopper:
    spec: dict[str, Any] = json.loads((folder / "shopper.json").read_text(encoding="utf-8"))
    return DemoShopper(spec["customer_id"], spec["name"], spec["email"], spec["labels"])


def orders_file(folder: Traversable, today: date) -> bytes:
    """The tenant's demo orders as an import file, day offsets turned into dates."""
    entries: list[dict[str, Any]] = json.loads((folder / "orders.json").read_text(encoding="utf-8"))
    for entry in entries:
        for name in _DATE_FIELDS:
            if isinstance(entry.get(name), int):
                day = today + timedelta(days=entry[name])
                entry[name] = (
                    day.isoformat()
                    if name == "expected_at"
                    else datetime.combine(day, day_time(9, 30), UTC).isoformat()
                )
    return json.dumps(entries, ensure_ascii=False).encode()


async def set_up(
    session: AsyncSession,
    tenant_id: str,
    folder: Traversable,
    box: SecretBox,
    settings: Settings,
) -> ImportResult:
    """Idempotent: a readable HS256 secret is kept, the demo orders are upserted."""
    await _ensure_hs256(session, tenant_id, box, settings)
    orders = orders_service.parse_file(
        orders_file(folder, datetime.now(UTC).date()), "json", settings
    )
    return await orders_service.import_orders(session, tenant_id, orders, replace=False)


async def _ensure_hs256(
    session: AsyncSession, tenant_id: str, box: SecretBox, settings: Settings
) -> None:
    if await _hs256_rules(session, tenant_id, box) is not None:
        return
    body = IdentitySettingsIn(mode="hs256", secret=secrets.token_urlsafe(48))
    await identity_service.save(session, tenant_id, body, box, settings)


async def _hs256_rules(session: AsyncSession, tenant_id: str, box: SecretBox) -> TokenRules | None:
    """The tenant's token rules when they sign with a readable HS256 secret, else None."""
    try:
        rules = await identity_service.rules_for(session, tenant_id, box)
    except (IdentityNotConfigured, IdentitySecretUnreadable):
        return None
    return rules if rules.algorithm == "HS256" and rules.secret else None


async def token_for(
    session: AsyncSession, tenant_id: str, shopper: DemoShopper, box: SecretBox
) -> str:
    """A fresh token for the demo shopper, signed with the tenant's current secret."""
    rules = await _hs256_rules(session, tenant_id, box)
    if rules is None:
        raise DemoShopperUnavailable()
    return mint(rules, shopper, int(time.time()))


def mint(rules: TokenRules, shopper: DemoShopper, now: int) -> str:
    assert rules.secret is not None
    claims: dict[str, Any] = {
        "sub": shopper.customer_id,
        "name": shopper.name,
        "email": shopper.email,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECONDS,
    }
    if rules.audience:
        claims["aud"] = rules.audience
    if rules.issuer:
        claims["iss"] = rules.issuer
    return jwt.encode(claims, rules.secret, algorithm="HS256")
