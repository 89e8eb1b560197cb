"""The language detector on sentences written for these tests (none from any data set)."""

import time

import pytest

from libriassist.kit.language import LANGUAGES, detect, detect_language, language_scores
from libriassist.kit.language_arabizi import arabizi_key

# Every clear message must win against a prior in another language.
OTHER_PRIOR = {"fr": "en", "en": "fr", "es": "fr", "ar": "fr", "ary": "fr"}

CLEAR = {
    "fr": [
        "Bonjour, je voudrais annuler ma commande",
        "est-ce que la livraison est gratuite ?",
        "où est mon colis ?",
        "j'ai pas reçu mon remboursement",
        "Vous livrez au Maroc ?",
        "le produit est arrivé cassé",
        "Quels sont vos horaires d'ouverture ?",
    ],
    "en": [
        "Where is my order?",
        "I want a refund please",
        "how long does shipping take",
        "Can I talk to a human?",
        "my package never arrived",
        "Do you ship to Morocco?",
        "thanks a lot",
    ],
    "es": [
        "¿Dónde está mi pedido?",
        "quiero devolver el producto",
        "cuánto cuesta el envío",
        "no he recibido mi paquete",
        "Necesito hablar con una persona",
        "hola, gracias por la ayuda",
    ],
    "ary": [
        # Arabizi
        "wach kayn livraison l casa?",
        "salam, bghit n3ref fin wsal colis dyali",
        "ch7al taman dyal livraison?",
        "mazal ma wslatni la commande",
        "3afak bghit nhder m3a chi wa7ed",
        "kifach nkhalas?",
        "lcommande dyali ma wsltch",
        "chokran bzaf khouya",
        "bghit nbedel taille",
        # Arabic script
        "واش كاين التوصيل لكازا؟",
        "بغيت نرجع الكوموند",
        "فين وصلات الكوموند ديالي؟",
        "شحال كياخد التوصيل؟",
        "ماوصلاتنيش السلعة",
        "عافاك بغيت نهضر مع شي واحد",
        "السلعة مزيانة بزاف",
        "كنتسنى الكوموند من الصباح",
    ],
    "ar": [
        # Modern Standard Arabic
        "أين طلبي؟",
        "هل التوصيل مجاني؟",
        "أريد استرجاع المبلغ",
        "لم أستلم طلبي بعد",
        "أود التحدث مع موظف",
        "ما هي طرق الدفع المتاحة؟",
        # Other dialects are ``ar`` too, however close to Darija
        "شو في عندكم توصيل؟",
        "برشا مشاكل مع الكارطة متاعي",
        "نحب نعرف قداش يلزمني نستنى",
        "ابغى اعرف وش صار على طلبي",
    ],
}


@pytest.mark.parametrize(
    ("language", "text"), [(lang, text) for lang, texts in CLEAR.items() for text in texts]
)
def test_a_clear_message_wins_over_the_prior(language: str, text: str) -> None:
    assert detect_language(text, default=OTHER_PRIOR[language]) == language
    assert detect(text).language == language  # and without any prior


def test_arabizi_is_not_french_even_with_french_words_in_it() -> None:
    assert detect_language("wach kayn livraison l casa?", default="fr") == "ary"
    assert detect_language("est-ce que la livraison est gratuite ?", default="ary") == "fr"
    assert detect_language("la commande dyali mazal ma wslat", default="fr") == "ary"


def test_darija_verb_morphology_without_any_listed_word() -> None:
    # present prefix ك and negation ما…ش on verbs no list holds
    assert detect_language("كنقلب على الصندالة", default="ar") == "ary"
    assert detect_language("ماسخاش يردها ليا", default="ar") == "ary"
    assert detect_language("kanqelleb 3la sandala", default="fr") == "ary"


def test_msa_and_darija_side_by_side() -> None:
    assert detect_language("هل يمكنني تغيير عنوان التوصيل؟") == "ar"
    assert detect_language("واش نقدر نبدل العنوان ديال التوصيل؟") == "ary"
    assert detect_language("لماذا لم يصل طلبي حتى الآن؟") == "ar"
    assert detect_language("علاش مازال ماوصلنيش الطلب حتى لدابا؟") == "ary"


@pytest.mark.parametrize("prior", LANGUAGES)
@pytest.mark.parametrize("text", ["ok", "merci", "👍", "😂😂😂", "?!", "12345", "", "  "])
def test_an_ambiguous_message_keeps_the_prior(text: str, prior: str) -> None:
    assert detect_language(text, default=prior) == prior


def test_arabic_script_without_cues_is_arabic_the_prior_picks_which() -> None:
    assert detect_language("شكرا", default="fr") == "ar"
    assert detect_language("شكرا", default="ar") == "ar"
    assert detect_language("شكرا", default="ary") == "ary"
    # a clear MSA message is MSA even for a Darija speaker
    assert detect_language("أريد معرفة سبب التأخير", default="ary") == "ar"


def test_a_single_distinctive_word_may_switch_but_a_weak_one_may_not() -> None:
    assert detect_language("bonjour", default="en") == "fr"
    assert detect_language("hola", default="fr") == "es"
    assert detect_language("merci", default="en") == "en"


def test_without_a_prior_the_detector_says_when_it_cannot_tell() -> None:
    assert detect("👍").language is None
    assert detect("12 34").script is None
    assert detect("ok").language is None
    assert detect("wach").language == "ary"


def test_scores_cover_every_language() -> None:
    scores = language_scores("Where is my order?")
    assert set(scores) == set(LANGUAGES)
    assert max(scores, key=scores.__getitem__) == "en"
    assert scores["ar"] == 0  # Latin letters: Arabic is out, Darija (Arabizi) is not


def test_detection_is_fast_on_chat_messages() -> None:
    messages = [text for texts in CLEAR.values() for text in texts] * 20
    started = time.perf_counter()
    for text in messages:
        detect_language(text, default="fr")
    per_message = (time.perf_counter() - started) / len(messages)
    assert per_message < 0.001  # typically well under 0.1 ms


def test_arabizi_spelling_variants_fold_to_one_key() -> None:
    assert len({arabizi_key(w) for w in ("mezyan", "mzyan", "mziaan", "MZIAN")}) == 1
    assert len({arabizi_key(w) for w in ("khouya", "khoya", "khuya")}) == 1
    assert arabizi_key("wach") != arabizi_key("wech")  # listed separately
