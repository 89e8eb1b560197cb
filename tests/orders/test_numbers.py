"""Order numbers and statuses as shops and shoppers write them."""

import pytest

from libriassist.orders.numbers import digits_alias, matches, order_number_key, pick
from libriassist.orders.records import Order, normalise_status


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("#1042", "1042"),
        ("1042", "1042"),
        (" CMD-1042 ", "CMD1042"),
        ("cmd 1042", "CMD1042"),
        ("cmd_1042", "CMD1042"),
        ("CMD/1042.", "CMD1042"),
        ("١٠٤٢", "1042"),  # Arabic-Indic digits
        ("＃１０４２", "1042"),  # full-width
        ("Ébène-7", "EBENE7"),
        ("01042", "01042"),  # leading zeros count
        ("#-", ""),
    ],
)
def test_order_number_keys(typed: str, key: str) -> None:
    assert order_number_key(typed) == key


def test_digits_alias_is_for_letter_prefixed_numbers_only() -> None:
    assert digits_alias("CMD1042") == "1042"
    assert digits_alias("1042") is None
    assert digits_alias("A1B2") is None


def _orders(*numbers: str) -> list[Order]:
    return [Order(order_number=n, status="shipped") for n in numbers]


def test_picking_a_typed_number_among_a_customers_orders() -> None:
    mine = _orders("CMD-1042", "CMD-1043", "2001")
    assert pick(mine, "#1042") == mine[0]
    assert pick(mine, "cmd1043") == mine[1]
    assert pick(mine, "2001") == mine[2]
    assert pick(mine, "CMD-2001") is None  # letters never added, only dropped
    assert pick(mine, "9999") is None
    assert pick(mine, "") is None
    # Two prefixed orders with the same digits: no guess...
    ambiguous = _orders("CMD-1042", "RET-1042")
    assert pick(ambiguous, "1042") is None
    assert matches(ambiguous, "1042") == ambiguous  # to ask which one
    # ...unless one is exactly that number.
    exact = _orders("CMD-1042", "1042")
    assert pick(exact, "#1042") == exact[1]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("shipped", "shipped"),
        ("Expédiée", "shipped"),
        ("  IN-TRANSIT ", "shipped"),
        ("out_for_delivery", "out_for_delivery"),
        ("En cours de livraison", "out_for_delivery"),
        ("Canceled", "cancelled"),
        ("entregado", "delivered"),
        ("Remboursée", "refunded"),
        ("on-hold", "pending"),
        ("lost", None),
    ],
)
def test_status_words(text: str, status: str | None) -> None:
    assert normalise_status(text) == status
