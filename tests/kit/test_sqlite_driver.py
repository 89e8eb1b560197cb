"""The SQLite driver: one trip to the connection's thread per statement, same results.

Runs against a real SQLite file through the engine the product builds (db.create_engine).
"""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libriassist.db import (
    begin_write,
    create_engine,
    create_sessionmaker,
    session_scope,
    write_scope,
)
from libriassist.kit import sqlite_driver


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String, unique=True)


# A statement that runs for a while (long enough to be cancelled in the middle).
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
    "SELECT count(*) FROM c"
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls sent to connections' threads, by name."""
    sent: list[str] = []
    original = sqlite_driver.Connection._execute

    async def counting(self: sqlite_driver.Connection, fn: object, *args: object) -> object:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args)

    monkeypatch.setattr(sqlite_driver.Connection, "_execute", counting)
    return sent


async def test_the_engine_uses_this_driver(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)


async def test_a_read_transaction_is_two_trips(engine: AsyncEngine, trips: list[str]) -> None:
    maker = create_sessionmaker(engine)
    async with session_scope(maker) as session:
        await session.execute(text("INSERT INTO items (name) VALUES ('a'), ('b')"))
    trips.clear()
    async with session_scope(maker) as session:
        rows = (await session.execute(text("SELECT name FROM items ORDER BY id"))).all()
    assert [r.name for r in rows] == ["a", "b"]
    # BEGIN went with the SELECT; the commit is the other trip; the pool's rollback when
    # the connection came back had nothing to do, so it was not sent.
    assert trips == ["_run", "commit"]


async def test_a_transaction_without_statements_makes_no_trip(
    engine: AsyncEngine, trips: list[str]
) -> None:
    maker = create_sessionmaker(engine)
    async with engine.connect():  # the pool holds an open connection
        pass
    trips.clear()
    async with session_scope(maker) as session:
        await begin_write(session)  # BEGIN IMMEDIATE, held back
    assert trips == []


async def test_a_held_back_begin_ends_with_its_transaction(engine: AsyncEngine) -> None:
    maker = create_sessionmaker(engine)
    async with engine.connect():  # the pool holds one connection: both sessions get it
        pass
    async with session_scope(maker) as session:
        await begin_write(session)  # BEGIN IMMEDIATE held back, and never needed
    async with session_scope(maker) as session:  # it must not come back with this BEGIN
        await session.execute(text("INSERT INTO items (name) VALUES ('a')"))
    async with session_scope(maker) as session:
        assert (await session.execute(text("SELECT name FROM items"))).scalars().all() == ["a"]


async def test_the_begin_handed_to_the_driver_goes_with_the_next_statement(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: sqlite_driver.Connection = raw.driver_connection
        driver.begin_with_next_statement("BEGIN IMMEDIATE")
        assert driver.pending_begin == "BEGIN IMMEDIATE"
        with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
            driver.begin_with_next_statement("BEGIN")
        with pytest.raises(ValueError, match="not a BEGIN"):
            driver.begin_with_next_statement("COMMIT")
        cursor = driver.cursor()
        await cursor.execute("INSERT INTO items (name) VALUES ('a')")
        assert driver.pending_begin is None
        assert driver._conn.in_transaction  # the BEGIN reached SQLite with the INSERT
        await driver.rollback()
        assert not driver._conn.in_transaction


async def test_a_statement_cancelled_midway_leaves_no_transaction_behind(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    maker = create_sessionmaker(engine)

    async def write() -> None:
        async with write_scope(maker) as session:
            await session.execute(text(SLOW))  # holds the write lock (BEGIN IMMEDIATE)

    task = asyncio.create_task(write())
    await asyncio.sleep(0.05)
    task.cancel()  # e.g. the visitor left
    with pytest.raises(asyncio.CancelledError):
        await task
    other = sqlite3.connect(tmp_path / "driver.db", timeout=5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the write lock was released
        other.execute("ROLLBACK")
    finally:
        other.close()
    for i in range(9):  # more than the pool holds: every connection starts clean
        async with write_scope(maker) as session:
            await session.execute(text("INSERT INTO items (name) VALUES (:n)"), {"n": f"n{i}"})
    async with session_scope(maker) as session:
        assert (await session.execute(text("SELECT count(*) FROM items"))).scalar() == 9


async def test_a_write_transaction_holds_the_write_lock_from_its_first_statement(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    maker = create_sessionmaker(engine)
    other = sqlite3.connect(tmp_path / "driver.db", timeout=0, isolation_level=None)
    try:
        async with session_scope(maker) as session:
            await begin_write(session)
            await session.execute(
                text("SELECT count(*) FROM items")
            )  # a read, under BEGIN IMMEDIATE
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released by the commit
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_rollback_undoes_and_the_connection_is_reused(engine: AsyncEngine) -> None:
    maker = create_sessionmaker(engine)
    with pytest.raises(RuntimeError):
        async with session_scope(maker) as session:
            await session.execute(text("INSERT INTO items (name) VALUES ('gone')"))
            raise RuntimeError("the request failed")
    with pytest.raises(IntegrityError):
        async with session_scope(maker) as session:
            await session.execute(text("INSERT INTO items (name) VALUES ('x')"))
            await session.execute(text("INSERT INTO items (name) VALUES ('x')"))
    async with session_scope(maker) as session:
        names = (await session.execute(text("SELECT name FROM items"))).scalars().all()
        assert names == []


async def test_results_counts_and_many_rows(engine: AsyncEngine) -> None:
    maker = create_sessionmaker(engine)
    async with session_scope(maker) as session:
        inserted = await session.execute(
            text("INSERT INTO items (name) VALUES (:name)"),
            [{"name": f"n{i}"} for i in range(300)],  # executemany
        )
        assert inserted.rowcount == 300  # type: ignore[attr-defined]
        changed = await session.execute(text("UPDATE items SET name = name || '!' WHERE id <= 7"))
        assert changed.rowcount == 7  # type: ignore[attr-defined]
        result = await session.execute(text("SELECT id, name FROM items ORDER BY id"))
        assert result.keys() == ["id", "name"]
        rows = result.all()
    assert len(rows) == 300 and rows[0] == (1, "n0!") and rows[-1] == (300, "n299")
    async with engine.connect() as conn:
        partial = await conn.execute(text("SELECT id FROM items ORDER BY id"))
        assert partial.fetchmany(2) == [(1,), (2,)]
        assert partial.fetchone() == (3,)
        assert len(partial.fetchall()) == 297
        streamed = await conn.stream(text("SELECT id FROM items ORDER BY id"))
        sizes = [len(part) async for part in streamed.partitions(128)]
        assert sizes == [128, 128, 44]
    async with session_scope(maker) as session:
        item = Item(name="through the ORM")
        session.add(item)
        await session.flush()  # the new id comes from the cursor's lastrowid
        assert item.id == 301


async def test_begin_waiting_too_long_for_the_lock_fails_cleanly(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    maker = create_sessionmaker(engine)
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA busy_timeout=50")
            await conn.commit()
        with pytest.raises(OperationalError, match="locked"):
            async with session_scope(maker) as session:
                await begin_write(session)
                await session.execute(text("INSERT INTO items (name) VALUES ('late')"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with session_scope(maker) as session:
        await begin_write(session)
        await session.execute(text("INSERT INTO items (name) VALUES ('now')"))
    async with session_scope(maker) as session:
        assert (await session.execute(text("SELECT name FROM items"))).scalars().all() == ["now"]
