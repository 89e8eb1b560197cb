"""fastembed models come from a model hub, which these tests cannot reach: the wrapper is
tested against a stand-in ``fastembed`` module, and the real library (when installed) only
for its refusal to load a model that is not on disk."""

import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from libriassist.ai.embedder import EmbedderUnavailable, embedder_from_settings
from libriassist.ai.fastembed_embedder import FastEmbedEmbedder
from libriassist.config import Settings

MODEL = "intfloat/multilingual-e5-large"


class FakeTextEmbedding:
    """Records how it was built and what it embedded; 'has' the model once downloaded."""

    built: list[dict[str, Any]] = []
    on_disk: set[str] = set()

    def __init__(self, model_name: str, cache_dir: str, **options: Any) -> None:
        FakeTextEmbedding.built.append(
            {"model_name": model_name, "cache_dir": cache_dir, **options}
        )
        if options.get("local_files_only") and cache_dir not in self.on_disk:
            raise ValueError(f"Could not load model {model_name} from any source.")
        FakeTextEmbedding.on_disk.add(cache_dir)
        self.embedding_size = 3
        self.calls: list[tuple[str, list[str], int]] = []

    @classmethod
    def list_supported_models(cls) -> list[dict[str, Any]]:
        return [{"model": MODEL, "dim": 3}]

    def query_embed(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        return self._embed("query", list(texts), batch_size)

    def passage_embed(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        return self._embed("passage", list(texts), batch_size)

    def _embed(self, kind: str, texts: list[str], batch_size: int) -> Iterator[Any]:
        self.calls.append((kind, texts, batch_size))
        for text in texts:
            yield np.array([len(text), 2.0, 0.0])


@pytest.fixture
def fake_fastembed(monkeypatch: pytest.MonkeyPatch) -> type[FakeTextEmbedding]:
    module = types.ModuleType("fastembed")
    module.TextEmbedding = FakeTextEmbedding  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fastembed", module)
    FakeTextEmbedding.built = []
    FakeTextEmbedding.on_disk = set()
    return FakeTextEmbedding


def fastembed_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, embedder="fastembed", embedding_model=MODEL, **values)


def test_missing_library_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fastembed", None)  # import fastembed -> ImportError
    with pytest.raises(EmbedderUnavailable, match=r"pip install 'libriassist\[fastembed\]'"):
        embedder_from_settings(fastembed_settings(tmp_path))


def test_a_model_on_disk_loads_without_network(
    tmp_path: Path, fake_fastembed: type[FakeTextEmbedding]
) -> None:
    cache_dir = tmp_path / "models" / "fastembed"
    fake_fastembed.on_disk.add(str(cache_dir))
    embedder = embedder_from_settings(fastembed_settings(tmp_path, embedding_download=False))
    assert fake_fastembed.built == [
        {"model_name": MODEL, "cache_dir": str(cache_dir), "local_files_only": True}
    ]
    assert embedder.dim == 3
    assert embedder.model_id == f"fastembed:{MODEL}"


def test_a_missing_model_with_downloads_off_is_a_clear_error(
    tmp_path: Path, fake_fastembed: type[FakeTextEmbedding]
) -> None:
    with pytest.raises(EmbedderUnavailable, match="is not in .* and downloads are off"):
        FastEmbedEmbedder(MODEL, tmp_path / "cache", download=False)
    assert [b.get("local_files_only") for b in fake_fastembed.built] == [True]


def test_a_missing_model_is_fetched_once_when_allowed(
    tmp_path: Path, fake_fastembed: type[FakeTextEmbedding]
) -> None:
    FastEmbedEmbedder(MODEL, tmp_path / "cache")
    FastEmbedEmbedder(MODEL, tmp_path / "cache")
    assert [b.get("local_files_only") for b in fake_fastembed.built] == [True, None, True]


def test_an_unknown_model_is_refused(
    tmp_path: Path, fake_fastembed: type[FakeTextEmbedding]
) -> None:
    with pytest.raises(EmbedderUnavailable, match="no text embedding model 'word2vec'"):
        FastEmbedEmbedder("word2vec", tmp_path)
    assert fake_fastembed.built == []


def test_queries_and_passages_get_their_prefix_and_mode(
    tmp_path: Path, fake_fastembed: type[FakeTextEmbedding]
) -> None:
    embedder = FastEmbedEmbedder(
        MODEL, tmp_path, query_prefix="query: ", passage_prefix="passage: ", batch_size=8
    )
    queries = embedder.embed_queries(["a", "bb"])
    passages = embedder.embed_passages(["c"])
    model: Any = embedder._model
    assert model.calls == [
        ("query", ["query: a", "query: bb"], 8),
        ("passage", ["passage: c"], 8),
    ]
    assert queries.shape == (2, 3) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1)
    assert np.allclose(passages[0], np.array([10, 2, 0]) / np.linalg.norm([10, 2, 0]))
    assert embedder.embed_passages([]).shape == (0, 3)
    assert embedder.model_id.startswith(f"fastembed:{MODEL}+")


def test_the_real_library_refuses_a_model_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("fastembed", reason="the fastembed extra is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # belt and braces: no hub request whatever
    with pytest.raises(EmbedderUnavailable, match="is not in .* and downloads are off"):
        FastEmbedEmbedder(
            "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
            tmp_path / "cache",
            download=False,
        )
