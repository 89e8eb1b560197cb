"""Chat with a model: the platform default points at a local OpenAI-compatible server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from libriassist.config import Settings
from tests.fake_llm import FakeLLM, Turn, running


@pytest.fixture(scope="session")
def llm_server() -> Iterator[FakeLLM]:
    with running() as fake:
        yield fake


@pytest.fixture
def fake_llm(llm_server: FakeLLM) -> Iterator[FakeLLM]:
    llm_server.script.clear()
    llm_server.seen.clear()
    llm_server.default = Turn()
    yield llm_server


@pytest.fixture
def settings(database_url: str, tmp_path: Path, fake_llm: FakeLLM) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        llm_base_url=fake_llm.url,
        llm_model="fake-model",
        llm_timeout=1.0,
        llm_max_duration=3.0,
        llm_retries=2,
        llm_breaker_threshold=3,
        llm_breaker_cooldown=0.5,
        llm_allow_private=True,
    )
