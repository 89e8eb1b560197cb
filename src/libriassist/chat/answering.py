"""From a visitor message to a grounded reply.

``plan_reply`` decides what the reply rests on (a curated answer, retrieved knowledge, or a
fixed reply);
a ``ReplyWriter`` turns that plan into streamed text. The default writer is extractive:
it quotes the best matching knowledge, so without any LLM the assistant still answers
only what the tenant's knowledge says, or says it does not know.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from libriassist.chat import replies
from libriassist.curated.matching import CuratedMatch
from libriassist.knowledge.analysis import analyse
from libriassist.knowledge.schemas import SearchHit, Source

# "curated": the reply is the tenant's pinned answer, word for word (``ReplyPlan.verbatim``).
# "order": the reply about the shopper's orders (or why they cannot be shown), in ``fixed``.
Mode = Literal["greeting", "curated", "answer", "no_answer", "handoff", "order"]

# Excerpts a model is given to write from.
MAX_CONTEXT = 3

# A hit this far below the best one is still chosen when it is in a preferred language.
LANGUAGE_MARGIN = 0.03


@dataclass
class ReplyPlan:
    mode: Mode
    language: str
    intent: str
    tenant_name: str
    greeting: str | None = None
    grounds: list[SearchHit] = field(default_factory=list)
    # What a model may write from: the confident matches, the chosen one first.
    context: list[SearchHit] = field(default_factory=list)
    curated: CuratedMatch | None = None
    # Where ``grounds`` come from: the tenant's own knowledge, or the shared platform
    # knowledge base it opted into.
    knowledge_base: Literal["tenant", "platform"] = "tenant"
    fixed: str | None = None
    # "thanks", "goodbye" or "ok": a greeting that closes the exchange (no welcome again).
    closing: str | None = None

    @property
    def verbatim(self) -> str | None:
        """Text every writer must reply with as it is, an LLM included: an admin's pinned
        answer is not to be rephrased, shortened or translated, and order data is given
        exactly as the shop holds it."""
        if self.mode == "order":
            return self.fixed
        return self.curated.answer.answer if self.mode == "curated" and self.curated else None

    @property
    def sources(self) -> list[Source]:
        if self.mode == "curated" and self.curated:
            pinned = self.curated.answer
            return [
                Source(
                    title=pinned.question,
                    url=pinned.url,
                    source_uri=f"curated:{pinned.id}",
                    language=pinned.language,
                    score=self.curated.score,
                    kind="curated",
                )
            ]
        return self.sources_of(self.grounds)

    def sources_of(self, hits: list[SearchHit]) -> list[Source]:
        """Sources of ``hits``, once each, in their order (a model's [1] is the first)."""
        kind: Literal["platform", "knowledge"] = (
            "platform" if self.knowledge_base == "platform" else "knowledge"
        )
        return [
            Source(
                title=first.title,
                url=first.url,
                source_uri=first.source_uri,
                language=first.language,
                score=first.score,
                kind=kind,
            )
            for first, *_ in by_source(hits)
        ]

    @property
    def answered_from_kb(self) -> bool:
        return self.mode in ("curated", "answer")

    @property
    def curated_answer_id(self) -> str | None:
        return self.curated.answer.id if self.mode == "curated" and self.curated else None


def by_source(hits: list[SearchHit]) -> list[list[SearchHit]]:
    """``hits`` grouped by the source they come from (a document, or one page or entry of
    it), each group where its source first appears. Two passages of one source share one
    number in a model's prompt, so that its ``[n]`` is the n-th entry of ``sources``."""
    groups: dict[tuple[str, str | None], list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault((hit.source_uri, hit.url or hit.title), []).append(hit)
    return list(groups.values())


def plan_reply(
    *,
    intent: str,
    language: str,
    hits: list[SearchHit],
    min_score: float,
    min_lift: float,
    tenant_name: str,
    greetings: dict[str, str],
    curated: CuratedMatch | None = None,
    default_language: str | None = None,
    closing: str | None = None,
) -> ReplyPlan:
    """Precedence: an explicit handoff request, then a curated answer (exact or close
    match), then the greeting, then a confident knowledge match, else "I do not know".
    ``closing``: "thanks" or "goodbye" when the greeting closes the conversation
    (``intents.rules.closing``): it gets a closing reply, not the welcome."""
    if curated is not None and intent != "human_handoff":
        return ReplyPlan("curated", language, intent, tenant_name, curated=curated)
    if intent == "greeting":
        welcome = None if closing else greetings.get(language)
        return ReplyPlan("greeting", language, intent, tenant_name, welcome, closing=closing)
    confident = [h for h in hits if is_confident(h, hits, min_score, min_lift)]
    chosen = preferred(confident, language, default_language) if confident else None
    if intent == "human_handoff":
        grounds = [chosen] if chosen is not None else []
        return ReplyPlan("handoff", language, intent, tenant_name, grounds=grounds)
    if chosen is None:
        return ReplyPlan("no_answer", language, intent, tenant_name)
    return ReplyPlan(
        "answer",
        language,
        intent,
        tenant_name,
        grounds=[chosen],
        context=[chosen, *[h for h in confident if h is not chosen]][:MAX_CONTEXT],
    )


def preferred(confident: list[SearchHit], asked: str, default: str | None) -> SearchHit:
    """The language fallback order among matches about as good as the best one: the
    visitor's language, then the tenant's default language, then the best match in
    whatever language (a cross-lingual match is a match)."""
    best = confident[0]
    close = [h for h in confident if h.score >= best.score - LANGUAGE_MARGIN]
    for language in (asked, default):
        match = next((h for h in close if h.language == language), None)
        if match is not None:
            return match
    return best


# A match whose words clearly stand out (BM25 well ahead of every other hit) may stand a
# little less far above chance by meaning: "reliure spirale" is said in so many words.
LEXICAL_DOMINANCE = 1.8
LEXICAL_LIFT_DISCOUNT = 0.01


def is_confident(hit: SearchHit, hits: list[SearchHit], min_score: float, min_lift: float) -> bool:
    if hit.score < min_score:
        return False
    if hit.lift >= min_lift:
        return True
    others = max((h.lexical for h in hits if h is not hit), default=0.0)
    dominant = hit.lexical > 0 and hit.lexical >= LEXICAL_DOMINANCE * others
    return dominant and hit.lift >= min_lift - LEXICAL_LIFT_DISCOUNT


class ReplyWriter(Protocol):
    """Writes the reply text of a plan, piece by piece. An LLM writer implements the same."""

    def write(self, plan: ReplyPlan, question: str) -> AsyncIterator[str]: ...


_CLOSINGS = {"thanks": replies.THANKS, "goodbye": replies.GOODBYE, "ok": replies.ACKNOWLEDGED}
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
MAX_SECTION_SENTENCES = 4


class ExtractiveWriter:
    """Quotes the knowledge: a FAQ answer whole, a document section's sentences that
    answer the question best.

    The quote is ready at once, so it goes as one piece: split into words, the pieces
    would reach the visitor together all the same, each at the cost of an event to send
    (twenty of them were 7% of a quoted answer's CPU in the bench)."""

    async def write(self, plan: ReplyPlan, question: str) -> AsyncIterator[str]:
        yield self.compose(plan, question)

    def compose(self, plan: ReplyPlan, question: str) -> str:
        lang = replies.reply_language(plan.language, question)
        if plan.verbatim is not None:
            return plan.verbatim
        if plan.mode == "greeting":
            if plan.closing is not None:
                return replies.text(_CLOSINGS[plan.closing], lang)
            return plan.greeting or replies.text(replies.GREETING, lang, name=plan.tenant_name)
        if plan.mode == "no_answer":
            return replies.text(replies.NO_ANSWER, lang)
        if plan.mode == "handoff":
            if plan.grounds:
                quote = _noted_quote(plan.grounds[0], question, plan.language, lang)
                return f"{replies.text(replies.HANDOFF, lang)}\n\n{quote}"
            no_contact = replies.text(replies.HANDOFF_NO_CONTACT, lang)
            return f"{replies.text(replies.HANDOFF, lang)} {no_contact}"
        return _noted_quote(plan.grounds[0], question, plan.language, lang)


def _noted_quote(hit: SearchHit, question: str, language: str, reply_language: str) -> str:
    """The quote, after a note (written for ``reply_language``) saying so when it is in
    another language than the visitor's."""
    body = _quote(hit, question)
    if hit.language != language:
        return f"{replies.other_language_note(reply_language, hit.language)}\n\n{body}"
    return body


def _quote(hit: SearchHit, question: str) -> str:
    """A FAQ answer whole; of a longer document section, the running sentences (at most
    ``MAX_SECTION_SENTENCES``) that share the most terms with the question, opening on
    one that shares some; the section's first sentences when none does (or when the
    question is in another language than the section). A section runs up to 1,500
    characters and begins with the previous piece's last sentence: its answer is often
    not in its first sentences."""
    if hit.kind == "faq":
        return hit.text
    text = hit.text.strip()
    spans, begin = [], 0  # each sentence's (start, end) in the text
    for end in _SENTENCE_END.finditer(text):
        spans.append((begin, end.start()))
        begin = end.end()
    spans.append((begin, len(text)))
    if len(spans) <= MAX_SECTION_SENTENCES:
        return text
    asked = set(analyse(question, hit.language))
    shared = [len(asked.intersection(analyse(text[a:b], hit.language))) for a, b in spans]

    def rank(start: int) -> tuple[int, bool, int]:
        # Most terms shared; then a quote that opens on a sentence sharing some (not on
        # the lead-in before it); then the earliest: the first sentences when none does.
        return (sum(shared[start : start + MAX_SECTION_SENTENCES]), shared[start] > 0, -start)

    first = max(range(len(spans)), key=rank)
    last = min(first + MAX_SECTION_SENTENCES, len(spans)) - 1
    # Sliced, not joined: the line breaks of a list stay (the widget renders them).
    return text[spans[first][0] : spans[last][1]]
