"""Order replies in the five languages."""

from datetime import UTC, date, datetime

import pytest

from libriassist.orders.records import STATUSES, Order
from libriassist.orders.replies import (
    format_date,
    no_orders,
    no_such_order,
    order_summary,
    which_order,
)

LANGUAGES = ("fr", "en", "es", "ar", "ary")
SHIPPED = Order(
    order_number="CMD-1042",
    status="shipped",
    placed_at=datetime(2025, 3, 10, 9, 12, tzinfo=UTC),
    expected_at=date(2025, 3, 14),
    carrier="Colissimo",
    tracking_url="https://track.example/6A123",
)


def test_a_shipped_order_in_each_language() -> None:
    assert order_summary(SHIPPED, "fr") == (
        "Votre commande CMD-1042 a été expédiée.\n"
        "Transporteur : Colissimo.\n"
        "Suivi du colis : https://track.example/6A123\n"
        "Livraison prévue le 14 mars 2025."
    )
    assert order_summary(SHIPPED, "en") == (
        "Your order CMD-1042 has been shipped.\n"
        "Carrier: Colissimo.\n"
        "Track your parcel: https://track.example/6A123\n"
        "Expected delivery: March 14, 2025."
    )
    assert order_summary(SHIPPED, "es") == (
        "Tu pedido CMD-1042 ha sido enviado.\n"
        "Transportista: Colissimo.\n"
        "Seguimiento del envío: https://track.example/6A123\n"
        "Entrega prevista el 14 de marzo de 2025."
    )
    assert order_summary(SHIPPED, "ar") == (
        "تم شحن طلبك CMD-1042.\n"
        "شركة الشحن: Colissimo.\n"
        "تتبع الشحنة: https://track.example/6A123\n"
        "موعد التسليم المتوقع: 14 مارس 2025."
    )
    assert order_summary(SHIPPED, "ary") == (
        "الطلبية ديالك CMD-1042 تصيفطات.\n"
        "شركة التوصيل: Colissimo.\n"
        "تبع الكولي ديالك هنا: https://track.example/6A123\n"
        "غادي توصلك تقريبا نهار 14 مارس 2025."
    )


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("fr", "1er août 2025"),
        ("en", "August 1, 2025"),
        ("es", "1 de agosto de 2025"),
        ("ar", "1 أغسطس 2025"),
        ("ary", "1 غشت 2025"),  # the month names used in Morocco
        ("de", "August 1, 2025"),  # unknown languages fall back to English
    ],
)
def test_dates_are_written_per_language(language: str, written: str) -> None:
    assert format_date(date(2025, 8, 1), language) == written


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_status_has_its_words(language: str) -> None:
    sentences = {order_summary(Order(order_number="N-1", status=s), language) for s in STATUSES}
    assert len(sentences) == len(STATUSES)
    assert all("N-1" in sentence for sentence in sentences)


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_is_said_depends_on_the_status(language: str) -> None:
    delivered = SHIPPED.model_copy(
        update={"status": "delivered", "updated_at": datetime(2025, 3, 13, 15, 0, tzinfo=UTC)}
    )
    text = order_summary(delivered, language)
    assert format_date(date(2025, 3, 13), language) in text  # when it was delivered
    assert format_date(date(2025, 3, 14), language) not in text  # no "expected" any more
    assert "https://track.example/6A123" in text
    cancelled = order_summary(SHIPPED.model_copy(update={"status": "cancelled"}), language)
    assert "Colissimo" not in cancelled and "track.example" not in cancelled
    bare = order_summary(Order(order_number="N-2", status="processing"), language)
    assert len(bare.splitlines()) == 1


def test_only_web_links_are_shown() -> None:
    sneaky = SHIPPED.model_copy(update={"tracking_url": "javascript:alert(1)"})
    assert "javascript" not in order_summary(sneaky, "en")


@pytest.mark.parametrize(
    ("language", "first_line", "entry"),
    [
        ("fr", "Vous avez plusieurs commandes.", "• CMD-1042 — expédiée — 10 mars 2025"),
        ("en", "You have several orders.", "• CMD-1042 — shipped — March 10, 2025"),
        ("es", "Tienes varios pedidos.", "• CMD-1042 — enviado — 10 de marzo de 2025"),
        ("ar", "لديك عدة طلبات.", "• CMD-1042 — تم الشحن — 10 مارس 2025"),
        ("ary", "عندك بزاف ديال الطلبيات.", "• CMD-1042 — تصيفطات — 10 مارس 2025"),
    ],
)
def test_which_order_lists_the_most_recent(language: str, first_line: str, entry: str) -> None:
    older = [
        Order(
            order_number=f"CMD-{900 + i}",
            status="delivered",
            placed_at=datetime(2024, 1, 1 + i, tzinfo=UTC),
        )
        for i in range(6)
    ]
    text = which_order([SHIPPED, *older], language, limit=3)
    lines = text.splitlines()
    assert lines[0].startswith(first_line)
    assert lines[1] == entry
    assert len(lines) == 1 + 3 + 1  # question, three orders, how to answer
    assert "CMD-902" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Je ne trouve aucune commande portant le numéro #1042 sur votre compte."),
        ("en", "I can't find an order numbered #1042 on your account."),
        ("es", "No encuentro ningún pedido con el número #1042 en tu cuenta."),
        ("ar", "لا أجد أي طلب بالرقم #1042 في حسابك."),
        ("ary", "ما لقيت حتى طلبية بالنمرة #1042 فالحساب ديالك."),
    ],
)
def test_no_such_order_says_nothing_about_other_accounts(language: str, expected: str) -> None:
    text = no_such_order(language, " #1042 ")
    assert text.startswith(expected)
    assert no_orders(language) != text
