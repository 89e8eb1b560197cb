"""All SQL for tenant intents, scoped to one tenant."""

from typing import Any

from sqlalchemy import func

from libriassist.intents.models import TenantIntent
from libriassist.kit.ids import is_id
from libriassist.kit.repository import TenantRepository


class TenantIntentRepository(TenantRepository[TenantIntent]):
    model = TenantIntent

    async def page(self, limit: int, offset: int) -> list[TenantIntent]:
        stmt = (
            self.select().order_by(TenantIntent.name, TenantIntent.id).limit(limit).offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def count(self) -> int:
        return int((await self.session.execute(self.select(func.count()))).scalar_one())

    async def enabled(self) -> list[TenantIntent]:
        stmt = self.select().where(TenantIntent.enabled.is_(True)).order_by(TenantIntent.name)
        return list((await self.session.execute(stmt)).scalars())

    async def sizes(self) -> dict[str, tuple[str, int]]:
        """id -> (name, number of examples), without loading the vectors."""
        stmt = self.select(TenantIntent.id, TenantIntent.name, TenantIntent.examples)
        rows = (await self.session.execute(stmt)).all()
        return {row.id: (row.name, len(row.examples)) for row in rows}

    async def remove(self, intent_id: str) -> bool:
        if not is_id(intent_id):
            return False
        result: Any = await self.session.execute(self.delete().where(TenantIntent.id == intent_id))
        return bool(result.rowcount)
