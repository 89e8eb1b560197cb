"""What the assistant says about orders, in fr, en, es, ar and ary (Darija, Arabic script).

Pure functions of their arguments. ``no_such_order`` depends only on the language and
the number the shopper typed: an order that is another customer's and one that does not
exist get the same words.
"""

from collections.abc import Sequence
from datetime import date, datetime

from libriassist.orders.records import Order, OrderStatus

_FALLBACK = "en"

_STATUS_SENTENCE: dict[str, dict[OrderStatus, str]] = {
    "fr": {
        "pending": "Votre commande {number} est en attente.",
        "processing": "Votre commande {number} est en cours de préparation.",
        "shipped": "Votre commande {number} a été expédiée.",
        "out_for_delivery": "Votre commande {number} est en cours de livraison.",
        "delivered": "Votre commande {number} a été livrée.",
        "cancelled": "Votre commande {number} a été annulée.",
        "returned": "Votre commande {number} a été retournée.",
        "refunded": "Votre commande {number} a été remboursée.",
    },
    "en": {
        "pending": "Your order {number} is pending.",
        "processing": "Your order {number} is being prepared.",
        "shipped": "Your order {number} has been shipped.",
        "out_for_delivery": "Your order {number} is out for delivery.",
        "delivered": "Your order {number} has been delivered.",
        "cancelled": "Your order {number} has been cancelled.",
        "returned": "Your order {number} has been returned.",
        "refunded": "Your order {number} has been refunded.",
    },
    "es": {
        "pending": "Tu pedido {number} está pendiente.",
        "processing": "Tu pedido {number} se está preparando.",
        "shipped": "Tu pedido {number} ha sido enviado.",
        "out_for_delivery": "Tu pedido {number} está en reparto.",
        "delivered": "Tu pedido {number} ha sido entregado.",
        "cancelled": "Tu pedido {number} ha sido cancelado.",
        "returned": "Tu pedido {number} ha sido devuelto.",
        "refunded": "Tu pedido {number} ha sido reembolsado.",
    },
    "ar": {
        "pending": "طلبك {number} قيد الانتظار.",
        "processing": "طلبك {number} قيد التجهيز.",
        "shipped": "تم شحن طلبك {number}.",
        "out_for_delivery": "طلبك {number} خرج للتوصيل.",
        "delivered": "تم تسليم طلبك {number}.",
        "cancelled": "تم إلغاء طلبك {number}.",
        "returned": "تم إرجاع طلبك {number}.",
        "refunded": "تم استرداد مبلغ طلبك {number}.",
    },
    "ary": {
        "pending": "الطلبية ديالك {number} باقا فالانتظار.",
        "processing": "الطلبية ديالك {number} كتوجد دابا.",
        "shipped": "الطلبية ديالك {number} تصيفطات.",
        "out_for_delivery": "الطلبية ديالك {number} خرجات مع الليفرور وغادي توصلك.",
        "delivered": "الطلبية ديالك {number} وصلات.",
        "cancelled": "الطلبية ديالك {number} تلغات.",
        "returned": "الطلبية ديالك {number} ترجعات.",
        "refunded": "الفلوس ديال الطلبية {number} ترجعو ليك.",
    },
}

_DELIVERED_ON = {
    "fr": "Votre commande {number} a été livrée le {date}.",
    "en": "Your order {number} was delivered on {date}.",
    "es": "Tu pedido {number} fue entregado el {date}.",
    "ar": "تم تسليم طلبك {number} بتاريخ {date}.",
    "ary": "الطلبية ديالك {number} وصلات نهار {date}.",
}
_CARRIER = {
    "fr": "Transporteur : {carrier}.",
    "en": "Carrier: {carrier}.",
    "es": "Transportista: {carrier}.",
    "ar": "شركة الشحن: {carrier}.",
    "ary": "شركة التوصيل: {carrier}.",
}
_TRACKING = {
    "fr": "Suivi du colis : {url}",
    "en": "Track your parcel: {url}",
    "es": "Seguimiento del envío: {url}",
    "ar": "تتبع الشحنة: {url}",
    "ary": "تبع الكولي ديالك هنا: {url}",
}
_EXPECTED = {
    "fr": "Livraison prévue le {date}.",
    "en": "Expected delivery: {date}.",
    "es": "Entrega prevista el {date}.",
    "ar": "موعد التسليم المتوقع: {date}.",
    "ary": "غادي توصلك تقريبا نهار {date}.",
}

# Short forms for a list of orders.
_STATUS_WORD: dict[str, dict[OrderStatus, str]] = {
    "fr": {
        "pending": "en attente",
        "processing": "en préparation",
        "shipped": "expédiée",
        "out_for_delivery": "en cours de livraison",
        "delivered": "livrée",
        "cancelled": "annulée",
        "returned": "retournée",
        "refunded": "remboursée",
    },
    "en": {
        "pending": "pending",
        "processing": "being prepared",
        "shipped": "shipped",
        "out_for_delivery": "out for delivery",
        "delivered": "delivered",
        "cancelled": "cancelled",
        "returned": "returned",
        "refunded": "refunded",
    },
    "es": {
        "pending": "pendiente",
        "processing": "en preparación",
        "shipped": "enviado",
        "out_for_delivery": "en reparto",
        "delivered": "entregado",
        "cancelled": "cancelado",
        "returned": "devuelto",
        "refunded": "reembolsado",
    },
    "ar": {
        "pending": "قيد الانتظار",
        "processing": "قيد التجهيز",
        "shipped": "تم الشحن",
        "out_for_delivery": "خرج للتوصيل",
        "delivered": "تم التسليم",
        "cancelled": "ملغى",
        "returned": "مُرجَع",
        "refunded": "تم الاسترداد",
    },
    "ary": {
        "pending": "فالانتظار",
        "processing": "كتوجد",
        "shipped": "تصيفطات",
        "out_for_delivery": "مع الليفرور",
        "delivered": "وصلات",
        "cancelled": "تلغات",
        "returned": "ترجعات",
        "refunded": "ترجعو الفلوس",
    },
}

