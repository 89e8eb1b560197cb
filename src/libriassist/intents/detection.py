"""A message's intent and entities: built-in rules and classifier, then the tenant's own
intents, then (later, optionally) a language model for the unclear cases.

1. A message that is only a greeting (or only thanks, or a goodbye) is a greeting,
   nothing else is computed.
2. The built-in classifier (``intents.builtin``) gives a verdict: a rule's (sure), the
   model's, or the ``general_question`` fallback.
3. The tenant's own intents (``intents.matching``), if it has any, give their best
   match. It replaces the built-in verdict when it is about as close to the message
   (best cosine to one of its examples) as the built-in intent's phrases are, or closer
   (``TENANT_MARGIN``), and close enough in absolute terms (``TENANT_MIN_CLOSENESS``):
   a tenant intent is a specific case, preferred to a generic one when it fits as well.
4. An ``IntentRefiner`` (an LLM, say) may then pick among the candidates when the result
   is not certain. None ships: the hook is here so one can be plugged in without
   touching the chat.
"""

import asyncio
import logging
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder, EmbeddingError, embed_query
from libriassist.intents import rules
from libriassist.intents.builtin import BuiltinModel, Verdict, builtin_model, ready_model
from libriassist.intents.entities import Entities, extract_entities
from libriassist.intents.matching import IntentCache, load_intents
from libriassist.intents.model import Prediction
from libriassist.intents.phrases import FALLBACK_INTENT

log = logging.getLogger("libriassist.intents")

Vector = npt.NDArray[np.float32]

# Measured on the evaluation sets (docs/quality.md): a tenant's intents, when the message
# is one of them, have their best example at 0.88-0.90 or more in 95 % of cases
# (English, MSA, Darija); unrelated support requests mostly stay below.
TENANT_MIN_CLOSENESS = 0.88
# A tenant intent is specific where a built-in one is generic: it wins even when the
# built-in phrases are this much closer.
TENANT_MARGIN = 0.03
# Verdicts kept for messages up to this length (intents.matching.IntentCache.decision).
MAX_KEPT_TEXT = 500
# A refiner is asked only below this confidence, and never about a rule's verdict.
REFINE_BELOW = 0.6


@dataclass(frozen=True)
class Candidate:
    intent: str
    score: float
    origin: str  # builtin | tenant


@dataclass(frozen=True)
class Detection:
    intent: str
    confidence: float
    source: str  # rule | model | fallback | tenant | refiner
    entities: Entities
    candidates: tuple[Candidate, ...] = ()
    # The message as embed_query(embedder, text, language) gave it, when it was embedded:
    # the search reuses it (a question never seen before is embedded once, not twice).
    vector: Vector | None = field(default=None, compare=False, repr=False)


class IntentRefiner(Protocol):
    """Chooses among ``detection.candidates`` (or keeps the detection: None)."""

    async def refine(self, text: str, language: str, detection: Detection) -> str | None: ...


async def detect(
    session: AsyncSession,
    tenant_id: str,
    revision: str,
    text: str,
    language: str,
    embedder: Embedder,
    cache: IntentCache,
    *,
    vector: Vector | None = None,
    refiner: IntentRefiner | None = None,
) -> Detection:
    """``vector``: the message already embedded by ``embed_query(embedder, text,
    language)``, when the caller has it; otherwise it is computed (and cached) here."""
    entities = extract_entities(text)
    if rules.is_social(text):
        return Detection("greeting", 1.0, "rule", entities)
    try:
        if vector is None:
            vector = await embed_query(embedder, text, language)
        builtin = ready_model(embedder)
        if builtin is None:  # still being built: wait for it off the event loop
            builtin = await asyncio.to_thread(builtin_model, embedder, cache.cache_dir)
        tenant = await load_intents(session, tenant_id, revision, embedder, cache)
    except EmbeddingError as exc:
        # Detection comes before the message is stored, which nothing may stop: when the
        # embedder fails (on the message, the built-in phrases or a tenant's examples),
        # the rules alone label it.
        log.warning("intent detection without the embedder: %s", exc)
        sure = rules.sure_intent(text)
        return Detection(sure or FALLBACK_INTENT, 1.0 if sure else 0.0, "rule", entities)
    # Everything decide() reads: the same key, the same verdict.
    key = (tenant_id, tenant.revision, tenant.model_id, language, text)
    detection = cache.decision(key) if len(text) <= MAX_KEPT_TEXT else None
    if detection is None:
        if tenant.model is not None and tenant.model.reads_english(language):
            # The English encoder's few milliseconds of numpy, off the event loop.
            prediction = await asyncio.to_thread(tenant.predict, vector, text, language)
        else:
            prediction = tenant.predict(vector, text, language)
        detection = decide(builtin, prediction, vector, text, language, entities)
        if len(text) <= MAX_KEPT_TEXT:
            cache.keep_decision(key, detection)
    detection = replace(detection, vector=vector)
    if refiner is not None and detection.source != "rule" and detection.confidence < REFINE_BELOW:
        choice = await refiner.refine(text, language, detection)
        if choice is not None and choice in {c.intent for c in detection.candidates}:
            detection = replace(detection, intent=choice, source="refiner")
    return detection


def decide(
    builtin: BuiltinModel,
    tenant: Prediction | None,
    vector: Vector,
    text: str,
    language: str | None,
    entities: Entities | None = None,
) -> Detection:
    verdict = builtin.classify(vector, text, language)
    entities = entities if entities is not None else extract_entities(text)
    candidates = [Candidate(name, score, "builtin") for name, score in verdict.ranked[:3]]
    if tenant is not None:
        candidates = [
            Candidate(name, score, "tenant") for name, score in tenant.ranked(3)
        ] + candidates
        chosen = tenant_choice(verdict, tenant)
        if chosen is not None:
            return Detection(chosen[0], chosen[1], "tenant", entities, tuple(candidates))
    return Detection(
        verdict.intent, verdict.confidence, verdict.source, entities, tuple(candidates)
    )


def tenant_choice(verdict: Verdict, tenant: Prediction) -> tuple[str, float] | None:
    best = tenant.best()
    closeness = float(tenant.closeness[best])
    if closeness < TENANT_MIN_CLOSENESS or closeness < verdict.closeness - TENANT_MARGIN:
        return None
    return tenant.labels[best], round(float(tenant.probabilities[best]), 4)
