"""Embeddings from a fastembed (ONNX Runtime) model: ``pip install 'libriassist[fastembed]'``.

fastembed fetches its models from a model hub. They are kept in the instance's data dir;
once a model is there it is loaded from disk only (no network), and with downloads off
(``LIBRIASSIST_EMBEDDING_DOWNLOAD=false``, or ``HF_HUB_OFFLINE=1``) a missing model is a
clear error instead of a fetch.
"""

import importlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

from libriassist.ai.embedder import EmbedderUnavailable, Vectors, l2_normalise, vector_space_id


class FastEmbedEmbedder:
    computes_locally = True  # questions go to one query lane (ai/query_lanes.py)

    def __init__(
        self,
        model: str,
        cache_dir: Path,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
        download: bool = True,
    ) -> None:
        self.model_id = vector_space_id(f"fastembed:{model}", query_prefix, passage_prefix)
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch_size = batch_size
        self._model = _load(model, cache_dir, download)
        self.dim = int(self._model.embedding_size)
        # Tokenizer and session are shared; one batch at a time keeps them out of each
        # other's way and leaves the cores to that batch.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> Vectors:
        prefixed = [self._query_prefix + text for text in texts]
        with self._lock:
            rows = list(self._model.query_embed(prefixed, batch_size=self._batch_size))
        return self._matrix(rows)

    def embed_passages(self, texts: list[str]) -> Vectors:
        prefixed = [self._passage_prefix + text for text in texts]
        with self._lock:
            rows = list(self._model.passage_embed(prefixed, batch_size=self._batch_size))
        return self._matrix(rows)

    def _matrix(self, rows: list[Any]) -> Vectors:
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.stack(rows))


def _load(model: str, cache_dir: Path, download: bool) -> Any:
    try:
        # Imported by name: an optional extra, untyped for mypy whether installed or not.
        fastembed = importlib.import_module("fastembed")
    except ImportError:
        raise EmbedderUnavailable(
            "LIBRIASSIST_EMBEDDER=fastembed needs the fastembed library: "
            "pip install 'libriassist[fastembed]'"
        ) from None
    text_embedding = fastembed.TextEmbedding
    known = {str(m["model"]).lower() for m in text_embedding.list_supported_models()}
    if model.lower() not in known:
        raise EmbedderUnavailable(
            f"fastembed has no text embedding model {model!r} "
            "(fastembed.TextEmbedding.list_supported_models() lists them)"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        return text_embedding(model_name=model, cache_dir=str(cache_dir), local_files_only=True)
    except (ValueError, OSError) as exc:
        if not download:
            raise EmbedderUnavailable(
                f"fastembed model {model} is not in {cache_dir} and downloads are off "
                "(LIBRIASSIST_EMBEDDING_DOWNLOAD=false or HF_HUB_OFFLINE=1): allow one download, "
                f"or copy the model's cache folder there ({exc})"
            ) from None
    try:
        return text_embedding(model_name=model, cache_dir=str(cache_dir))
    except (ValueError, OSError) as exc:
        raise EmbedderUnavailable(
            f"fastembed could not fetch model {model} into {cache_dir}: {exc}"
        ) from None
