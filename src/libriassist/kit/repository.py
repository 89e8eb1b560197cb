"""The one place where tenant scoping is written.

A tenant-owned repository is built with a tenant id; every statement it issues starts
from ``self.select()``/``self.delete()``/``self.update()``, which already filter on that
id, and every row it adds gets that id. No other code compares ``tenant_id`` (a test
greps for it); only ``platform`` reads across tenants.
"""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.ids import is_id

ModelT = TypeVar("ModelT")


class Executor(Protocol):
    """What runs a Core statement: an ``AsyncSession``, or a ``DirectTransaction``
    (kit/direct_sql.py) for the statements every chat message runs. Both results have
    ``rowcount``, ``first()`` and ``scalar()``."""

    async def execute(self, statement: Any, params: Any = None, /) -> Any: ...

    def get_bind(self) -> Any: ...


class TenantRepository(Generic[ModelT]):
    model: ClassVar[type[Any]]

    def __init__(self, session: "AsyncSession | Executor", tenant_id: str) -> None:
        """``session``: an ``AsyncSession``, or a ``DirectTransaction`` for the methods
        that run Core statements only (``insert_rows``, ``update_row``, the ones built on
        ``scoped_update``/``scoped_select``): the others need the session's ORM."""
        if not tenant_id:
            raise ValueError("a tenant-scoped repository needs a tenant id")
        self.executor: Executor = session
        self.session = cast(AsyncSession, session)
        self.tenant_id = tenant_id

    def select(self, *columns: Any) -> Select[Any]:
        stmt = select(*columns) if columns else select(self.model)
        return stmt.where(self.model.tenant_id == self.tenant_id)

    def delete(self) -> Delete:
        return delete(self.model).where(self.model.tenant_id == self.tenant_id)

    def update(self) -> Update:
        return update(self.model).where(self.model.tenant_id == self.tenant_id)

    def add(self, row: ModelT) -> ModelT:
        row.tenant_id = self.tenant_id  # type: ignore[attr-defined]
        self.session.add(row)
        return row

    # Pre-built statements, for the few written with every message: building an ORM
    # statement and flushing rows through the unit of work cost more CPU than SQLite
    # takes to run them (a quoted answer's two writes: 7 ms of CPU against 3.5 ms).

    # They run on an AsyncSession or on a DirectTransaction (kit/direct_sql.py).

    async def insert_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """INSERT ``rows`` (dicts with the same keys; unset columns take their defaults)
        into this repository's table, for this tenant, in one statement."""
        values = [{**row, "tenant_id": self.tenant_id} for row in rows]
        await self.executor.execute(_insert_into(self.model.__table__), values)

    async def update_row(self, row_id: str, values: Mapping[str, Any]) -> int:
        """UPDATE one row of this tenant by id, with a statement built once per set of
        columns; the number of rows changed (0 or 1). A row's id and tenant never change."""
        if "tenant_id" in values or "id" in values:
            raise ValueError("update_row changes neither a row's id nor its tenant")
        stmt = _update_by_id(self.model.__table__, tuple(values))
        return await self.execute_scoped(stmt, {**values, _ID_PARAM: row_id})

    @classmethod
    def scoped_update(cls) -> Update:
        """``update()`` with the tenant as a parameter: a statement to build once (with
        ``bindparam`` for the rest, kept by the caller) and run with ``execute_scoped``."""
        return _scoped_update(cls.model.__table__)

    @classmethod
    def scoped_select(cls, *columns: Any) -> Select[Any]:
        """``select(*columns)`` of this table with the tenant as a parameter, to build
        once and run with ``first_scoped``."""
        return select(*columns).where(cls.model.__table__.c.tenant_id == bindparam(_TENANT_PARAM))

    async def execute_scoped(self, stmt: Any, params: Mapping[str, Any]) -> int:
        """Run a statement built on ``scoped_update`` for this tenant: the rows changed."""
        result = await self.executor.execute(stmt, {**params, _TENANT_PARAM: self.tenant_id})
        return int(result.rowcount)

    async def first_scoped(self, stmt: Any, params: Mapping[str, Any]) -> Any:
        """The first row of a statement built on ``scoped_select``, or None."""
        result = await self.executor.execute(stmt, {**params, _TENANT_PARAM: self.tenant_id})
        return result.first()

    async def get(self, row_id: str) -> ModelT | None:
        if not is_id(row_id):
            return None
        stmt = self.select().where(self.model.id == row_id)
        result: ModelT | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return result


_TENANT_PARAM, _ID_PARAM = "where_tenant_id", "where_id"


@cache
def _insert_into(table: Table) -> Insert:
    return insert(table)


@cache
def _scoped_update(table: Table) -> Update:
    return update(table).where(table.c.tenant_id == bindparam(_TENANT_PARAM))


@cache
def _update_by_id(table: Table, columns: tuple[str, ...]) -> Update:
    return (
        _scoped_update(table)
        .where(table.c.id == bindparam(_ID_PARAM))
        .values({column: bindparam(column) for column in columns})
    )
