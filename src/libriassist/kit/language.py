"""A small, dependency-free language guesser for fr, en, es, ar and ary (Darija).

Word lists and script, nothing more: good on typical chat messages, and a stand-in until
the answering work brings a measured detector. ``default`` wins when nothing is clear.
"""

import re
import unicodedata

_WORD = re.compile(r"[\w']+", re.UNICODE)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_ARABIZI_TOKEN = re.compile(r"^(?=.*[a-z])(?=.*[2379])[a-z2379']+$")

_LATIN_MARKERS: dict[str, set[str]] = {
    "fr": set(
        "le la les un une des du de est et en que qui pour pas vous je nous mon ma mes ce "
        "cette sont avec dans sur au aux quels quelle quel quelles combien comment où quand "
        "puis-je livraison délais délai commande merci bonjour salut prix papier est-ce "
        "j'ai c'est qu'est-ce ai suis faire".split()
    ),
    "en": set(
        "the a an is are and of to in for you your my i we it this that what which how when "
        "where do does can could would shipping delivery order price thanks hello hi please "
        "with have has long much many".split()
    ),
    "es": set(
        "el la los las un una unos es son y de del en que para por usted mi mis cuánto "
        "cuanto cuáles cuál cómo como dónde donde cuándo envío envíos pedido gracias hola "
        "precio tarda puedo tienen hay qué".split()
    ),
    "ary": set(
        "wach wash chno chnou chnu chhal ch7al bghit bghina dyal dyali dyalna kifach kifash "
        "3lach 3lash fin kayn kayna kaynin daba mzyan mezyan safi wakha 3afak 3afek "
        "smahli salam labas lcommande lkomand tawsil ghadi ila bzaf chwiya hna "
        "m3a ntouma nta nti ana howa hiya 7ta 9adi "
        "tanja kaza rbat mrakech".split()
    ),
}

_DARIJA_ARABIC = set(
    "واش شنو شنوا شكون شحال بغيت بغينا ديال ديالي ديالنا كيفاش علاش فين كاين كاينة دابا "
    "مزيان واخا عفاك سمحلي بزاف شوية حتى غادي كنبغي كيخلص كتوصل كياخد كتاخد لكوموند "
    "الكوموند السلعة نتوما نتا بلا شي والو هادشي هادي هاد".split()
)


def _is_arabic_text(text: str) -> bool:
    arabic = len(_ARABIC_CHAR.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and arabic / letters > 0.5


def detect_language(text: str, default: str = "fr") -> str:
    if _is_arabic_text(text):
        words = set(_WORD.findall(text))
        darija_hits = len(words & _DARIJA_ARABIC)
        # Darija present-tense verbs start with ك/كي/كت: a strong dialect signal.
        darija_hits += sum(1 for w in words if len(w) > 3 and w.startswith(("كي", "كت", "كن")))
        return "ary" if darija_hits >= 1 else "ar"

    lowered = unicodedata.normalize("NFC", text.lower())
    tokens = _WORD.findall(lowered)
    if not tokens:
        return default
    scores = {
        lang: sum(1 for w in tokens if w in markers) for lang, markers in _LATIN_MARKERS.items()
    }
    scores["ary"] += sum(2 for w in tokens if _ARABIZI_TOKEN.match(w))
    if any(ch in lowered for ch in "¿¡ñ"):
        scores["es"] += 2
    if any(ch in lowered for ch in "àâçèêëîïôùûœ"):
        scores["fr"] += 1
    best = max(scores.values())
    if best == 0:
        return default
    leaders = [lang for lang, score in scores.items() if score == best]
    return default if default in leaders else leaders[0]
