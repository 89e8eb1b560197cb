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


async def pending(database_url: str) -> bool:
    """True when the database lacks migrations this code needs (or has no schema at all)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from libriassist.db import create_engine

    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(
                lambda sync_conn: MigrationContext.configure(sync_conn).get_current_revision()
            )
    finally:
        await engine.dispose()
    return bool(current != head)


def check(database_url: str) -> None:
    """Fails when the models and the migrations disagree."""
    command.check(alembic_config(database_url))
