"""All SQL for a tenant's chat-model settings (one row at most per tenant)."""

from libriassist.kit.repository import TenantRepository
from libriassist.llm_config.models import TenantLLM


class TenantLLMRepository(TenantRepository[TenantLLM]):
    model = TenantLLM

    async def current(self) -> TenantLLM | None:
        row: TenantLLM | None = (await self.session.execute(self.select())).scalar_one_or_none()
        return row

    async def remove(self) -> None:
        await self.session.execute(self.delete())
