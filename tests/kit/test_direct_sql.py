"""Statements on the driver's connection (kit/direct_sql.py): stored exactly as an ORM
session stores them, in one transaction, and the pooled connection always comes back.

Against both engines (SQLite file and PostgreSQL), with the product's migrated schema.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Message
from libriassist.chat.repository import ConversationRepository, MessageRepository
from libriassist.db import engine_of, session_scope, write_scope
from libriassist.kit import sqlite_driver
from libriassist.kit.direct_sql import (
    compile_statement,
    direct_read,
    direct_transaction,
    write_in_one_trip,
)
from libriassist.kit.ids import new_id
from libriassist.kit.settings_cache import read_revision
from libriassist.usage_limits import service as usage_service
from libriassist.usage_limits.errors import QuotaExceeded
from libriassist.usage_limits.repository import UsageRepository
from libriassist.usage_limits.service import Quotas
from tests.factories import Tenant

MID_MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def _reply(conversation_id: str, **values: object) -> dict[str, object]:
    return {
        "id": new_id(),
        "conversation_id": conversation_id,
        "role": "assistant",
        "status": "streaming",
        "language": "fr",
        "intent": "order_tracking",
        "entities": {"order_numbers": ["A-1"], "emails": []},
        **values,
    }


async def _conversation(executor: object, tenant_id: str) -> str:
    conversation_id = new_id()
    await ConversationRepository(executor, tenant_id).insert_rows(  # type: ignore[arg-type]
        [{"id": conversation_id, "token_hash": "0" * 64, "language": "fr"}]
    )
    return conversation_id


def _stored(row: Message) -> dict[str, object]:
    return {
        column: getattr(row, column)
        for column in (
            "role",
            "status",
            "language",
            "intent",
            "entities",
            "sources",
            "content",
            "answered_from_kb",
            "orders_consulted",
            "usage_estimated",
            "completed_at",
            "latency_ms",
        )
    }


async def test_rows_written_directly_read_back_as_the_sessions_own(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    engine = engine_of(maker)
    closed = {
        "content": "Votre colis arrive demain [1].",
        "status": "complete",
        "sources": [{"title": "Livraison", "url": "https://alpha.example/l", "score": 0.91}],
        "answered_from_kb": True,
        "completed_at": datetime(2026, 3, 15, 12, 0, 1, 250_000, tzinfo=UTC),
        "latency_ms": 12,
    }
    ids = {}
    for how in ("session", "direct"):
        if how == "session":
            async with write_scope(maker) as session:
                conversation = await _conversation(session, tenant.id)
                row = _reply(conversation)
                await MessageRepository(session, tenant.id).insert_rows([row])
                await MessageRepository(session, tenant.id).update_row(str(row["id"]), closed)
        else:
            async with direct_transaction(engine, write=True) as transaction:
                conversation = await _conversation(transaction, tenant.id)
                row = _reply(conversation)
                await MessageRepository(transaction, tenant.id).insert_rows([row])
                changed = await MessageRepository(transaction, tenant.id).update_row(
                    str(row["id"]), closed
                )
                assert changed == 1
        ids[how] = str(row["id"])
    async with session_scope(maker) as session:
        by_session = await MessageRepository(session, tenant.id).get(ids["session"])
        direct = await MessageRepository(session, tenant.id).get(ids["direct"])
    assert by_session is not None and direct is not None
    assert _stored(direct) == _stored(by_session)
    # Defaults made in Python, per row, as the ORM makes them.
    assert direct.created_at is not None and direct.orders_consulted == 0
    # (SQLite gives dates back without their time zone, whoever wrote them.)
    assert direct.completed_at is not None
    assert direct.completed_at.replace(tzinfo=None) == datetime(2026, 3, 15, 12, 0, 1, 250_000)


async def test_a_failed_block_writes_nothing_and_the_connection_comes_back(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    engine = engine_of(maker)
    conversation_id = None
    with pytest.raises(RuntimeError, match="after the first write"):
        async with direct_transaction(engine, write=True) as transaction:
            conversation_id = await _conversation(transaction, tenant.id)
            raise RuntimeError("after the first write")
    assert conversation_id is not None
    async with session_scope(maker) as session:
        assert await ConversationRepository(session, tenant.id).get(conversation_id) is None
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    # The connection, back in the pool, works: the next transaction commits.
    async with direct_transaction(engine, write=True) as transaction:
        kept = await _conversation(transaction, tenant.id)
    async with session_scope(maker) as session:
        assert await ConversationRepository(session, tenant.id).get(kept) is not None


async def test_a_cancelled_transaction_writes_nothing_and_its_connection_is_replaced(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    engine = engine_of(maker)
    written: list[str] = []
    started = asyncio.Event()

    async def writer() -> None:
        async with direct_transaction(engine, write=True) as transaction:
            written.append(await _conversation(transaction, tenant.id))
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(writer())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with session_scope(maker) as session:
        assert await ConversationRepository(session, tenant.id).get(written[0]) is None
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with direct_read(engine) as reader:
        assert (await reader.execute(select(text("1")))).scalar() == 1


async def test_counts_and_reads(maker: async_sessionmaker[AsyncSession], tenant: Tenant) -> None:
    engine = engine_of(maker)
    quotas = Quotas(messages=2)
    async with direct_transaction(engine, write=True) as transaction:
        for _ in range(2):
            period = await usage_service.count_message(
                transaction, tenant.id, quotas, new_session=True, now=MID_MARCH
            )
        # The conditional upsert changes no row once the cap is reached: refused.
        with pytest.raises(QuotaExceeded):
            await usage_service.count_message(
                transaction, tenant.id, quotas, new_session=False, now=MID_MARCH
            )
        assert await UsageRepository(transaction, tenant.id).counters(period) == (2, 2, 0)
        assert await UsageRepository(transaction, tenant.id).counters("1999-01") is None
    async with direct_read(engine) as reader:
        assert isinstance(await read_revision(reader), int)
    async with session_scope(maker) as session:
        assert await UsageRepository(session, tenant.id).counters(period) == (2, 2, 0)


async def test_direct_and_session_writers_take_turns(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    """SQLite has one writer: both kinds queue on the same lock, none waits in vain."""
    engine = engine_of(maker)

    async def direct() -> None:
        async with direct_transaction(engine, write=True) as transaction:
            await _conversation(transaction, tenant.id)

    async def by_session() -> None:
        async with write_scope(maker) as session:
            await _conversation(session, tenant.id)

    await asyncio.gather(*(direct() if n % 2 else by_session() for n in range(40)))
    async with session_scope(maker) as session:
        count = await session.execute(text("SELECT count(*) FROM conversations"))
        assert count.scalar() == 40


def test_statements_it_cannot_run_as_an_orm_session_would_are_refused(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    dialect = engine_of(maker).dialect
    table = Message.__table__
    with pytest.raises(ValueError, match="RETURNING"):
        compile_statement(insert(table).returning(table.c.id), dialect, ["id"])
    expanding = select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        compile_statement(expanding, dialect, ["ids"])
    # A statement is compiled once per dialect and set of parameters.
    stmt = select(table.c.id).where(table.c.id == bindparam("x"))
    assert compile_statement(stmt, dialect, ["x"]) is compile_statement(stmt, dialect, ["x"])


async def test_a_write_goes_in_one_trip_and_step_by_step_when_a_row_is_missing(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_of(maker)
    trips: list[str] = []
    original = sqlite_driver.Connection._execute

    async def counting(self: sqlite_driver.Connection, fn: Any, *args: Any) -> Any:
        trips.append(getattr(fn, "__name__", "?"))
        return await original(self, fn, *args)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(sqlite_driver.Connection, "_execute", counting)
    runs: list[str] = []

    async def store(executor: Any) -> str:
        runs.append(type(executor).__name__)
        conversation_id = await _conversation(executor, tenant.id)
        await MessageRepository(executor, tenant.id).insert_rows([_reply(conversation_id)])
        return conversation_id

    stored = await write_in_one_trip(engine, store)
    assert len(runs) == 1
    if engine.dialect.name == "sqlite":
        assert trips == ["_run_transaction"]  # BEGIN, both INSERTs and COMMIT at once
    async with session_scope(maker) as session:
        assert await ConversationRepository(session, tenant.id).get(stored) is not None

    # A conversation deleted meanwhile: its update changes no row, so the whole write is
    # undone and redone in steps, where the code sees the count and refuses.
    async with session_scope(maker) as session:
        await session.execute(text("DELETE FROM conversations"))
    inserted: list[str] = []

    async def follow_up(executor: Any) -> None:
        runs.append(type(executor).__name__)
        message = _reply(stored)
        inserted.append(str(message["id"]))
        if not await ConversationRepository(executor, tenant.id).touch(stored, "fr", MID_MARCH):
            raise LookupError("conversation gone")
        await MessageRepository(executor, tenant.id).insert_rows([message])

    runs.clear()
    with pytest.raises(LookupError):
        await write_in_one_trip(engine, follow_up)
    assert runs == ["_Collected", "DirectTransaction"]
    async with session_scope(maker) as session:
        assert await MessageRepository(session, tenant.id).get(inserted[0]) is None
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_counter_at_its_cap_is_refused_through_the_steps(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    engine = engine_of(maker)
    quotas = Quotas(messages=1)

    async def count(executor: Any) -> str:
        return await usage_service.count_message(
            executor, tenant.id, quotas, new_session=False, now=MID_MARCH
        )

    period = await write_in_one_trip(engine, count)
    with pytest.raises(QuotaExceeded):
        await write_in_one_trip(engine, count)
    async with session_scope(maker) as session:
        assert await UsageRepository(session, tenant.id).counters(period) == (1, 0, 0)
