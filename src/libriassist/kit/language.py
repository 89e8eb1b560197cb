"""Which of fr, en, es, ar and ary (Moroccan Darija, either script) a text is written in.

Hand-written linguistic knowledge, no model and no data files: the script decides the
candidates (Arabic letters: ``ar`` or ``ary``; Latin letters: ``fr``, ``en``, ``es`` or
Darija in Arabizi), then weighted word lists and spelling cues give each candidate its
evidence (``language_latin``, ``language_arabizi``, ``language_arabic``). The caller's
``default`` (the page's language, the conversation's) is a prior, not a rule: it wins
ties and texts with no evidence ("ok", "merci", an emoji), and a clear message in another
language overrides it.
"""

import re
from dataclasses import dataclass

from libriassist.kit.language_arabic import arabic_scores
from libriassist.kit.language_latin import latin_scores

LANGUAGES = ("fr", "en", "es", "ar", "ary")
# Below this much evidence nothing is clear and the prior stands: one weak word
# ("merci", "ok") is not enough to change a conversation's language.
MIN_EVIDENCE = 1.5
# What the prior is worth in a Latin-letter text: about one distinctive word.
PRIOR_WEIGHT = 1.5
# In Arabic script the prior only tips a text with as much Darija as MSA evidence.
ARABIC_PRIOR_WEIGHT = 0.5


@dataclass(frozen=True)
class Detection:
    """``language`` is None when the text gave no evidence at all and no prior was given;
    without a prior, weak evidence is still a best guess."""

    language: str | None
    script: str | None  # "Arab", "Latn", or None without letters
    scores: dict[str, float]


_ARABIC_LETTER = re.compile(
    r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"
)
_LETTER = re.compile(r"[^\W\d_]")


def _script(text: str) -> str | None:
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    arabic = len(_ARABIC_LETTER.findall(text))
    return "Arab" if arabic >= letters - arabic else "Latn"


def detect(text: str, prior: str | None = None) -> Detection:
    """The language of ``text`` with the evidence for each candidate."""
    script = _script(text)
    if script is None:
        return Detection(prior, None, {})
    if script == "Arab":
        scores = arabic_scores(text)
        margin = scores["ary"] - scores["ar"]
        if prior in ("ary", "ar"):
            margin += ARABIC_PRIOR_WEIGHT if prior == "ary" else -ARABIC_PRIOR_WEIGHT
        return Detection("ary" if margin > 0 else "ar", script, scores)
    scores = latin_scores(text)
    best = max(scores.values())
    if best < MIN_EVIDENCE and (prior is not None or best == 0):
        return Detection(prior, script, scores)
    weighted = dict(scores)
    if prior in weighted:
        weighted[prior] += PRIOR_WEIGHT
    # max() keeps the first of equal scores: the prior, then fr, en, es, ary.
    order = sorted(weighted, key=lambda lang: lang != prior)
    return Detection(max(order, key=weighted.__getitem__), script, scores)


def language_scores(text: str) -> dict[str, float]:
    """Evidence per language (0 for the languages of the other script)."""
    return {lang: 0.0 for lang in LANGUAGES} | detect(text).scores


def detect_language(text: str, default: str = "fr") -> str:
    """The language of ``text``; ``default`` is the prior (see the module docstring)."""
    return detect(text, default).language or default
