"""The read side the chat uses: which curated answer, if any, a visitor's message gets.

An exact match after normalisation (``normalise_question``: case, accents, Arabic letter
variants and diacritics, punctuation) always wins. Otherwise the message's e5 vector is
compared with every enabled curated question and paraphrase of the tenant, both embedded
as queries (a symmetric question-to-question comparison), and the best one at or above
``LIBRIASSIST_CURATED_MIN_SCORE`` wins. Among the matches, one in the visitor's language
is preferred.

Why the default threshold is high (0.975): with multilingual-e5-small, two different
questions on the same topic score very close to two wordings of the same question
("How long does delivery take?" vs "How much does delivery cost?": 0.93; the same pair in
French 0.957, in Darija 0.956, in Arabizi 0.969; the demo FAQs' distinct questions up to
0.954). Only close rewordings (a word more or less, word order, a small typo) stand
above that; wordings and languages meant to match must be listed as paraphrases.
``tests/curated/test_calibration.py`` keeps these figures honest.

Each worker caches a tenant's curated vectors keyed on the tenant's ``kb_revision``,
which every curated write moves: a normal message reads no curated rows.
"""

import asyncio
import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder
from libriassist.curated.models import CuratedAnswer
from libriassist.curated.repository import CuratedAnswerRepository
from libriassist.kit.lru import Lru
from libriassist.knowledge.analysis import normalise_question

log = logging.getLogger("libriassist.curated")

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Pinned:
    id: str
    question: str
    answer: str
    language: str
    url: str | None


@dataclass(frozen=True)
class CuratedMatch:
    answer: Pinned
    score: float  # 1.0 for an exact match
    exact: bool


class TenantPins:
    """One tenant's enabled curated answers, ready to match."""

    def __init__(self, revision: str, model_id: str, rows: list[tuple[Pinned, list[str], Vector]]):
        self.revision = revision
        self.model_id = model_id
        self.answers = [pinned for pinned, _, _ in rows]
        self._exact: dict[str, list[int]] = {}
        owners: list[int] = []
        blocks: list[Vector] = []
        for i, (_, texts, vectors) in enumerate(rows):
            for text in texts:
                self._exact.setdefault(normalise_question(text), []).append(i)
            owners.extend([i] * len(texts))
            blocks.append(vectors)
        self._owners = np.array(owners, dtype=np.int64)
        self._matrix = np.vstack(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.answers)

    def exact(self, question: str, language: str) -> CuratedMatch | None:
        found = self._exact.get(normalise_question(question), [])
        if not found:
            return None
        best = self._prefer(found, language)
        return CuratedMatch(self.answers[best], 1.0, exact=True)

    def closest(self, vector: Vector, language: str, min_score: float) -> CuratedMatch | None:
        if not self.answers:
            return None
        # An answer's score is its best wording's.
        per_answer = np.full(len(self.answers), -1.0, dtype=np.float32)
        np.maximum.at(per_answer, self._owners, self._matrix @ vector)
        candidates = [int(i) for i in np.argsort(-per_answer) if per_answer[i] >= min_score]
        if not candidates:
            return None
        best = self._prefer(candidates, language)
        return CuratedMatch(self.answers[best], round(float(per_answer[best]), 4), exact=False)

    def _prefer(self, ranked: list[int], language: str) -> int:
        """The first in the visitor's language, else the first."""
        return next((i for i in ranked if self.answers[i].language == language), ranked[0])


class CuratedCache:
    """Per-process LRU of tenants' pins, valid while the tenant's ``kb_revision`` holds."""

    def __init__(self, max_tenants: int = 256) -> None:
        self._pins: Lru[str, TenantPins] = Lru(max_tenants)

    def get(self, tenant_id: str, revision: str, model_id: str) -> TenantPins | None:
        pins = self._pins.get(tenant_id)
        if pins is None or pins.revision != revision or pins.model_id != model_id:
            return None
        return pins

    def put(self, tenant_id: str, pins: TenantPins) -> None:
        self._pins.put(tenant_id, pins)

    def __len__(self) -> int:
        return len(self._pins)


async def load_pins(
    session: AsyncSession, tenant_id: str, revision: str, embedder: Embedder, cache: CuratedCache
) -> TenantPins:
    """The tenant's pins at ``revision`` (the caller read it with the tenant row)."""
    pins = cache.get(tenant_id, revision, embedder.model_id)
    if pins is not None:
        return pins
    rows = await CuratedAnswerRepository(session, tenant_id).enabled()
    stale = [r for r in rows if not _usable(r, embedder)]
    fresh: dict[str, Vector] = {}
    if stale:
        # Written under another embedding model: embedded again here, in memory only (the
        # chat never writes curated rows); the next admin edit stores the new vectors.
        log.warning(
            "curated answers embedded with another model",
            extra={"tenant_id": tenant_id, "count": len(stale)},
        )
        texts = [r.texts for r in stale]
        vectors = await asyncio.to_thread(lambda: [embedder.embed_queries(t) for t in texts])
        fresh = {r.id: v for r, v in zip(stale, vectors, strict=True)}
    pins = TenantPins(
        revision,
        embedder.model_id,
        [(_pinned(r), r.texts, fresh.get(r.id, _vectors(r))) for r in rows],
    )
    cache.put(tenant_id, pins)
    return pins


def _usable(row: CuratedAnswer, embedder: Embedder) -> bool:
    size = len(row.texts) * embedder.dim * 4  # float32
    return row.embedding_model == embedder.model_id and len(row.embeddings) == size


def _pinned(row: CuratedAnswer) -> Pinned:
    return Pinned(row.id, row.question, row.answer, row.language, row.url)


def _vectors(row: CuratedAnswer) -> Vector:
    return np.frombuffer(row.embeddings, dtype=np.float32).reshape(-1, row.embedding_dim)
