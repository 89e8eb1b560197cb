from tests.knowledge.web import site  # noqa: F401 (a fixture)
