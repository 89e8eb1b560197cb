import pytest

from libriassist.kit import darija
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


def test_every_spelling_of_the_lexicon_is_found_as_written() -> None:
    """The lexicon is keyed by the folded spelling (e = a, o = u, doubled letters single,
    but for a doubled first letter: the article). No two spellings share a key (the later
    one would silently win), and each entry is found as it is written."""
    spellings = [*darija._ARABIZI_SPELLINGS, *darija._ARABIZI_DARIJA]
    assert len(darija._ARABIZI_LEXICON) == len(spellings)
    for spelling in spellings:
        assert rewrite(spelling) == darija._ARABIZI_LEXICON[darija._arabizi_key(spelling)]
    assert rewrite("iyeh") == rewrite("Iyyeh") == "نعم"
    assert rewrite("tawsil") == rewrite("twsil") == "توصيل"
    assert rewrite("ttawsil") == "التوصيل"


@pytest.mark.parametrize(("arabizi", "arabic"), sorted(darija._ARABIZI_DARIJA.items()))
def test_each_shoppers_word_is_rewritten_like_its_arabic_spelling(
    arabizi: str, arabic: str
) -> None:
    assert rewrite(arabizi) == rewrite(arabic)


@pytest.mark.parametrize(
    ("arabizi", "arabic"),
    [
        ("wach n9der nkhelles cash?", "واش نقدر نخلص كاش؟"),
        ("ch7al kayakhod ttawsil?", "شحال كياخد التوصيل؟"),
        ("fin wslat lcommande dyali?", "فين وصلات الكوموند ديالي؟"),
        ("ch7al taman zit argan?", "شحال ثمن زيت أركان؟"),
        ("wach katsifto l fransa?", "واش كتصيفطو ل فرانسا؟"),
        ("wach kayn livraison l casablanca?", "واش كاين التوصيل ل الدار البيضاء؟"),
    ],
)
def test_a_shoppers_arabizi_is_rewritten_like_its_arabic_spelling(
    arabizi: str, arabic: str
) -> None:
    """A question in Arabizi and a shop's answer in Arabic-script Darija end up in the
    same words, so they meet (straight to MSA, each drifted its own way)."""
    assert rewrite(arabizi) == rewrite(arabic)
