"""A few-shot intent classifier over example phrases, the same for built-in and tenant
intents.

Two linear models, trained on the examples when the model is built, vote in log space:

- on e5 vectors (centred on the examples' mean, L2-normalised, softmax regression):
  reads meaning, across languages;
- on words and character n-grams (``intents.lexical``, TF-IDF, softmax regression):
  reads the words a few examples share with the message, typos and inflections included.

With an English encoder (``ai.english_encoder``, a tenant's intents), an English message
gets a third opinion: a softmax regression on that model's vectors of the English
examples, given an equal say among the intents that have English examples.

Measured on the evaluation sets (``docs/quality.md``), each beats the nearest-centroid
baseline alone and the vote beats both. The model also keeps, per class, the best cosine
between the message and one of the class's examples: an absolute measure of closeness
that probabilities (always summing to one) cannot give, used to tell a message that is
none of the classes, and to weigh a tenant's intents against the built-in ones.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from libriassist.ai.english_encoder import EnglishEncoder
from libriassist.intents.lexical import Vocabulary, features

Floats = npt.NDArray[np.float32]

# Chosen once on banking77-en (docs/quality.md) and kept for every set and language.
DENSE_SCALE = 10.0
LEXICAL_SCALE = 10.0
L2_PENALTY = 1e-3
STEPS = 100
STEP_SIZE = 10.0
MOMENTUM = 0.9
DENSE_WEIGHT = 0.6  # the lexical model gets the rest
# The English voter's share on English messages (macro-F1 on banking77-en: 0.853 to 0.858
# anywhere from 0.35 to 0.7, docs/quality.md).
ENGLISH_WEIGHT = 0.5


def _log_softmax(scores: Floats) -> Floats:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    out: Floats = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return out


def train_softmax(
    kernel: Floats, targets: npt.NDArray[np.int64], classes: int
) -> tuple[Floats, Floats]:
    """Multinomial logistic regression with an L2 penalty, in its dual form: the weights
    are ``rows.T @ coefficients``, so training only needs ``kernel = rows @ rows.T``
    (examples x examples), whatever the width of the rows. Full-batch gradient descent
    with momentum; deterministic."""
    count = len(targets)
    onehot = np.eye(classes, dtype=np.float32)[targets]
    coefficients = np.zeros((count, classes), dtype=np.float32)
    bias = np.zeros(classes, dtype=np.float32)
    velocity, bias_velocity = np.zeros_like(coefficients), np.zeros_like(bias)
    for _ in range(STEPS):
        # Clipped: far tails would underflow into subnormal floats, which are very slow.
        logits = _log_softmax(kernel @ coefficients + bias)
        error = (np.exp(np.maximum(logits, -30.0)) - onehot) / count
        velocity *= MOMENTUM
        velocity -= STEP_SIZE * (error + L2_PENALTY * coefficients)
        bias_velocity *= MOMENTUM
        bias_velocity -= STEP_SIZE * error.sum(axis=0)
        coefficients += velocity
        bias += bias_velocity
    return coefficients, bias


class _EnglishVoter:
    """Softmax regression on the English encoder's vectors of the English examples, over
    the ``classes`` (label indices) that have some."""

    def __init__(
        self, encoder: EnglishEncoder, texts: list[str], targets: npt.NDArray[np.int64]
    ) -> None:
        self.encoder = encoder
        self.classes, local = np.unique(targets, return_inverse=True)
        vectors = encoder.embed(texts)
        self.mean = vectors.mean(axis=0)
        rows = (_normalise(vectors - self.mean) * DENSE_SCALE).astype(np.float32)
        coefficients, self.bias = train_softmax(rows @ rows.T, local, len(self.classes))
        self.weights = rows.T @ coefficients

    def log_probabilities(self, text: str) -> Floats:
        vector = self.encoder.embed([text])[0]
        centred = (_normalise((vector - self.mean)[None, :]) * DENSE_SCALE).astype(np.float32)
        out: Floats = _log_softmax(centred @ self.weights + self.bias)[0]
        return out


def _normalise(matrix: Floats) -> Floats:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    out: Floats = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
    return out


@dataclass(frozen=True)
class Prediction:
    labels: tuple[str, ...]
    probabilities: Floats  # per label, summing to one
    closeness: Floats  # per label: best cosine between the message and one of its examples

    def best(self) -> int:
        return int(np.argmax(self.probabilities))

    def ranked(self, limit: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-self.probabilities)[:limit]
        return [(self.labels[i], round(float(self.probabilities[i]), 4)) for i in order]


class IntentModel:
    """Trained on (label, text, language, vector) examples; ``predict`` takes a message's
    vector (embedded as a query, like the examples) and its text. ``english``: an English
    encoder for a third voter on English messages (needs English examples of at least two
    intents)."""

    def __init__(
        self,
        labels: list[str],
        targets: list[int],
        texts: list[str],
        languages: list[str | None],
        vectors: Floats,
        english: EnglishEncoder | None = None,
    ) -> None:
        if not labels or len(targets) != len(vectors) or len(texts) != len(vectors):
            raise ValueError("an intent model needs labels and one vector per example")
        self.labels = tuple(labels)
        order = np.argsort(np.array(targets), kind="stable")
        classes = np.array(targets, dtype=np.int64)[order]
        unit = _normalise(np.asarray(vectors, dtype=np.float32))[order]
        self._examples = unit
        self._starts = np.flatnonzero(np.r_[True, classes[1:] != classes[:-1]])
        self._owners = classes[self._starts]
        self._mean = unit.mean(axis=0)
        dense = (_normalise(unit - self._mean) * DENSE_SCALE).astype(np.float32)
        coefficients, bias = train_softmax(dense @ dense.T, classes, len(labels))
        self._dense: tuple[Floats, Floats] = (dense.T @ coefficients, bias)
        documents = [features(texts[i], languages[i]) for i in order]
        self._vocabulary = Vocabulary(documents)
        rows = self._vocabulary.rows(documents)
        coefficients, bias = train_softmax(rows.gram() * LEXICAL_SCALE**2, classes, len(labels))
        weights = (rows.transpose_dot(coefficients) * LEXICAL_SCALE**2).astype(np.float32)
        self._lexical: tuple[Floats, Floats] = (weights, bias)
        self._english: _EnglishVoter | None = None
        chosen = [i for i, e in enumerate(order) if languages[e] == "en"]
        if english is not None and self.wants_english(targets, languages):
            english_texts = [texts[order[i]] for i in chosen]
            self._english = _EnglishVoter(english, english_texts, classes[chosen])

    def predict(self, vector: Floats, text: str, language: str | None = None) -> Prediction:
        query = np.asarray(vector, dtype=np.float32)
        vote = self.two_voters(query, text, language)
        if self._english is not None and self.reads_english(language):
            vote = self._with_english(vote, self._english, text)
        probabilities = np.exp(_log_softmax(vote))
        closeness = np.full(len(self.labels), -1.0, dtype=np.float32)
        unit = query / (np.linalg.norm(query) or 1.0)
        closeness[self._owners] = np.maximum.reduceat(self._examples @ unit, self._starts)
        return Prediction(self.labels, probabilities.astype(np.float32), closeness)

    @staticmethod
    def wants_english(targets: list[int], languages: list[str | None]) -> bool:
        """Whether examples like these get an English voter: English examples of at least
        two intents."""
        return len({t for t, lang in zip(targets, languages, strict=True) if lang == "en"}) >= 2

    def reads_english(self, language: str | None) -> bool:
        """Whether ``predict`` runs the English encoder for a message in ``language``."""
        return self._english is not None and language == "en"

    def two_voters(self, query: Floats, text: str, language: str | None) -> Floats:
        """The e5 and the words models' vote: log-probabilities per label."""
        centred = (_normalise((query - self._mean)[None, :]) * DENSE_SCALE).astype(np.float32)
        dense = _log_softmax(centred @ self._dense[0] + self._dense[1])[0]
        rows = self._vocabulary.rows([features(text, language)])
        lexical = _log_softmax(rows.dot(self._lexical[0]) + self._lexical[1])[0]
        vote = (DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical).astype(np.float32)
        return _log_softmax(vote)

    @staticmethod
    def _with_english(vote: Floats, voter: _EnglishVoter, text: str) -> Floats:
        """The English voter redistributes, among the intents it knows, the probability
        the other two give them together; the others keep theirs exactly. Within the known
        intents, the two opinions are mixed in log space and renormalised."""
        known = voter.classes
        mass = _log_sum_exp(vote[known])
        local = (1 - ENGLISH_WEIGHT) * (vote[known] - mass)
        local += ENGLISH_WEIGHT * voter.log_probabilities(text)
        mixed = vote.copy()
        mixed[known] = local - _log_sum_exp(local) + mass
        return mixed


def _log_sum_exp(values: Floats) -> float:
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))
