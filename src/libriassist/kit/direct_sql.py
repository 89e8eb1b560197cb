"""The few statements every chat message runs, sent on the database driver's own connection.

A visitor's message costs three small transactions (read the settings revision; store the
question and its empty reply; close the reply). Through an ORM session, most of their CPU
was SQLAlchemy's own: the session, the execution context, a greenlet switch per call. A
transaction storing a question took 0.56 ms of the event loop's time that way, 0.1 ms here,
where the answer's whole budget is a few milliseconds.

What stays SQLAlchemy's: the statements (Core ``insert``/``update``/``select``, built once
and kept, like ``kit/repository.py``'s), compiled by the engine's dialect, with its bind
processors (dates, JSON, booleans are stored exactly as an ORM session stores them) and
the columns' Python defaults; the connection pool (checkout, pre-ping, return). What is
direct: running the compiled SQL on the driver's connection (the project's SQLite driver,
``kit/sqlite_driver.py``, or asyncpg) and the transaction around it.

Only for statements built once: each distinct statement object is compiled on first use
and kept, so a statement rebuilt per call would be compiled per call. Results are the
driver's rows, without type conversion: read plain values (numbers, text).
"""

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from libriassist.kit import sqlite_driver

Params = Mapping[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class DirectResult:
    rowcount: int
    rows: list[Any]

    def first(self) -> Any:
        """The first row (a tuple; asyncpg: a record), or None."""
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        """The first column of the first row, or None without a row."""
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each positional parameter: its name, how to make its value when the caller
    # gives none (a column default, a constant of the statement; None: required), and
    # the dialect's conversion of the value (None: as it is).
    slots: tuple[tuple[str, Callable[[], Any] | None, Callable[[Any], Any] | None], ...]
    returns_rows: bool

    def values(self, params: Params) -> tuple[Any, ...]:
        out = []
        for name, default, process in self.slots:
            if name in params:
                value = params[name]
            elif default is not None:
                value = default()
            else:
                raise KeyError(f"no value for the statement's parameter {name!r}")
            out.append(process(value) if process is not None else value)
        return tuple(out)


# statement -> {(dialect name, parameter names): compiled}; a statement that goes away
# takes its compiled forms with it.
_compiled: "weakref.WeakKeyDictionary[ClauseElement, dict[Any, _Compiled]]"
_compiled = weakref.WeakKeyDictionary()


def compile_statement(statement: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> _Compiled:
    """``statement`` as ``dialect`` runs it with parameters named ``keys``, compiled once."""
    forms = _compiled.setdefault(statement, {})
    key = (dialect.name, tuple(sorted(keys)))
    found = forms.get(key)
    if found is None:
        found = forms[key] = _compile(statement, dialect, list(key[1]))
    return found


def _compile(statement: ClauseElement, dialect: Dialect, keys: list[str]) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=keys)
    if compiled.positiontup is None:
        raise ValueError(f"{dialect.name}: a positional paramstyle is needed")
    if compiled.returning or getattr(compiled, "postfetch", None):
        raise ValueError("RETURNING and server-side defaults to fetch are not supported")
    # Python-side defaults of the columns the caller leaves out (created_at and the like),
    # made per row, as the ORM's execution context makes them.
    defaults: dict[str, Callable[[], Any]] = {}
    for column in getattr(compiled, "insert_prefetch", ()):
        defaults[column.key] = _default_maker(column.default)
    for column in getattr(compiled, "update_prefetch", ()):
        defaults[column.key] = _default_maker(column.onupdate)
    slots = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if bind.expanding or bind.callable is not None:
            raise ValueError(f"parameter {name!r}: expanding or callable binds are not supported")
        default = defaults.get(name)
        if default is None and name not in keys and bind.value is not None:
            constant = bind.value
            default = lambda constant=constant: constant  # noqa: E731
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        slots.append((name, default, process))
    return _Compiled(compiled.string, tuple(slots), bool(getattr(statement, "is_select", False)))


def _default_maker(default: Any) -> Callable[[], Any]:
    if default is None:
        raise ValueError("a prefetched column has no default")
    if default.is_scalar:
        value = default.arg
        return lambda: value
    if default.is_callable:
        # SQLAlchemy wraps a default that takes no argument so that it takes the
        # execution context: the models' defaults (utcnow and the like) use none.
        function = default.arg
        return lambda: function(None)
    raise ValueError(f"unsupported column default: {default!r}")


# A statement ready to send: compiled, and the positional values of each of its runs.
Prepared = tuple[_Compiled, list[tuple[Any, ...]]]


def _prepared(
    statement: Any, params: Params | Sequence[Params] | None, dialect: Dialect
) -> Prepared | None:
    """``statement`` compiled for ``params`` (a dict, or a list of dicts with the same
    keys), and each dict's positional values; None for an empty list."""
    batch: Sequence[Params] = params if isinstance(params, Sequence) else [params or {}]
    if not batch:
        return None
    compiled = compile_statement(statement, dialect, list(batch[0]))
    return compiled, [compiled.values(p) for p in batch]


class DirectTransaction:
    """``execute(statement, params)`` on one driver connection, in one transaction (or
    none, for a single read)."""

    def __init__(self, engine: Engine, driver: Any) -> None:
        self._engine = engine
        self._driver = driver
        self._sqlite = isinstance(driver, sqlite_driver.Connection)

    def get_bind(self) -> Engine:
        """The engine (its ``dialect`` tells which database): as ``AsyncSession.get_bind``."""
        return self._engine

    async def execute(
        self, statement: Any, params: Params | Sequence[Params] | None = None
    ) -> DirectResult:
        """Run ``statement`` once with ``params`` (a dict), or once per dict of a list (all
        with the same keys). The number of rows changed, and the rows read if any."""
        prepared = _prepared(statement, params, self._engine.dialect)
        if prepared is None:
            return DirectResult(0, [])
        return await self._run(*prepared)

    async def _run(self, compiled: _Compiled, values: list[tuple[Any, ...]]) -> DirectResult:
        many = len(values) > 1
        if self._sqlite:
            _, rowcount, _, rows = await self._driver.run_statement(
                compiled.sql, values if many else values[0], many
            )
            return DirectResult(rowcount, rows)
        if many:
            await self._driver.executemany(compiled.sql, values)
            return DirectResult(len(values), [])
        if compiled.returns_rows:
            records = await self._driver.fetch(compiled.sql, *values[0])
            return DirectResult(len(records), list(records))
        status: str = await self._driver.execute(compiled.sql, *values[0])
        # asyncpg gives the command's tag: "INSERT 0 1", "UPDATE 3", "DELETE 0".
        count = status.rsplit(" ", 1)[-1]
        return DirectResult(int(count) if count.isdigit() else -1, [])


@asynccontextmanager
async def direct_transaction(
    engine: AsyncEngine, *, write: bool = False
) -> AsyncIterator[DirectTransaction]:
    """A transaction on a pooled connection: committed when the block succeeds, rolled back
    otherwise. ``write``: it will write (SQLite: ``BEGIN IMMEDIATE``, after this process's
    other writers, as ``db.write_scope``)."""
    async with writer_turn(engine if write else None), _checkout(engine) as lease:
        driver = lease.driver
        if isinstance(driver, sqlite_driver.Connection):
            # Sent with the first statement; nothing to end when no statement ran.
            driver.begin_with_next_statement("BEGIN IMMEDIATE" if write else "BEGIN")
            end: Any = driver
        else:
            end = driver.transaction()
            await end.start()
        try:
            yield DirectTransaction(lease.engine, driver)
        except BaseException:
            try:
                await end.rollback()
            except BaseException:
                lease.broken = True
                raise
            raise
        await end.commit()


class NotAsAssumed(Exception):
    """A statement of a one-trip write changed no row (or was a read): redo it in steps."""


class _Collected:
    """An executor that sends nothing: it notes each statement (DML only), answers as if
    it changed its rows, and ``write_in_one_trip`` runs them all at the end."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.steps: list[Prepared] = []

    def get_bind(self) -> Engine:
        return self._engine

    async def execute(
        self, statement: Any, params: Params | Sequence[Params] | None = None
    ) -> DirectResult:
        if getattr(statement, "is_select", False):
            raise NotAsAssumed("a read needs its answer at once")
        prepared = _prepared(statement, params, self._engine.dialect)
        if prepared is None:
            return DirectResult(0, [])
        self.steps.append(prepared)
        return DirectResult(len(prepared[1]), [])


async def write_in_one_trip(engine: AsyncEngine, work: Callable[[Any], Awaitable[T]]) -> T:
    """``await work(executor)`` as one write transaction, sent at once: on SQLite, one
    trip to the connection's thread, so the write lock is held for no more than that.

    ``work`` runs first against an executor that only notes its statements and answers
    as if each changed its rows (an insert, an update of a row that is there, a counter
    with room left: the usual case). If one then changes no row, nothing is kept, and
    ``work`` runs again in a ``direct_transaction``, step by step, where it sees the real
    counts (and raises, or goes on, as it decides). So ``work`` must only send statements
    (Core DML; a read makes it go step by step) and may run twice."""
    collected = _Collected(engine.sync_engine)
    try:
        result = await work(collected)
        await _run_all(engine, collected.steps)
        return result
    except NotAsAssumed:
        pass
    async with direct_transaction(engine, write=True) as transaction:
        return await work(transaction)


async def _run_all(engine: AsyncEngine, steps: list[Prepared]) -> None:
    """Every step in one transaction; ``NotAsAssumed`` (and nothing kept) when one changes
    fewer rows than it was given."""
    if not steps:
        return
    if engine.dialect.name == "sqlite":
        async with writer_turn(engine), _checkout(engine) as lease:
            # (sql, parameters, many, least rows changed) for the connection's thread
            sent = [
                (compiled.sql, values, True, len(values))
                if len(values) > 1
                else (compiled.sql, values[0], False, 1)
                for compiled, values in steps
            ]
            if not await lease.driver.run_transaction("BEGIN IMMEDIATE", sent):
                raise NotAsAssumed("a statement changed no row")
        return
    # PostgreSQL: a round trip per statement whatever the way, so simply in a transaction.
    async with direct_transaction(engine, write=True) as transaction:
        for compiled, values in steps:
            changed = (await transaction._run(compiled, values)).rowcount
            if 0 <= changed < len(values):
                raise NotAsAssumed("a statement changed no row")  # rolls back


@asynccontextmanager
async def direct_read(engine: AsyncEngine) -> AsyncIterator[DirectTransaction]:
    """A pooled connection for reads outside any transaction (each statement on its own)."""
    async with _checkout(engine) as lease:
        yield DirectTransaction(lease.engine, lease.driver)


@dataclass
class _Lease:
    engine: Engine
    driver: Any
    broken: bool = False


@asynccontextmanager
async def _checkout(engine: AsyncEngine) -> AsyncIterator[_Lease]:
    sync_engine = engine.sync_engine
    fairy = await greenlet_spawn(sync_engine.pool.connect)
    lease = _Lease(sync_engine, fairy.driver_connection)
    try:
        yield lease
    except BaseException as exc:
        # Cancelled mid-call (or its rollback failed): whatever state the connection is
        # in, it is not given to the next user. The pool opens a new one.
        if not isinstance(exc, Exception):
            lease.broken = True
        raise
    finally:
        if lease.broken:
            await greenlet_spawn(fairy.invalidate)
        await greenlet_spawn(fairy.close)


# SQLite: this process's writers wait their turn here, without a time limit, rather than
# in SQLite's busy handler (db.write_scope takes its turn here too).
_writer_locks: "weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, asyncio.Lock]]"
_writer_locks = weakref.WeakKeyDictionary()


@asynccontextmanager
async def writer_turn(engine: AsyncEngine | None) -> AsyncIterator[None]:
    """This process's turn to write through ``engine`` (SQLite; at once elsewhere, and
    without an engine)."""
    if engine is None or engine.dialect.name != "sqlite":
        yield  # PostgreSQL has row locks: writers of different rows never wait
        return
    # One lock per engine and event loop (a lock belongs to the loop it was first used in).
    locks = _writer_locks.setdefault(engine.sync_engine, {})
    loop = asyncio.get_running_loop()
    lock = locks.get(loop)
    if lock is None:
        lock = locks[loop] = asyncio.Lock()
    async with lock:
        yield
