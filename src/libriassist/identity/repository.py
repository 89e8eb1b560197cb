"""All SQL for a tenant's shopper-token settings (one row at most per tenant)."""

from libriassist.identity.models import TenantIdentity
from libriassist.kit.repository import TenantRepository


class TenantIdentityRepository(TenantRepository[TenantIdentity]):
    model = TenantIdentity

    async def current(self) -> TenantIdentity | None:
        row: TenantIdentity | None = (
            await self.session.execute(self.select())
        ).scalar_one_or_none()
        return row

    async def remove(self) -> None:
        await self.session.execute(self.delete())
