"""The matcher on its own: normalisation, preference, the per-process cache."""

import numpy as np

from libriassist.ai.embedder import Embedder
from libriassist.chat.answering import ExtractiveWriter, ReplyPlan, plan_reply
from libriassist.curated.matching import CuratedCache, CuratedMatch, Pinned, TenantPins
from libriassist.knowledge.analysis import normalise_question
from libriassist.knowledge.schemas import SearchHit


def test_normalisation_folds_case_accents_arabic_and_punctuation() -> None:
    assert normalise_question("Quels sont les DÉLAIS de livraison ?") == normalise_question(
        "quels sont les delais de livraison"
    )
    assert normalise_question("¿Cuánto tarda el envío?") == "cuanto tarda el envio"
    assert normalise_question("كَمْ تَسْتَغْرِقُ مُدَّةُ التَّوْصِيلِ؟") == normalise_question(
        "كم تستغرق مدة التوصيل"
    )
    assert normalise_question("إلى أين؟") == normalise_question("الى اين")
    assert normalise_question("?!…") == ""
    # Words stay in order and stay distinct: a reordered question is not an exact match.
    assert normalise_question("livraison délais") != normalise_question("délais livraison")


def pins_of(embedder: Embedder, entries: list[tuple[Pinned, list[str]]]) -> TenantPins:
    return TenantPins(
        "rev",
        embedder.model_id,
        [(pinned, texts, embedder.embed_queries(texts)) for pinned, texts in entries],
    )


EN = Pinned("a" * 32, "How long does delivery take?", "EN answer", "en", None)
FR = Pinned("b" * 32, "Combien de temps prend la livraison ?", "FR answer", "fr", None)


def test_exact_beats_close_and_the_visitors_language_is_preferred(embedder: Embedder) -> None:
    pins = pins_of(
        embedder,
        [(EN, [EN.question, "Combien de temps prend la livraison ?"]), (FR, [FR.question])],
    )
    assert len(pins) == 2
    exact = pins.exact("combien de temps prend la livraison", "fr")
    assert exact is not None and exact.answer is FR and exact.exact and exact.score == 1.0
    exact_en = pins.exact("combien de temps prend la livraison", "en")
    assert exact_en is not None and exact_en.answer is EN
    vector = embedder.embed_queries(["Combien de temps met la livraison ?"])[0]
    close = pins.closest(vector, "fr", 0.975)
    assert close is not None and close.answer is FR and not close.exact
    assert pins.closest(vector, "fr", 0.9999) is None
    miss = embedder.embed_queries(["How much does delivery cost?"])[0]
    assert pins.closest(miss, "en", 0.975) is None
    assert pins.exact("How much does delivery cost?", "en") is None


def test_no_pins_match_nothing(embedder: Embedder) -> None:
    pins = TenantPins("rev", embedder.model_id, [])
    assert len(pins) == 0
    assert pins.exact("anything", "en") is None
    assert pins.closest(np.ones(embedder.dim, dtype=np.float32), "en", 0.0) is None


def test_the_cache_is_keyed_by_revision_and_model_and_bounded() -> None:
    cache = CuratedCache(max_tenants=2)
    for tenant in ("t1", "t2", "t3"):
        cache.put(tenant, TenantPins("r1", "m", []))
    assert len(cache) == 2 and cache.get("t1", "r1", "m") is None  # least recently used went
    assert cache.get("t3", "r1", "m") is not None
    assert cache.get("t3", "r2", "m") is None  # the tenant's knowledge moved on
    assert cache.get("t3", "r1", "other-model") is None


def hit() -> SearchHit:
    return SearchHit(
        chunk_id="c",
        document_id="d",
        kind="faq",
        title="t",
        question="q",
        text="KB answer",
        language="fr",
        url=None,
        source_uri="faq.json",
        score=0.95,
        lift=0.2,
        lexical=5.0,
        rank_score=1.0,
    )


def plan(intent: str, curated: CuratedMatch | None = None) -> ReplyPlan:
    return plan_reply(
        intent=intent,
        language="fr",
        hits=[hit()],
        min_score=0.8,
        min_lift=0.03,
        tenant_name="Shop",
        greetings={},
        curated=curated,
    )


def test_precedence_handoff_then_curated_then_greeting_then_knowledge() -> None:
    match = CuratedMatch(FR, 0.98, exact=False)
    assert plan("human_handoff", match).mode == "handoff"
    for intent in ("greeting", "general_question", "order_tracking"):
        curated = plan(intent, match)
        assert curated.mode == "curated" and curated.verbatim == "FR answer"
        assert curated.answered_from_kb and curated.curated_answer_id == FR.id
        assert [s.kind for s in curated.sources] == ["curated"]
        assert ExtractiveWriter().compose(curated, "") == "FR answer"
    assert plan("greeting").mode == "greeting"
    plain = plan("general_question")
    assert plain.mode == "answer" and plain.verbatim is None and plain.curated_answer_id is None
