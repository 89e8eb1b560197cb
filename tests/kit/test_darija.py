import pytest

from libriassist.kit.darija import is_arabizi, rewrite, transliterate


@pytest.mark.parametrize(
    ("arabizi", "arabic"),
    [
        ("bzzaf", "بزاف"),  # doubled letters: one letter
        ("3lach", "علاش"),  # 3 = ع, ch = ش
        ("ch7al", "شحال"),  # 7 = ح
        ("9rib", "قريب"),  # 9 = ق
        ("khobz", "خوبز"),  # kh = خ
        ("ghadi", "غادي"),  # gh = غ
        ("ddar", "الدار"),  # a doubled sun letter is the article
        ("lbnat", "البنات"),  # l + consonant is the article
        ("wit7eTTo", "ويتحطو"),  # a capital inside a word is emphatic; e is not written
    ],
)
def test_arabizi_is_written_in_arabic_script(arabizi: str, arabic: str) -> None:
    assert transliterate(arabizi) == arabic


def test_only_latin_words_with_letters_are_arabizi() -> None:
    assert is_arabizi("wach") and is_arabizi("m3a")
    assert not is_arabizi("2024") and not is_arabizi("واش")


@pytest.mark.parametrize(
    ("darija", "msa"),
    [
        # Arabic script: question words, negation, verb prefixes
        ("واش كاين شي حاجة؟", "هل يوجد أي شيء"),
        ("كيفاش نخلص؟", "كيف نخلص"),
        ("ماكاينش مشكل", "لا يوجد مشكلة"),
        ("كيخدم دابا", "يخدم الآن"),
        ("غانمشي للدار", "سنمشي للدار"),
        ("بغيت كتاب", "أريد كتاب"),  # كتاب is a noun, not ك + verb
        # Arabizi: spelling variants share an entry, the rest is transliterated
        ("wach kayn chi 7aja?", "هل يوجد أي شيء"),
        ("wech kayen chi haja", "هل يوجد أي شيء"),
        ("fin kayna lmaktaba dyalkom?", "أين توجد الماكتابا لكم"),
        ("bghit nrje3 chi ktab", "أريد نرجع أي كتاب"),
    ],
)
def test_darija_is_rewritten_towards_msa(darija: str, msa: str) -> None:
    assert rewrite(darija) == msa


def test_numbers_survive_and_msa_is_left_alone() -> None:
    assert rewrite("bghit 2 ktob") == "أريد 2 كتوب"
    assert rewrite("أين يوجد المتجر") == "أين يوجد المتجر"
