"""The sure cases: narrow patterns per language, and what they must leave alone."""

import signal

import pytest

from libriassist.intents.rules import accepts_offer, closing, is_greeting, is_social, sure_intent

GREETINGS = [
    "Bonjour !",
    "bonsoir à tous",
    "Hello there",
    "hi",
    "Good morning!",
    "¡Hola, buenas tardes!",
    "السلام عليكم",
    "مرحبا",
    "salam khoya, labas?",
    "slm",
    "salam 3alaykom",  # a longer form of a shorter greeting: the atomic repeat keeps it
    "Salam 3alaykom khoya",
    "salam alikom",
    "hiya",
    "hello عليكم",
]
NOT_GREETINGS = [
    "Bonjour, où est ma commande ?",
    "Hello, do you ship to Canada?",
    "hola, ¿cuánto cuesta el envío?",
    "السلام عليكم، بغيت نرجع السلعة",
    "Hi-fi speakers in stock?",
]


@pytest.mark.parametrize("text", GREETINGS)
def test_a_message_that_is_only_a_greeting_is_one(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize("text", NOT_GREETINGS)
def test_a_greeting_followed_by_a_question_is_not_a_greeting(text: str) -> None:
    assert not is_greeting(text)


CLOSINGS = [
    ("merci", "thanks"),
    ("Merci beaucoup !!", "thanks"),
    ("ok merci 🙏", "thanks"),
    ("thank you so much", "thanks"),
    ("muchas gracias", "thanks"),
    ("شكرا بزاف", "thanks"),
    ("chokran bzaf", "thanks"),
    ("au revoir", "goodbye"),
    ("parfait, merci et bonne journée", "goodbye"),
    ("Thank you, bye", "goodbye"),
    ("hasta luego", "goodbye"),
    ("مع السلامة", "goodbye"),
    ("bslama", "goodbye"),
    ("شكرا، بسلامة", "goodbye"),
    ("Merci ❤️", "thanks"),
    ("thanks 👍🏼", "thanks"),
    ("non merci", "thanks"),
    ("Oui, merci !", "thanks"),  # a yes closes nothing alone, but with thanks it does
    ("sí, gracias", "thanks"),
    ("yes, bye", "goodbye"),
    ("oui d'accord", "ok"),  # (after the offer of a person: a yes, accepts_offer)
    ("ok", "ok"),  # an acknowledgement alone: "anything else?"
    ("parfait !", "ok"),
    ("واخا", "ok"),
]
NOT_CLOSINGS = [
    "non",  # a lone no or "and?" is searched, as before
    "et ?",
    "oui",  # a yes is one only after an offer (accepts_offer)
    "yes please",
    "merci, où est ma commande ?",
    "thanks for nothing, my parcel never came",
    "gracias pero no funciona",
    "Merci de me rembourser",
]


@pytest.mark.parametrize(("text", "kind"), CLOSINGS)
def test_a_message_that_is_only_thanks_or_a_goodbye_closes(text: str, kind: str) -> None:
    assert closing(text) == kind
    assert is_social(text) and not is_greeting(text)


@pytest.mark.parametrize("text", NOT_CLOSINGS)
def test_thanks_with_anything_more_is_not_a_closing(text: str) -> None:
    assert closing(text) is None


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("oui", True),
        ("Oui, merci !", True),
        ("yes please", True),
        ("sí, por favor", True),
        ("واخا", True),
        ("wakha 3afak", True),
        ("ok", True),
        ("ok merci", False),  # more often a goodbye
        ("واخا شكرا", False),
        ("vale gracias", False),
        ("oui merci beaucoup", True),
        ("non merci", False),
        ("merci", False),
        ("oui mais quel est le prix ?", False),
    ],
)
def test_a_yes_is_a_whole_message_of_yes(text: str, yes: bool) -> None:
    assert accepts_offer(text) is yes


def test_a_long_message_of_social_words_is_judged_at_once() -> None:
    """Phrases that are also two shorter ones ("bye bye", "السلام عليكم") once let a
    failing match try exponentially many cuts: 32 "bye"s took seconds, and a message may
    hold 2,000 characters. The alarm turns a relapse into a failure, not a hung run."""

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError("a social-words pattern backtracks")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(5)
    try:
        assert closing("bye " * 500 + "?") == "goodbye"
        assert closing("merci " * 300 + "12345") is None
        assert not is_greeting("السلام عليكم " * 150 + "x")
        assert not is_greeting("hello " * 300 + "x")
        assert not accepts_offer("oui merci " * 200 + "x")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


SURE = [
    ("Je veux parler à un conseiller", "human_handoff"),
    ("Can I speak with a human agent?", "human_handoff"),
    ("Quiero hablar con una persona", "human_handoff"),
    ("أريد التحدث مع موظف", "human_handoff"),
    ("bghit nhder m3a chi wa7ed", "human_handoff"),
    ("Où est ma commande 1200 ?", "order_tracking"),
    ("where is my parcel??", "order_tracking"),
    ("I want to track purchase 55012", "order_tracking"),
    ("¿Dónde está mi pedido?", "order_tracking"),
    ("أين طلبي؟", "order_tracking"),
    ("تتبع الطلب رقم 4521", "order_tracking"),
    ("fin wslat lcommande?", "order_tracking"),
    ("I want a refund for this lamp", "returns_refunds"),
    ("Quand serai-je remboursé ?", "returns_refunds"),
    ("Quiero un reembolso", "returns_refunds"),
    ("كيف يمكنني استرداد المبلغ؟", "returns_refunds"),
    ("What is your return policy?", "returns_refunds"),
    ("I want to file a complaint about the courier", "complaint"),
    ("Je souhaite faire une réclamation", "complaint"),
    ("Quiero poner una queja", "complaint"),
    ("أريد تقديم شكوى", "complaint"),
    ("bghit ndir chikaya", "complaint"),
]


@pytest.mark.parametrize(("text", "intent"), SURE)
def test_explicit_wordings_settle_the_intent(text: str, intent: str) -> None:
    assert sure_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "Quels sont les délais de livraison ?",
        "I want to cancel order 77120",  # an order number alone says nothing
        "How much does shipping to Spain cost?",
        "¿Tienen tarjetas regalo?",
        "واش كاين التوصيل لطنجة؟",
        "merci pour votre retour",  # "retour" as feedback, not a return
    ],
)
def test_ordinary_questions_are_left_to_the_model(text: str) -> None:
    assert sure_intent(text) is None
