"""All SQL for curated answers, scoped to one tenant."""

from typing import Any

from sqlalchemy import func

from libriassist.curated.models import CuratedAnswer
from libriassist.kit.ids import is_id
from libriassist.kit.repository import TenantRepository


class CuratedAnswerRepository(TenantRepository[CuratedAnswer]):
    model = CuratedAnswer

    async def page(self, limit: int, offset: int) -> list[CuratedAnswer]:
        stmt = (
            self.select()
            .order_by(CuratedAnswer.created_at, CuratedAnswer.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def count(self) -> int:
        stmt = self.select(func.count())
        return int((await self.session.execute(stmt)).scalar_one())

    async def enabled(self) -> list[CuratedAnswer]:
        stmt = self.select().where(CuratedAnswer.enabled.is_(True)).order_by(CuratedAnswer.id)
        return list((await self.session.execute(stmt)).scalars())

    async def remove(self, answer_id: str) -> bool:
        if not is_id(answer_id):
            return False
        result: Any = await self.session.execute(self.delete().where(CuratedAnswer.id == answer_id))
        return bool(result.rowcount)
