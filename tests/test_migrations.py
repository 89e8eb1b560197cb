"""The same migrations build the schema on SQLite and PostgreSQL, and match the models."""

import asyncio

from sqlalchemy import inspect, text

from libriassist import migrate
from libriassist.db import create_engine
from libriassist.kit.settings_cache import WATCHED_TABLES


def test_models_and_migrations_agree(database_url: str) -> None:
    migrate.check(database_url)


def test_upgrade_is_idempotent(database_url: str) -> None:
    migrate.upgrade(database_url)

    async def tables() -> set[str]:
        engine = create_engine(database_url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    assert {
        "tenants",
        "api_keys",
        "knowledge_documents",
        "knowledge_chunks",
        "conversations",
        "messages",
    } <= asyncio.run(tables())


def test_the_settings_revision_triggers_are_all_there(database_url: str) -> None:
    """SQLite drops a table's triggers when a batch migration rebuilds it: a migration that
    rebuilds a watched table must create them again (kit/settings_cache.py)."""
    migrate.upgrade(database_url)

    async def triggers() -> set[str]:
        engine = create_engine(database_url)
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            if database_url.startswith("sqlite")
            else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        )
        async with engine.connect() as conn:
            names = {row[0] for row in await conn.execute(text(query))}
        await engine.dispose()
        return names

    events = ("insert", "update", "delete")
    if not database_url.startswith("sqlite"):
        events += ("truncate",)
    expected = {f"settings_changed_{table}_{event}" for table in WATCHED_TABLES for event in events}
    assert expected <= asyncio.run(triggers())
