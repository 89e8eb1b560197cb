import pytest

from libriassist.knowledge.analysis import analyse, arabizi_skeleton, normalise_arabic


def shared(a: str, b: str, language: str, other_language: str | None = None) -> set[str]:
    return set(analyse(a, language)) & set(analyse(b, other_language or language))


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمن", "امن"),
        ("مدرسة", "مدرسه"),
        ("مستشفى", "مستشفي"),
        ("كـــتـــاب", "كتاب"),
        ("مُدَّةُ", "مده"),
        ("مسؤول", "مسوول"),
    ],
)
def test_arabic_normalisation(raw: str, normalised: str) -> None:
    assert normalise_arabic(raw) == normalised


def test_arabic_spelling_variants_meet() -> None:
    assert shared("ما هي مدة التوصيل؟", "مُدّة التَّوصيل إلى الدار البيضاء", "ar") >= {"مده", "توصيل"}
    assert "ما" not in analyse("ما هي مدة التوصيل؟", "ar")  # stop word


def test_french_accents_and_inflections_meet() -> None:
    assert shared("Quels sont les délais de livraison ?", "Délai de livraison : 3 jours", "fr")
    assert shared("livraisons", "livraison", "fr")
    assert "les" not in analyse("les livres", "fr")


def test_spanish_and_english_stems() -> None:
    assert shared("¿Cuánto tardan los envíos?", "El envío tarda 48 horas", "es")
    assert shared("shipping costs", "How much does shipping cost?", "en")


@pytest.mark.parametrize(
    ("a", "b"),
    [("kifach", "kifash"), ("bzzaf", "bzaf"), ("lcommande", "lcomande"), ("chhal", "shhal")],
)
def test_arabizi_spelling_variants_share_a_skeleton(a: str, b: str) -> None:
    assert arabizi_skeleton(a) == arabizi_skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"), [("bzzaf", "bzaf"), ("lcommande", "lcomande"), ("nkhelless", "nkhless")]
)
def test_arabizi_spelling_variants_match(a: str, b: str) -> None:
    assert shared(f"wach {a} ?", f"{b} dyal", "ary")


def test_arabizi_digits_are_letters() -> None:
    terms = analyse("3afak fin wsal 9adi?", "ary")
    assert "3afak" in terms and "9adi" in terms
    assert "fin" not in terms  # stop word in Darija


def test_darija_words_for_some_and_someone_are_stop_words() -> None:
    """ "chi" (some, any) and "wahed" (one, someone) are in most Darija questions: a
    request for "chi wahed" (someone) matched any entry asking for "chi produit"."""
    assert not shared("bghit nhder m3a chi wahed", "wach n9der nrje3 chi produit?", "ary")
    assert not shared("bghit nhder m3a chi wa7d", "wa7d lmontoj", "ary")
    assert not shared("بغيت نهضر مع شي واحد", "واش نقدر نرجع شي منتوج؟", "ary")
