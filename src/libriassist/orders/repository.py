"""All SQL for a tenant's imported orders and its order-source settings."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, or_

from libriassist.kit.repository import TenantRepository
from libriassist.orders.models import StoredOrder, TenantOrderSource

# Keys per IN (...) list: well under every database's parameter limit.
_CHUNK = 500


class OrderRepository(TenantRepository[StoredOrder]):
    model = StoredOrder

    async def for_customer(self, customer_id: str, limit: int) -> list[StoredOrder]:
        """Most recent first; orders without a date last."""
        stmt = (
            self.select()
            .where(StoredOrder.customer_id == customer_id)
            .order_by(
                StoredOrder.placed_at.is_(None),
                StoredOrder.placed_at.desc(),
                StoredOrder.order_number,
            )
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def candidates(self, customer_id: str, key: str) -> list[StoredOrder]:
        """The customer's orders numbered ``key``, or found by those digits (a key with
        letters never equals ``number_digits``, which holds digits only).

        One statement of one shape whatever the answer: an order number that exists for
        another customer costs the same as one that exists nowhere.
        """
        stmt = self.select().where(
            StoredOrder.customer_id == customer_id,
            or_(StoredOrder.number_key == key, StoredOrder.number_digits == key),
        )
        return list((await self.session.execute(stmt)).scalars())

    async def page(self, customer_id: str | None, limit: int, offset: int) -> list[StoredOrder]:
        stmt = self.select()
        if customer_id is not None:
            stmt = stmt.where(StoredOrder.customer_id == customer_id)
        stmt = stmt.order_by(
            StoredOrder.placed_at.is_(None), StoredOrder.placed_at.desc(), StoredOrder.id
        )
        return list((await self.session.execute(stmt.limit(limit).offset(offset))).scalars())

    async def count(self) -> int:
        return int((await self.session.execute(self.select(func.count()))).scalar_one())

    async def by_keys(self, keys: Sequence[str]) -> dict[str, StoredOrder]:
        found: dict[str, StoredOrder] = {}
        for start in range(0, len(keys), _CHUNK):
            stmt = self.select().where(StoredOrder.number_key.in_(keys[start : start + _CHUNK]))
            found.update(
                (row.number_key, row) for row in (await self.session.execute(stmt)).scalars()
            )
        return found

    async def insert_many(self, rows: Iterable[dict[str, Any]]) -> None:
        values = [{**row, "tenant_id": self.tenant_id} for row in rows]
        for start in range(0, len(values), _CHUNK):
            await self.session.execute(insert(StoredOrder), values[start : start + _CHUNK])

    async def remove_all(self) -> int:
        result: Any = await self.session.execute(self.delete())
        return int(result.rowcount or 0)

    async def remove(self, key: str) -> bool:
        result: Any = await self.session.execute(self.delete().where(StoredOrder.number_key == key))
        return bool(result.rowcount)


class OrderSourceRepository(TenantRepository[TenantOrderSource]):
    model = TenantOrderSource

    async def current(self) -> TenantOrderSource | None:
        stmt = self.select()
        row: TenantOrderSource | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return row

    async def remove(self) -> None:
        await self.session.execute(self.delete())
