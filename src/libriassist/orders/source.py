"""The one interface every order source implements, and the built-in table's.

The customer id always comes from a validated shopper token, never from a message: a
source only ever answers for that customer, and ``find`` answers ``None`` alike for an
order number that does not exist and for one that is another customer's.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.orders.models import StoredOrder
from libriassist.orders.numbers import digits_alias, order_number_key, pick
from libriassist.orders.records import Order, OrderItem, OrderStatus
from libriassist.orders.repository import OrderRepository

# The most a source returns for one customer (the most recent ones).
MAX_ORDERS_PER_CUSTOMER = 500


class OrderSource(Protocol):
    async def orders_for(self, customer_id: str) -> list[Order]:
        """The customer's orders, most recent first."""
        ...

    async def find(self, customer_id: str, order_number: str) -> Order | None:
        """The customer's order with this number (orders/numbers.py), else None."""
        ...


def usable_customer_id(customer_id: str) -> bool:
    """Ids no customer can have (empty, control characters, path tricks) own nothing."""
    return (
        0 < len(customer_id) <= 255
        and customer_id not in (".", "..")
        and all(ch.isprintable() for ch in customer_id)
    )


class TableOrderSource:
    """Orders imported into the tenant's ``orders`` table."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._orders = OrderRepository(session, tenant_id)

    async def orders_for(self, customer_id: str) -> list[Order]:
        if not usable_customer_id(customer_id):
            return []
        rows = await self._orders.for_customer(customer_id, MAX_ORDERS_PER_CUSTOMER)
        return [stored_to_order(row) for row in rows]

    async def find(self, customer_id: str, order_number: str) -> Order | None:
        key = order_number_key(order_number)
        if not usable_customer_id(customer_id) or not key or len(key) > 64:
            return None
        rows = await self._orders.candidates(customer_id, key)
        found = pick(rows, order_number)
        return stored_to_order(found) if found is not None else None


def stored_columns(order: Order, customer_id: str) -> dict[str, object]:
    """An order as the ``orders`` table's columns."""
    key = order_number_key(order.order_number)
    return {
        "customer_id": customer_id,
        "order_number": order.order_number,
        "number_key": key,
        "number_digits": digits_alias(key),
        "status": order.status,
        "status_text": order.status_text,
        "placed_at": order.placed_at,
        "shop_updated_at": order.updated_at,
        "expected_at": order.expected_at,
        "carrier": order.carrier,
        "tracking_url": order.tracking_url,
        "items": [item.model_dump(mode="json", exclude_none=True) for item in order.items],
        "total": _decimal_text(order.total),
        "currency": order.currency,
    }


def stored_to_order(row: StoredOrder) -> Order:
    status: OrderStatus = row.status  # type: ignore[assignment]
    return Order(
        order_number=row.order_number,
        status=status,
        status_text=row.status_text,
        placed_at=_utc(row.placed_at),
        updated_at=_utc(row.shop_updated_at),
        expected_at=row.expected_at,
        carrier=row.carrier,
        tracking_url=row.tracking_url,
        items=tuple(OrderItem.model_validate(item) for item in row.items),
        total=Decimal(row.total) if row.total is not None else None,
        currency=row.currency,
    )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
