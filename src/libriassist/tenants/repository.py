"""All SQL for tenants and their keys."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.repository import TenantRepository
from libriassist.tenants.models import ApiKey, Tenant


class TenantRowRepository:
    """The tenant's own row, scoped by its primary key."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self) -> Tenant | None:
        return await self.session.get(Tenant, self.tenant_id)

    async def kb_revision(self) -> str | None:
        stmt = select(Tenant.kb_revision).where(Tenant.id == self.tenant_id)
        revision: str | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return revision

    async def set_kb_revision(self, revision: str) -> None:
        stmt = update(Tenant).where(Tenant.id == self.tenant_id).values(kb_revision=revision)
        await self.session.execute(stmt)


class ApiKeyRepository(TenantRepository[ApiKey]):
    model = ApiKey

    async def all_keys(self) -> list[ApiKey]:
        stmt = self.select().order_by(ApiKey.created_at)
        return list((await self.session.execute(stmt)).scalars())

    async def lock_active(self, kind: str) -> list[ApiKey]:
        """The active keys of a kind, locked until the transaction ends (PostgreSQL), so
        two concurrent revocations cannot both see "another key remains"."""
        stmt = (
            self.select().where(ApiKey.kind == kind, ApiKey.revoked_at.is_(None)).with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars())

    async def revoke_kind(self, kind: str, at: datetime) -> None:
        stmt = (
            self.update()
            .where(ApiKey.kind == kind, ApiKey.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        await self.session.execute(stmt)


async def find_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    """Credential resolution: the one unscoped look-up, by a secret only its owner has."""
    stmt = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def touch_key(session: AsyncSession, key_id: str, at: datetime) -> None:
    # A hint for admins, not a change of the key: it does not move the settings revision.
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
