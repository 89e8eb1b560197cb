"""The same migrations build the schema on SQLite and PostgreSQL, and match the models."""

import asyncio

from sqlalchemy import inspect

from libriassist import migrate
from libriassist.db import create_engine


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
