"""Apply or check migrations from code (the CLI, the demo and the tests use this)."""

from alembic import command
from alembic.config import Config

from libriassist.migrations import __file__ as _migrations_init


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_pkg_dir()))
    cfg.set_main_option("sqlalchemy.url", database_url)
    return cfg


def _migrations_pkg_dir() -> str:
    from pathlib import Path

    return str(Path(_migrations_init).parent)


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Fails when the models and the migrations disagree."""
    command.check(alembic_config(database_url))