_WHICH_ORDER = {
    "fr": "Vous avez plusieurs commandes. Laquelle vous intéresse ? Voici les plus récentes :",
    "en": "You have several orders. Which one do you mean? Here are the most recent:",
    "es": "Tienes varios pedidos. ¿Cuál te interesa? Estos son los más recientes:",
    "ar": "لديك عدة طلبات. أي طلب تقصد؟ هذه أحدث طلباتك:",
    "ary": "عندك بزاف ديال الطلبيات. شمن وحدة بغيتي؟ هادو هوما اللخرين:",
}
_WHICH_ORDER_END = {
    "fr": "Donnez-moi son numéro et je vous dis où elle en est.",
    "en": "Give me its number and I'll tell you where it stands.",
    "es": "Dime su número y te cuento cómo va.",
    "ar": "أرسل لي رقمه وسأخبرك بحالته.",
    "ary": "عطيني النمرة ديالها ونقول ليك فين وصلات.",
}
_NO_SUCH_ORDER = {
    "fr": "Je ne trouve aucune commande portant le numéro {number} sur votre compte. "
    "Vérifiez le numéro : il figure dans l'e-mail de confirmation de commande.",
    "en": "I can't find an order numbered {number} on your account. "
    "Please check the number: it is in your order confirmation e-mail.",
    "es": "No encuentro ningún pedido con el número {number} en tu cuenta. "
    "Comprueba el número: aparece en el correo de confirmación del pedido.",
    "ar": "لا أجد أي طلب بالرقم {number} في حسابك. "
    "يرجى التحقق من الرقم: تجده في رسالة تأكيد الطلب.",
    "ary": "ما لقيت حتى طلبية بالنمرة {number} فالحساب ديالك. "
    "شوف النمرة مزيان: كاينة فالإيميل ديال التأكيد ديال الطلبية.",
}
_NO_ORDERS = {
    "fr": "Je ne trouve aucune commande sur votre compte.",
    "en": "I can't find any orders on your account.",
    "es": "No encuentro ningún pedido en tu cuenta.",
    "ar": "لا أجد أي طلبات في حسابك.",
    "ary": "ما لقيت حتى طلبية فالحساب ديالك.",
}

_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    # The month names used in Morocco.
    "ary": "يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر",
}

# Where the carrier and the expected date still tell the shopper something.
_ON_THE_WAY: frozenset[OrderStatus] = frozenset(
    {"pending", "processing", "shipped", "out_for_delivery"}
)
_NO_PARCEL: frozenset[OrderStatus] = frozenset({"cancelled", "refunded"})


def _lang(language: str) -> str:
    return language if language in _STATUS_SENTENCE else _FALLBACK


def format_date(value: date | datetime, language: str) -> str:
    """A calendar date as people write it in ``language`` (a datetime: its UTC date)."""
    day = value.date() if isinstance(value, datetime) else value
    lang = _lang(language)
    month = _MONTHS[lang].split()[day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    if lang == "en":
        return f"{month} {day.day}, {day.year}"
    if lang == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def order_summary(order: Order, language: str) -> str:
    """One order in a few lines: status, carrier, tracking link, expected date."""
    lang = _lang(language)
    number = order.order_number
    if order.status == "delivered" and order.updated_at is not None:
        delivered_on = format_date(order.updated_at, lang)
        lines = [_DELIVERED_ON[lang].format(number=number, date=delivered_on)]
    else:
        lines = [_STATUS_SENTENCE[lang][order.status].format(number=number)]
    if order.status not in _NO_PARCEL:
        if order.carrier:
            lines.append(_CARRIER[lang].format(carrier=order.carrier))
        if order.tracking_url and order.tracking_url.startswith(("https://", "http://")):
            lines.append(_TRACKING[lang].format(url=order.tracking_url))
    if order.status in _ON_THE_WAY and order.expected_at is not None:
        lines.append(_EXPECTED[lang].format(date=format_date(order.expected_at, lang)))
    return "\n".join(lines)


def which_order(orders: Sequence[Order], language: str, limit: int = 5) -> str:
    """Asks which order the shopper means, listing the most recent (number, status, date)."""
    lang = _lang(language)
    lines = [_WHICH_ORDER[lang]]
    for order in orders[:limit]:
        parts = [order.order_number, _STATUS_WORD[lang][order.status]]
        if order.placed_at is not None:
            parts.append(format_date(order.placed_at, lang))
        lines.append("• " + " — ".join(parts))
    lines.append(_WHICH_ORDER_END[lang])
    return "\n".join(lines)


def no_such_order(language: str, order_number: str) -> str:
    """The same words whether the number is another customer's or nobody's."""
    shown = " ".join(order_number.split())[:64]
    return _NO_SUCH_ORDER[_lang(language)].format(number=shown)


def no_orders(language: str) -> str:
    return _NO_ORDERS[_lang(language)]
