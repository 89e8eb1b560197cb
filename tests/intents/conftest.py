import pytest

from libriassist.ai.embedder import Embedder
from libriassist.intents.builtin import BuiltinModel, builtin_model


@pytest.fixture(scope="session")
def builtin(embedder: Embedder) -> BuiltinModel:
    """Built once per test run (about a thousand phrases to embed)."""
    return builtin_model(embedder)
