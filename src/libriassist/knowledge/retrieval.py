"""Ranking a tenant's chunks for a question: lexical (BM25), dense (e5 cosine) or hybrid.

Hybrid is a convex combination of the two scores, each put on a comparable scale (dense:
standardised over its best candidates; BM25: divided by its best score), with a lexical
share that follows the lexical evidence: the fraction of the question's analysed terms
that occur in the knowledge base at all. A Spanish question over English passages shares
almost no terms with them, so BM25 would rank noise and the dense ranking leads; a
question in the passages' language gets both. On the shipped evaluation sets this beats
reciprocal rank fusion and both single rankings (docs/retrieval.md).
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")
# Where the candidates come from (config.Settings.search_backend); the ranking is the same.
SearchBackend = Literal["memory", "pgvector"]

FUSION_DEPTH = 100
# Tuned once on the shipped evaluation sets (docs/retrieval.md), then left alone.
LEXICAL_SHARE = 0.6
# A hit in the visitor's language wins over an equally good one in another language.
SAME_LANGUAGE_BONUS = 0.02

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Ranked:
    order: npt.NDArray[np.intp]  # positions of the best chunks, best first (at most ``depth``)
    fused: Floats  # the score the order follows, per chunk (0 outside the candidates)


def lexical_weight(coverage: float) -> float:
    """The lexical share of the hybrid score, from the share of question terms the KB knows."""
    return LEXICAL_SHARE * float(np.clip(coverage, 0.0, 1.0))


def _top(scores: Floats, depth: int) -> npt.NDArray[np.intp]:
    """Positions of the ``depth`` highest scores, best first, without sorting everything."""
    if len(scores) > depth:
        candidates = np.argpartition(-scores, depth - 1)[:depth]
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def rank(
    mode: Mode,
    dense: Floats,
    lexical: Floats,
    coverage: float,
    same_language: Floats | None,
    depth: int = FUSION_DEPTH,
) -> Ranked:
    semantic = (
        dense if same_language is None else dense + np.float32(SAME_LANGUAGE_BONUS) * same_language
    )
    if mode == "lexical":
        return Ranked(order=_top(lexical, depth), fused=lexical)
    by_meaning = _top(semantic, depth)
    if mode == "dense":
        return Ranked(order=by_meaning, fused=semantic)
    head = semantic[by_meaning]
    best = lexical.max(initial=0.0)
    by_words = _top(lexical, depth) if best > 0 else by_meaning[:0]
    candidates = np.union1d(by_meaning, by_words)
    # Scored on the candidates only: nothing else can be ranked.
    standardised = (semantic[candidates] - head.mean()) / (
        np.float32(3.0) * (head.std() + np.float32(1e-6))
    )
    words = lexical[candidates] / best if best > 0 else np.zeros(len(candidates), np.float32)
    share = np.float32(lexical_weight(coverage))
    scores = ((np.float32(1.0) - share) * standardised + share * words).astype(np.float32)
    fused = np.zeros_like(semantic)
    fused[candidates] = scores
    return Ranked(order=candidates[np.argsort(-scores, kind="stable")][:depth], fused=fused)
