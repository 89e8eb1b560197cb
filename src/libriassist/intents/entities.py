"""Order numbers and e-mail addresses a visitor writes in a message.

An order number is taken only where the message says it is one: after ``#`` or after a
word for "order" (commande, pedido, purchase, طلب, الكوموند, lcommande...), optionally
followed by "number", "n°", "رقم"... Bare numbers (amounts, phone numbers, quantities)
are left alone. Arabic-Indic digits are read as ASCII digits.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_ORDER_WORD = (
    r"(?:orders?|purchases?|commandes?|lcommande|l'?commande|komand|lkomand|cmd|achats?"
    r"|pedidos?|compras?|طلب|طلبي|الطلب|طلبيه|طلبية|الطلبية|الطلبيه|طلبيتي|الكوموند|كوموند|لكوموند)"
)
_NUMBER_WORD = (
    r"(?:(?:number|num(?:ber)?|no|nr|n°|nº|numéro|numero|número|ref(?:erence)?|id|رقم|نمرة|نمره)"
    r"\.?\s*[:#]?\s*(?:is\s+|est\s+|es\s+|هو\s+)?)"
)
# An identifier with at least three digits: 12345, A-5521, CMD_2024_0091, 7788.
_IDENTIFIER = r"([A-Za-z]{0,4}[-_/]?\d[\dA-Za-z\-_/]{2,29})"
_ORDER = re.compile(
    rf"(?:#\s?{_IDENTIFIER})"
    rf"|(?:(?<![\w]){_ORDER_WORD}\s*(?:de\s+|d'|of\s+|ديالي\s+|ديال\s+|dyali\s+|dyal\s+)?"
    rf"(?:[:#]\s*){{0,2}}{_NUMBER_WORD}?{_IDENTIFIER})",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
    r"(?![\w-])"
)


@dataclass(frozen=True)
class Entities:
    order_numbers: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"order_numbers": list(self.order_numbers), "emails": list(self.emails)}

    def __bool__(self) -> bool:
        return bool(self.order_numbers or self.emails)


def extract_entities(text: str) -> Entities:
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    emails = _unique(m.group(0) for m in _EMAIL.finditer(text))
    # E-mail addresses are taken out first: their digits are not order numbers.
    rest = _EMAIL.sub(" ", text)
    orders = []
    for match in _ORDER.finditer(rest):
        value = (match.group(1) or match.group(2)).strip("-_/")
        if sum(ch.isdigit() for ch in value) >= 3:
            orders.append(value)
    return Entities(_unique(orders), emails)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
