"""A shopper's order question, answered from their own orders.

One call to the source per question, ``orders_for(customer_id)``, whatever number was
typed: the number never reaches the database or the shop's API, so a number that is
someone else's and one that exists nowhere cost the same and read the same. Everything
after that call is a pure function of the customer's orders.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from libriassist.orders.numbers import matches, order_number_key
from libriassist.orders.records import Order
from libriassist.orders.replies import no_orders, no_such_order, order_summary, which_order
from libriassist.orders.source import OrderSource

# The most order numbers one message gets an answer for.
MAX_NUMBERS = 3

AnswerKind = Literal["order", "which_order", "no_such_order", "no_orders"]


@dataclass(frozen=True)
class OrderAnswer:
    kind: AnswerKind
    text: str
    # The orders the reply shows (what analytics counts as "orders consulted").
    shown: tuple[Order, ...]
    # Numbers the message named that are not the customer's (each counts as a miss).
    misses: int = 0


async def answer(
    source: OrderSource, customer_id: str, typed_numbers: Sequence[str], language: str
) -> OrderAnswer:
    """Raises the source's ``OrderSourceError`` when the shop's API fails."""
    return order_answer(await source.orders_for(customer_id), typed_numbers, language)


def order_answer(
    orders: Sequence[Order], typed_numbers: Sequence[str], language: str
) -> OrderAnswer:
    """The reply to an order question, given all the customer's orders (most recent first)
    and the numbers the message names (``intents.entities``), if any."""
    typed = _distinct([n for n in typed_numbers if order_number_key(n)])[:MAX_NUMBERS]
    if not typed:
        if not orders:
            return OrderAnswer("no_orders", no_orders(language), ())
        if len(orders) == 1:
            return OrderAnswer("order", order_summary(orders[0], language), (orders[0],))
        return OrderAnswer("which_order", which_order(orders, language), tuple(orders[:5]))
    parts: list[tuple[AnswerKind, str, tuple[Order, ...]]] = []
    for number in typed:
        found = matches(orders, number)
        if not found:
            parts.append(("no_such_order", no_such_order(language, number), ()))
        elif len(found) == 1 or order_number_key(found[0].order_number) == order_number_key(number):
            if any(found[0] in shown for _, _, shown in parts):
                continue  # "1042" and "CMD-1042" in one message: one order, said once
            parts.append(("order", order_summary(found[0], language), (found[0],)))
        else:
            parts.append(("which_order", which_order(found, language), tuple(found[:5])))
    kinds = {kind for kind, _, _ in parts}
    kind: AnswerKind = (
        "order"
        if "order" in kinds
        else "which_order"
        if "which_order" in kinds
        else "no_such_order"
    )
    return OrderAnswer(
        kind,
        "\n\n".join(text for _, text, _ in parts),
        tuple(order for _, _, shown in parts for order in shown),
        misses=sum(1 for part_kind, _, _ in parts if part_kind == "no_such_order"),
    )


def _distinct(numbers: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for number in numbers:
        seen.setdefault(order_number_key(number), number)
    return list(seen.values())
