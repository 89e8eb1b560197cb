"""The read side the chat uses: a tenant's intents as a trained model, cached per worker.

The model is trained from the stored example vectors the first time a worker needs it
at a given ``kb_revision`` (which every intent write moves, like curated answers'
writes): a few milliseconds for a handful of intents, a few seconds at the 77 intents
of BANKING77. A normal message reads no intent rows.
"""

import asyncio
import logging
from collections.abc import Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.embedder import Embedder
from libriassist.ai.english_encoder import EnglishEncoder, load_english_encoder
from libriassist.config import Settings
from libriassist.intents.examples import embed_examples
from libriassist.intents.model import IntentModel, Prediction
from libriassist.intents.models import TenantIntent
from libriassist.intents.repository import TenantIntentRepository
from libriassist.kit.keyed_locks import KeyedLocks
from libriassist.kit.language import detect_language
from libriassist.kit.lru import Lru

log = logging.getLogger("libriassist.intents")

Vector = npt.NDArray[np.float32]


def example_language(text: str) -> str:
    """The language an example is embedded and analysed as (only Darija changes either)."""
    return detect_language(text, default="en")


@dataclass(frozen=True)
class TenantIntents:
    """One tenant's enabled intents, ready to classify; ``model`` is None without any."""

    revision: str
    model_id: str
    model: IntentModel | None

    def predict(self, vector: Vector, text: str, language: str | None) -> Prediction | None:
        return self.model.predict(vector, text, language) if self.model else None


class IntentCache:
    """Per-process LRU of tenants' intent models, valid while the tenant's ``kb_revision``
    holds; ``cache_dir`` keeps the built-in phrases' vectors across restarts. With
    ``english``, tenants' models also use the English encoder found in
    ``english_model_dir`` (``ai.english_encoder``), when it is there."""

    def __init__(
        self,
        max_tenants: int = 256,
        cache_dir: Path | None = None,
        *,
        english: bool = False,
        english_model_dir: Path | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.english = english
        self.english_model_dir = english_model_dir
        self._intents: Lru[str, TenantIntents] = Lru(max_tenants)
        self._decisions: Lru[Hashable, Any] = Lru(self.MAX_DECISIONS)
        self._locks = KeyedLocks()

    @classmethod
    def from_settings(cls, settings: Settings) -> "IntentCache":
        return cls(
            cache_dir=settings.data_dir / "cache",
            english=settings.english_intent_model,
            english_model_dir=settings.english_model_dir,
        )

    def english_encoder(self) -> EnglishEncoder | None:
        """Loaded on first use (blocking: call it from a thread)."""
        return load_english_encoder(self.english_model_dir) if self.english else None

    def get(self, tenant_id: str, revision: str, model_id: str) -> TenantIntents | None:
        found = self._intents.get(tenant_id)
        if found is None or found.revision != revision or found.model_id != model_id:
            return None
        return found

    def lock(self, tenant_id: str) -> AbstractAsyncContextManager[None]:
        """Held while the tenant's model is built: questions that come meanwhile wait for
        that one model rather than each train their own (seconds of CPU for 77 intents)."""
        return self._locks.hold(tenant_id)

    def put(self, tenant_id: str, intents: TenantIntents) -> None:
        self._intents.put(tenant_id, intents)

    def __len__(self) -> int:
        return len(self._intents)

    # A message asked before, at the same revision of the tenant's intents, gets the same
    # verdict: it is kept, like its vector in the query cache (a few hundred microseconds
    # of classifiers saved on each of the questions visitors ask again and again).
    MAX_DECISIONS = 4096

    def decision(self, key: Hashable) -> Any:
        return self._decisions.get(key)

    def keep_decision(self, key: Hashable, value: Any) -> None:
        self._decisions.put(key, value)


async def load_intents(
    session: AsyncSession, tenant_id: str, revision: str, embedder: Embedder, cache: IntentCache
) -> TenantIntents:
    """The tenant's intents at ``revision`` (the caller read it with the tenant row)."""
    found = cache.get(tenant_id, revision, embedder.model_id)
    if found is not None:
        return found
    async with cache.lock(tenant_id):
        found = cache.get(tenant_id, revision, embedder.model_id)
        if found is not None:  # built while this question waited
            return found
        # No autoflush: the caller may hold pending rows (a new conversation), and flushing
        # them now would take SQLite's write lock for the time the model trains.
        with session.no_autoflush:
            rows = await TenantIntentRepository(session, tenant_id).enabled()
        model = await asyncio.to_thread(_train, rows, embedder, cache) if rows else None
        intents = TenantIntents(revision, embedder.model_id, model)
        cache.put(tenant_id, intents)
        return intents


def _train(rows: list[TenantIntent], embedder: Embedder, cache: IntentCache) -> IntentModel:
    labels, targets, texts, blocks = [], [], [], []
    for number, row in enumerate(rows):
        row_texts = row.texts
        labels.append(row.name)
        targets.extend([number] * len(row_texts))
        texts.extend(row_texts)
        blocks.append(_vectors(row, embedder, row_texts))
    languages: list[str | None] = [example_language(text) for text in texts]
    # Loaded only for a tenant that has English examples (it takes 75 MB per process).
    wanted = IntentModel.wants_english(targets, languages)
    english = cache.english_encoder() if wanted else None
    return IntentModel(labels, targets, texts, languages, np.vstack(blocks), english)


def _vectors(row: TenantIntent, embedder: Embedder, texts: list[str]) -> Vector:
    size = len(texts) * embedder.dim * 4  # float32
    if row.embedding_model == embedder.model_id and len(row.embeddings) == size:
        return np.frombuffer(row.embeddings, dtype=np.float32).reshape(-1, row.embedding_dim)
    # Written under another embedding model: embedded again here, in memory only (the
    # chat never writes intent rows); the next admin edit stores the new vectors.
    log.warning("tenant intent embedded with another model", extra={"intent_id": row.id})
    return embed_examples(embedder, texts, [example_language(t) for t in texts])
