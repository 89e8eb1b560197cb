"""aiosqlite, with one trip to the connection's thread per statement.

aiosqlite runs every call of a connection in a thread of its own. Through SQLAlchemy, one
statement made four trips there (make a cursor, execute, fetch, close the cursor), each a
hand-over between threads that costs more CPU than SQLite takes to run a small statement;
and every transaction added a trip for ``BEGIN`` and one for the rollback the pool sends
when the connection comes back, even after a commit. A quoted answer made about thirty.

Here a statement is one trip: the cursor is made, run, read to the end and closed in the
thread, and the results come back at once. ``BEGIN`` travels with the transaction's first
statement, and a commit or rollback with no transaction open stays in the event loop
(it would do nothing in SQLite either). Everything else is aiosqlite's.

Results are read whole, as SQLAlchemy's adapter already did for every query: server-side
cursors (``yield_per``) get no memory saving here.
"""

import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

# The statements db.py's "begin" event sends: held back and sent with the next statement.
_BEGIN = frozenset({"BEGIN", "BEGIN IMMEDIATE"})


async def connect(database: str | Path, **kwargs: Any) -> "Connection":
    """Open ``database`` (``sqlite3.connect`` keyword arguments in ``kwargs``)."""
    location = str(database)
    # The transaction state is read from the event loop's thread (see _ending_needs_sqlite);
    # every call still runs in the connection's own thread.
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        db: sqlite3.Connection = sqlite3.connect(location, **kwargs)
        return db

    connection = Connection(connector, 64)
    # Like SQLAlchemy does for aiosqlite's connections: an interpreter exiting with a
    # pooled connection still open must not wait for its thread.
    connection._thread.daemon = True
    await connection  # starts the thread, opens the database in it
    return connection


class Connection(aiosqlite.Connection):
    pending_begin: str | None = None  # BEGIN sent by SQLAlchemy, not yet sent to SQLite

    def cursor(self) -> "Cursor":  # type: ignore[override]
        # No trip: the sqlite3 cursor is made, used and closed by each statement. (Unlike
        # aiosqlite's, it is not awaited; and aiosqlite's own execute() would bypass a
        # held-back BEGIN: only SQLAlchemy uses these connections.)
        return Cursor(self)

    async def commit(self) -> None:
        if not self._ending_needs_sqlite():
            return
        await super().commit()

    async def rollback(self) -> None:
        if not self._ending_needs_sqlite():
            return
        await super().rollback()

    def begin_with_next_statement(self, begin: str) -> None:
        """What executing ``begin`` (a ``BEGIN`` of ``_BEGIN``) does: held back, sent
        with the next statement, forgotten if the transaction ends first."""
        if begin not in _BEGIN:
            raise ValueError(f"not a BEGIN: {begin!r}")
        if self.pending_begin is not None:
            raise sqlite3.OperationalError("cannot start a transaction within a transaction")
        self.pending_begin = begin

    def _ending_needs_sqlite(self) -> bool:
        self.pending_begin = None  # a BEGIN still held back never reached SQLite
        connection = self._connection
        # Read outside the thread, but only while no call of this connection is under way
        # (SQLAlchemy waits for each one), and the connection is opened with
        # check_same_thread=False. A closed connection goes to aiosqlite, which raises.
        return connection is None or connection.in_transaction

    async def run_statement(
        self, sql: str, parameters: Any, many: bool
    ) -> tuple[Any, int, int | None, list[Any]]:
        begin, self.pending_begin = self.pending_begin, None
        result: tuple[Any, int, int | None, list[Any]] = await self._execute(  # type: ignore[no-untyped-call]
            _run, self._conn, begin, sql, parameters, many
        )
        return result

    async def run_transaction(
        self, begin: str, steps: Sequence[tuple[str, Any, bool, int]]
    ) -> bool:
        """A whole write transaction in one trip: ``begin``, each ``(sql, parameters,
        many, least)`` step, ``COMMIT``. A step that changes fewer than ``least`` rows
        rolls everything back: False. Any error rolls back too, and is raised."""
        if self.pending_begin is not None:
            raise sqlite3.OperationalError("a transaction is already open")
        committed: bool = await self._execute(  # type: ignore[no-untyped-call]
            _run_transaction, self._conn, begin, steps
        )
        return committed


def _run_transaction(
    db: sqlite3.Connection, begin: str, steps: Sequence[tuple[str, Any, bool, int]]
) -> bool:
    db.execute(begin)
    try:
        for sql, parameters, many, least in steps:
            cursor = db.executemany(sql, parameters) if many else db.execute(sql, parameters)
            cursor.close()
            if cursor.rowcount < least:
                db.rollback()
                return False
        db.commit()
        return True
    except BaseException:
        if db.in_transaction:
            db.rollback()
        raise


def _run(
    db: sqlite3.Connection, begin: str | None, sql: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any]]:
    """In the connection's thread: the whole statement, and what SQLAlchemy reads of it."""
    if begin is not None:
        db.execute(begin)
    cursor = db.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class Cursor:
    """What SQLAlchemy's aiosqlite adapter uses of a cursor, its results held in memory."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> "Cursor":
        connection = self._connection
        if sql in _BEGIN and not parameters and connection.pending_begin is None:
            connection.begin_with_next_statement(sql)
            self.description, self.rowcount, self._rows = None, -1, deque()
            return self
        await self._run(sql, parameters, many=False)
        return self

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> "Cursor":
        await self._run(sql, parameters, many=True)
        return self

    async def _run(self, sql: str, parameters: Any, many: bool) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = None, -1, None, deque()
        result = await self._connection.run_statement(sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, rows = result
        self._rows = deque(rows)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows = deque()

    async def __aiter__(self) -> AsyncIterator[Any]:
        while self._rows:
            yield self._rows.popleft()
