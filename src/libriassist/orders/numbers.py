"""How an order number a shopper types is matched to the shop's (docs/integration-orders.md).

1. Only letters and digits count, without case: spaces, ``#``, ``-``, ``_``, ``/``, ``.``
   and other signs are ignored, so ``#1042`` = ``1042`` and `` CMD-1042 `` = ``cmd 1042``
   = ``CMD1042``. Accents are dropped and Arabic-Indic or full-width digits read as ASCII.
2. A number of digits alone also matches an order numbered with a letter prefix and
   those digits: ``1042`` finds ``CMD-1042`` (but ``CMD-1042`` does not find ``1042``).
   When two of the customer's orders match that way (``CMD-1042`` and ``RET-1042``) and
   neither is exactly ``1042``, ``pick`` returns nothing and ``matches`` lists both, so
   the shopper can be asked which one.
3. Leading zeros count: ``01042`` is not ``1042``.

Matching only ever runs over one customer's own orders.
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol, TypeVar

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PREFIXED = re.compile(r"[A-Z]+(\d+)")


def order_number_key(text: str) -> str:
    """The form two order numbers are compared in (rule 1)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).translate(_DIGITS))
    return "".join(ch for ch in folded.upper() if ch.isascii() and ch.isalnum())


def digits_alias(key: str) -> str | None:
    """The digits an order numbered letters-then-digits is also found by (rule 2)."""
    match = _PREFIXED.fullmatch(key)
    return match.group(1) if match else None


class Numbered(Protocol):
    @property
    def order_number(self) -> str: ...


NumberedT = TypeVar("NumberedT", bound=Numbered)


def matches(candidates: Sequence[NumberedT], typed: str) -> list[NumberedT]:
    """Every order ``typed`` may name among ``candidates`` (one customer's): the exact
    ones (rule 1) if any, else those found by their digits (rule 2)."""
    key = order_number_key(typed)
    if not key:
        return []
    exact = [c for c in candidates if order_number_key(c.order_number) == key]
    if exact or not key.isdigit():
        return exact
    return [c for c in candidates if digits_alias(order_number_key(c.order_number)) == key]


def pick(candidates: Sequence[NumberedT], typed: str) -> NumberedT | None:
    """The one order ``typed`` names, or None (none, or several: ask which one)."""
    found = matches(candidates, typed)
    exact = bool(found) and order_number_key(found[0].order_number) == order_number_key(typed)
    # An exact number is the one meant even if a shop's reply lists it twice.
    return found[0] if exact or len(found) == 1 else None
