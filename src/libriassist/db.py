"""Database engine, sessions and the declarative base.

The request owns the transaction (see ``api.get_session``): services ``flush()``,
never ``commit()``. Only the chat stream commits mid-request, because the visitor's
message must be durable before the answer starts.

SQLite has one writer at a time. A transaction that reads and then writes must say so
when it begins (``write_scope``/``begin_write``: ``BEGIN IMMEDIATE``), so it waits its
turn for the write lock (``busy_timeout``) instead of failing with "database is locked"
when another writer committed after its first read.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libriassist.kit import direct_sql, sqlite_driver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        # Connections are kept (opening one costs more than a whole quoted answer);
        # readers never wait for the writer in WAL mode.
        # The driver is aiosqlite with fewer hand-overs between threads (kit/sqlite_driver.py).
        parsed = make_url(url)
        args, kwargs = parsed.get_dialect()().create_connect_args(parsed)
        engine = create_async_engine(
            url,
            pool_size=8,
            max_overflow=24,
            pool_timeout=30,
            async_creator=partial(sqlite_driver.connect, *args, **kwargs),
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver must not open transactions itself: "begin" below does, so that a
            # write transaction can ask for the write lock up front.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives the process crashing, not the machine
            # losing power mid-write. FULL costs an fsync per commit, and commits are
            # serialised: it capped answers at ~75/s. LIBRIASSIST_DATABASE_URL can point
            # to PostgreSQL where that matters.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = conn.get_execution_options().get(_WRITE_OPTION)
            # Handed to the driver, which sends it with the transaction's first statement
            # (as it would a BEGIN executed here, without a statement's machinery: a
            # third of a one-UPDATE transaction's CPU).
            driver: sqlite_driver.Connection = conn.connection.driver_connection
            driver.begin_with_next_statement("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


_WRITE_OPTION = "libriassist_write"


async def begin_write(session: AsyncSession) -> None:
    """Start ``session``'s transaction as a writer (SQLite: ``BEGIN IMMEDIATE``). Call it
    before the first statement; on PostgreSQL it only opens the transaction."""
    await session.connection(execution_options={_WRITE_OPTION: True})


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(
    maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed if the block succeeds, rolled back otherwise. (A context
    manager, not an iterator: the connection is given back when the block exits, even
    when it raises or returns.)"""
    async with maker() as session:
        try:
            yield session
            # A session that ran nothing and added nothing has no transaction to end
            # (committing one would begin it first: a tenth of a millisecond for nothing,
            # on every request whose reads all came from caches).
            if session.in_transaction():
                await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def write_scope(
    maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """``session_scope`` for a transaction that will write: it holds SQLite's write lock
    from its first statement to its commit, so keep it short, and never open another
    write_scope inside it.

    On SQLite, this process's writers also queue on an asyncio lock first. Waiting there
    has no time limit and holds no connection, whereas waiting inside SQLite ends in
    "database is locked" after ``busy_timeout``: under a burst of messages, a busy event
    loop can make each writer hold the lock long enough for the queue behind it to time
    out, and a visitor's message would be refused.
    """
    async with direct_sql.writer_turn(maker.kw.get("bind")), session_scope(maker) as session:
        await begin_write(session)
        yield session


def engine_of(maker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine ``maker``'s sessions are bound to."""
    bind = maker.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("this session maker is not bound to an engine")
    return bind
