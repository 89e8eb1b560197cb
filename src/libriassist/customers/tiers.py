"""Customer tiers: bronze → silver → gold → platinum → diamond, by orders value.

A tier is reached when the customer's orders value (as the tenant's order source reports
it) is at least the tier's threshold; below silver's, a customer is bronze. Thresholds
are whole amounts in the tenant's currency, set per tenant (``customer_tiers`` in the
tenant's settings; null = ``DEFAULT_THRESHOLDS``). Only the value counts, not the number
of orders: one large order is worth as much as several small ones.

The tier is stored with the profile (so profiles can be listed by tier) and recomputed
when the orders are recorded and when the tenant changes its thresholds (``retier``).
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.customers.errors import InvalidTiers
from libriassist.customers.models import CustomerProfile
from libriassist.customers.repository import CustomerProfileRepository

Tier = Literal["bronze", "silver", "gold", "platinum", "diamond"]
# Bronze has no threshold: it is where every customer starts.
RANKED: tuple[Tier, ...] = ("silver", "gold", "platinum", "diamond")
DEFAULT_THRESHOLDS: dict[str, int] = {
    "silver": 100,
    "gold": 500,
    "platinum": 1_500,
    "diamond": 5_000,
}
MAX_THRESHOLD = 10**12  # whole currency units; stored as cents in a 64-bit column


class CustomerTiers(BaseModel):
    """The orders value (whole units of the tenant's currency) each tier starts at.
    Bronze is every customer below silver."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**DEFAULT_THRESHOLDS}]},
    )

    # Order is checked by ``checked_thresholds`` (error ``invalid_tiers``), not here.
    silver: int = Field(description="Orders value from which a customer is silver.")
    gold: int
    platinum: int
    diamond: int


def thresholds_of(stored: Mapping[str, int] | None) -> dict[str, int]:
    """The tenant's thresholds as stored (``None`` = the defaults)."""
    if not stored:
        return dict(DEFAULT_THRESHOLDS)
    return {tier: int(stored[tier]) for tier in RANKED}


def checked_thresholds(given: Mapping[str, int]) -> dict[str, int]:
    """``given`` if every threshold is above 0 and each is above the one before; else
    ``InvalidTiers`` (422) naming the first problem."""
    for tier in RANKED:
        if not 0 < given[tier] <= MAX_THRESHOLD:
            raise InvalidTiers(
                f"The {tier} threshold must be between 1 and {MAX_THRESHOLD:,}.",
                details={"tier": tier, "value": given[tier]},
            )
    for lower, higher in zip(RANKED, RANKED[1:], strict=False):
        if given[higher] <= given[lower]:
            raise InvalidTiers(
                f"The {higher} threshold ({given[higher]}) must be higher than the {lower} "
                f"one ({given[lower]}).",
                details={"tier": higher, "value": given[higher], "below": lower},
            )
    return {tier: given[tier] for tier in RANKED}


def tier_for(value: Decimal | int, thresholds: Mapping[str, int]) -> Tier:
    """The tier of a customer whose orders are worth ``value`` (currency units)."""
    for tier in reversed(RANKED):
        if value >= thresholds[tier]:
            return tier
    return "bronze"


def cents(value: Decimal | int) -> int:
    """A currency amount in cents, rounded half up (orders totals have at most 2 decimals
    in most currencies; a third one is rounded)."""
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def retier(session: AsyncSession, tenant_id: str, thresholds: Mapping[str, int]) -> None:
    """Recompute every profile's tier of a tenant, in one statement (thresholds changed)."""
    tier = case(
        *((CustomerProfile.orders_value_cents >= thresholds[t] * 100, t) for t in reversed(RANKED)),
        else_="bronze",
    )
    await CustomerProfileRepository(session, tenant_id).set_tiers(tier)
