"""Language-aware text analysis for lexical search.

Every text becomes a list of terms: Unicode NFKC, case folding, accents folded for the
Latin-script languages, Arabic normalised (alef forms, ta marbuta, alef maqsura,
tatweel, diacritics), stop words dropped, Snowball stems. Arabizi (Darija in Latin
letters and the digits 3/7/9) gets a spelling-tolerant skeleton, because the same word is
written kifach, kifash or kifech.

Both the surface form and the stem are indexed: a question analysed in another language
than a passage still matches the words they share.
"""

import re
import unicodedata
from functools import cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH, STOPWORDS_SPANISH

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None}
)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")
_ARABIZI_DIGIT = re.compile(r"[a-z][2379]|[2379][a-z]")

_ARABIC_STOPWORDS = """
في من على الى عن مع هذا هذه ذلك تلك التي الذي الذين هل ما ماذا كيف اين متى لا لم لن ان
او ثم كان كانت يكون قد كل بعض غير بين حتى عند اذا هو هي هم انا نحن انت انتم لكم لنا له لها
به بها فيه فيها منه منها عليه عليها و ف ب ل ك يا اي ايضا الا لكن بل مثل
ديال ديالي ديالك ديالنا واش شنو شنا فين كيفاش علاش شحال واحد هاد هادي هادا راه راني
غير حتى باش بلي اللي شي
""".split()

_ARABIZI_STOPWORDS = """
wach wash chno chnou chnu fin kifach kifash 3lach 3lash chhal ch7al dyal dyali dyalk
dyalna had hadi hada rah rani ghir bach blli li f l w o m3a 3la men mn chi shi wahed wa7ed
wa7d wahd wahad
""".split()

_STEMMERS = {"fr": "french", "en": "english", "es": "spanish", "ar": "arabic", "ary": "arabic"}


def _fold_latin(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_arabic(text: str) -> str:
    return _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)


@cache
def _stopwords(language: str) -> frozenset[str]:
    words: list[str] = {
        "fr": list(STOPWORDS_FRENCH),
        "en": list(STOPWORDS_EN_PLUS),
        "es": list(STOPWORDS_SPANISH),
        "ar": _ARABIC_STOPWORDS,
        "ary": _ARABIC_STOPWORDS + _ARABIZI_STOPWORDS,
    }.get(language, [])
    return frozenset(_fold_latin(normalise_arabic(w.casefold())) for w in words)


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = _STEMMERS.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def arabizi_skeleton(token: str) -> str:
    """kifach / kifash / kifech -> kfch: spelling variants of Arabizi share a skeleton."""
    token = token.replace("sh", "ch").replace("ou", "u").replace("ee", "i")
    token = re.sub(r"(.)\1+", r"\1", token)  # bzzaf -> bzaf
    head, tail = token[:1], re.sub(r"[aeiouy]", "", token[1:])
    return head + tail


def analyse(text: str, language: str) -> list[str]:
    """Terms of ``text`` for the BM25 index, analysed as ``language``."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if _ARABIC_CHAR.search(text):
        text = normalise_arabic(text)
    stop = _stopwords(language)
    stemmer = _stemmer(language)
    terms: list[str] = []
    for word in _TOKEN.findall(text):
        token = _fold_latin(word)
        if token in stop or (len(token) == 1 and not token.isdigit()):
            continue
        terms.append(token)
        is_arabic = bool(_ARABIC_CHAR.match(token))
        if stemmer is not None and (is_arabic or language not in ("ar", "ary")):
            # Snowball expects the accents (délais -> délai), so stem before folding.
            stem = _fold_latin(stemmer.stemWord(word))
            if stem != token:
                terms.append(stem)
        if language == "ary" and not is_arabic and len(token) > 2:
            skeleton = arabizi_skeleton(token)
            if skeleton != token:
                terms.append(f"~{skeleton}")
    return terms


def normalise_question(text: str) -> str:
    """The form two questions are compared in for an exact match: case, accents, Arabic
    letter variants and diacritics folded, punctuation dropped, words kept in order.

    "Quels sont les délais de livraison ?" and "quels sont les delais de livraison" agree.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if _ARABIC_CHAR.search(text):
        text = normalise_arabic(text)
    return " ".join(_fold_latin(word) for word in _TOKEN.findall(text))
