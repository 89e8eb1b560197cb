"""What an order is, whatever it comes from: the shop's own API or the imported table.

``OrderRecord`` validates one incoming order (an import row, an entry of the shop API's
reply); ``Order`` is the frozen value every source returns. Statuses are normalised to a
small vocabulary so replies can say them in five languages; the shop's own wording is kept
in ``status_text``.
"""

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from libriassist.kit.text import CleanStr, HttpUrlStr
from libriassist.orders.numbers import order_number_key

OrderStatus = Literal[
    "pending",
    "processing",
    "shipped",
    "out_for_delivery",
    "delivered",
    "cancelled",
    "returned",
    "refunded",
]
STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)

# The words shops use for each status (accents, case, "-" and "_" do not matter). A word
# not listed here is refused with the list of accepted ones: guessing would tell a shopper
# the wrong thing about their parcel.
_STATUS_WORDS: dict[OrderStatus, str] = {
    "pending": "pending | new | on hold | unpaid | awaiting payment | payment pending"
    " | en attente | en attente de paiement | nouvelle | pendiente | pendiente de pago",
    "processing": "processing | paid | confirmed | accepted | in progress | preparing"
    " | payee | confirmee | validee | en cours | en preparation | en cours de preparation"
    " | pagado | pagada | confirmado | confirmada | procesando | en preparacion",
    "shipped": "shipped | sent | dispatched | in transit | fulfilled | expediee | expedie"
    " | envoyee | envoye | en transit | enviado | enviada | en transito | en camino",
    "out_for_delivery": "out for delivery | en cours de livraison | en livraison"
    " | en reparto | en reparto hoy",
    "delivered": "delivered | completed | complete | received | livree | livre | recue"
    " | entregado | entregada | recibido",
    "cancelled": "cancelled | canceled | voided | annulee | annule | cancelado | cancelada"
    " | anulado | anulada",
    "returned": "returned | retournee | retourne | devuelto | devuelta | retour",
    "refunded": "refunded | remboursee | rembourse | reembolsado | reembolsada",
}


def _status_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[-_]", " ", plain.lower()).split())


STATUS_SYNONYMS: dict[str, OrderStatus] = {
    _status_key(word): status
    for status, words in _STATUS_WORDS.items()
    for word in words.split("|")
}


def normalise_status(text: str) -> OrderStatus | None:
    return STATUS_SYNONYMS.get(_status_key(text))


class OrderItem(BaseModel):
    # Shops' line items carry more (SKU, options...): only these three are read.
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: CleanStr = Field(min_length=1, max_length=300)
    quantity: int = Field(default=1, ge=1, le=100_000)
    price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=3)


class Order(BaseModel):
    """One order as a source returns it (times in UTC; ``items`` may be empty)."""

    model_config = ConfigDict(frozen=True)

    order_number: str
    status: OrderStatus
    status_text: str | None = Field(default=None, description="The shop's own wording.")
    placed_at: datetime | None = None
    updated_at: datetime | None = None
    expected_at: date | None = Field(default=None, description="Expected delivery date.")
    carrier: str | None = None
    tracking_url: str | None = None
    items: tuple[OrderItem, ...] = ()
    total: Decimal | None = None
    currency: str | None = None


def _blank_is_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _utc(value: datetime | None) -> datetime | None:
    # Kept in UTC (SQLite drops the zone, it must not drop the hours with it); a time
    # without a zone is read as UTC, the documented rule.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: object) -> object:
    """A date, or a date-time read as its calendar date (in its own zone)."""
    if isinstance(value, str) and len(value) > 10:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            return value
    return value.date() if isinstance(value, datetime) else value


def _amount(value: object) -> object:
    # "12,50" is how half of Europe writes 12.50; "1,234.50" has no decimal comma.
    if isinstance(value, str) and "," in value and "." not in value:
        value = value.replace(",", ".")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ValueError("must be a number like 12.50") from exc
    return value


Text = Annotated[CleanStr | None, BeforeValidator(_blank_is_none)]
When = Annotated[datetime | None, BeforeValidator(_blank_is_none), AfterValidator(_utc)]
Amount = Annotated[
    Decimal | None,
    BeforeValidator(_amount),
    BeforeValidator(_blank_is_none),
    Field(ge=0, max_digits=14, decimal_places=3),
]


class OrderRecord(BaseModel):
    """One order as a shop sends it (an import row or an entry of its API's reply)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    order_number: CleanStr = Field(min_length=1, max_length=64)
    status: OrderStatus
    status_text: Text = Field(default=None, max_length=100)
    placed_at: When = None
    updated_at: When = None
    expected_at: Annotated[
        date | None, BeforeValidator(_as_date), BeforeValidator(_blank_is_none)
    ] = None
    carrier: Text = Field(default=None, max_length=100)
    tracking_url: Annotated[HttpUrlStr | None, BeforeValidator(_blank_is_none)] = None
    items: list[OrderItem] = Field(default_factory=list, max_length=200)
    total: Amount = None
    currency: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, pattern=r"^[A-Z]{3}$"
    )

    @model_validator(mode="before")
    @classmethod
    def _keep_the_shops_wording(cls, data: object) -> object:
        if not isinstance(data, dict) or not isinstance(data.get("status"), str):
            return data
        given = data.get("status_text")
        if not (isinstance(given, str) and given.strip()):
            data = {**data, "status_text": data["status"].strip()[:100] or None}
        return data

    @field_validator("order_number", mode="before")
    @classmethod
    def _numbers_are_text(cls, value: object) -> object:
        # Shops often send order numbers as JSON numbers: 1042 is the order "1042".
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return str(value) if is_number else value

    @field_validator("order_number")
    @classmethod
    def _has_letters_or_digits(cls, value: str) -> str:
        if not order_number_key(value):
            raise ValueError("must contain letters or digits")
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _known_status(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        status = normalise_status(value)
        if status is None:
            raise ValueError(
                f"unknown status {value.strip()[:40]!r}; use one of {', '.join(STATUSES)} "
                "(common synonyms in English, French and Spanish are read too)"
            )
        return status

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def to_order(self) -> Order:
        return Order(
            order_number=self.order_number,
            status=self.status,
            status_text=self.status_text,
            placed_at=self.placed_at,
            updated_at=self.updated_at,
            expected_at=self.expected_at,
            carrier=self.carrier,
            tracking_url=self.tracking_url,
            items=tuple(self.items),
            total=self.total,
            currency=self.currency,
        )
