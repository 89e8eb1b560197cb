"""Embeddings from any server speaking OpenAI's ``POST /embeddings``.

TEI, Ollama, vLLM, LiteLLM and OpenAI itself all do. The client is synchronous on purpose:
callers already run embedders in a worker thread, and one ``httpx.Client`` (a thread-safe
pool of keep-alive connections) serves every thread.
"""

import logging
import random
import threading
import time
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import numpy as np

from libriassist.ai.embedder import (
    EmbeddingError,
    EmbeddingHTTPError,
    EmbeddingResponseError,
    Vectors,
    l2_normalise,
    vector_space_id,
)

log = logging.getLogger("libriassist.ai")

Kind = Literal["query", "passage"]

MAX_BACKOFF_SECONDS = 10.0
MAX_RETRY_AFTER_SECONDS = 30.0
MAX_SERVER_MESSAGE_CHARS = 500


class OpenAIEmbedder:
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        dim: int | None = None,
        batch_size: int = 32,
        timeout: float = 30.0,
        retries: int = 4,
        send_input_type: bool = False,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.model_id = vector_space_id(
            f"openai:{urlsplit(base_url).netloc}/{model}", query_prefix, passage_prefix
        )
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._dim = dim
        self._dim_source = "LIBRIASSIST_EMBEDDING_DIM" if dim else "its first answer"
        self._dim_lock = threading.Lock()
        self._batch_size = batch_size
        self._timeout = timeout
        self._retries = retries
        self._send_input_type = send_input_type
        self._backoff_seconds = backoff_seconds
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout, headers=headers)

    @property
    def dim(self) -> int:
        """The configured size, else the size the server answered with, else one probe."""
        return self._dim if self._dim is not None else self.probe_dim()

    def probe_dim(self) -> int:
        """Embed one word to learn the vector size (a blocking request, with retries)."""
        width = int(self._embed_batch(["dimension probe"], "passage").shape[1])
        return self._dim or width

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._embed([self._query_prefix + text for text in texts], "query")

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._embed([self._passage_prefix + text for text in texts], "passage")

    def close(self) -> None:
        self._client.close()

    def _embed(self, texts: list[str], kind: Kind) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        step = self._batch_size
        return np.concatenate(
            [self._embed_batch(texts[i : i + step], kind) for i in range(0, len(texts), step)]
        )

    def _embed_batch(self, texts: list[str], kind: Kind) -> Vectors:
        payload: dict[str, Any] = {"model": self._model, "input": texts}
        if self._send_input_type:
            payload["input_type"] = kind
        return self._vectors(self._post(payload), len(texts))

    def _post(self, payload: dict[str, Any]) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            wait: float | None = None
            try:
                response = self._client.post(self._url, json=payload)
            except httpx.TimeoutException:
                problem = f"no answer within {self._timeout:g} s"
            except httpx.TransportError as exc:
                problem = f"unreachable ({type(exc).__name__}: {exc})"
            else:
                if response.is_success:
                    return response
                status, problem = response.status_code, _server_message(response)
                if not _retryable(status):
                    raise EmbeddingHTTPError(self._url, status, problem)
                wait = _retry_after(response)
            if attempt > self._retries:
                if status is not None:
                    raise EmbeddingHTTPError(self._url, status, problem, attempts=attempt)
                raise EmbeddingError(
                    f"embedding server {self._url}: {problem} (gave up after {attempt} attempts)"
                )
            delay = self._delay(attempt, wait)
            log.warning(
                "embedding request failed, retrying",
                extra={"url": self._url, "problem": problem, "attempt": attempt, "delay": delay},
            )
            time.sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_SECONDS)
        backoff = self._backoff_seconds * 2 ** (attempt - 1)
        return float(min(backoff, MAX_BACKOFF_SECONDS) * random.uniform(0.5, 1.0))

    def _vectors(self, response: httpx.Response, expected: int) -> Vectors:
        where = f"embedding server {self._url}"
        try:
            body = response.json()
        except ValueError:
            raise EmbeddingResponseError(f"{where} answered with something not JSON") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise EmbeddingResponseError(f"{where} answered without a 'data' list")
        if len(data) != expected:
            raise EmbeddingResponseError(
                f"{where} returned {len(data)} embeddings for {expected} inputs"
            )
        try:
            if all(isinstance(item, dict) and "index" in item for item in data):
                data = sorted(data, key=lambda item: int(item["index"]))
                if [int(item["index"]) for item in data] != list(range(expected)):
                    raise ValueError("indexes are not 0..n-1")
            matrix = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbeddingResponseError(f"{where} answered malformed embeddings: {exc}") from None
        if matrix.ndim != 2 or matrix.shape[1] == 0:
            raise EmbeddingResponseError(f"{where} answered embeddings of no or uneven sizes")
        if not np.isfinite(matrix).all():
            raise EmbeddingResponseError(f"{where} answered embeddings with NaN or infinity")
        self._check_dim(matrix.shape[1])
        return l2_normalise(matrix)

    def _check_dim(self, size: int) -> None:
        with self._dim_lock:
            if self._dim is None:
                self._dim = size
                return
        if size != self._dim:
            raise EmbeddingResponseError(
                f"embedding server {self._url} returned vectors of {size} dimensions, "
                f"expected {self._dim} (from {self._dim_source})"
            )


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None  # absent, or an HTTP date: the exponential backoff applies


def _server_message(response: httpx.Response) -> str:
    """The error text of the usual shapes: OpenAI and vLLM ``{"error": {"message"}}``, TEI and
    Ollama ``{"error": "..."}``, others ``{"message"}`` or ``{"detail"}``; else the raw body."""
    message: object = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        message = message or error or body.get("message") or body.get("detail")
    text = str(message) if message else response.text.strip() or response.reason_phrase
    return text[:MAX_SERVER_MESSAGE_CHARS]
