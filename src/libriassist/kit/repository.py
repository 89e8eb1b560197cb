"""The one place where tenant scoping is written.

A tenant-owned repository is built with a tenant id; every statement it issues starts
from ``self.select()``/``self.delete()``/``self.update()``, which already filter on that
id, and every row it adds gets that id. No other code compares ``tenant_id`` (a test
greps for it); only ``platform`` reads across tenants.
"""

from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Delete, Select, Update, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.ids import is_id

ModelT = TypeVar("ModelT")


class TenantRepository(Generic[ModelT]):
    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        if not tenant_id:
            raise ValueError("a tenant-scoped repository needs a tenant id")
        self.session = session
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

    async def get(self, row_id: str) -> ModelT | None:
        if not is_id(row_id):
            return None
        stmt = self.select().where(self.model.id == row_id)
        result: ModelT | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return result
