"""Apply or check migrations from code (the CLI, the demo and the tests use this)."""

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from libriassist.migrations import __file__ as _migrations_init


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_pkg_dir()))
    # The config is an .ini: a URL-encoded password or socket path (%2F) must be escaped.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def _migrations_pkg_dir() -> str:
    from pathlib import Path

    return str(Path(_migrations_init).parent)


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    revision: str | None = MigrationContext.configure(connection).get_current_revision()
    return revision


async def pending(database_url: str) -> bool:
    """True when the database lacks migrations this code needs (or has no schema at all)."""
    from libriassist.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(current_revision)
    finally:
        await engine.dispose()
    return current != head_revision()


def check(database_url: str) -> None:
    """Fails when the models and the migrations disagree."""
    command.check(alembic_config(database_url))
