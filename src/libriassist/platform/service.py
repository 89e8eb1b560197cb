"""Create, list and delete tenants (the platform operator's work, via the CLI)."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.chat.models import Message
from libriassist.db import utcnow
from libriassist.errors import Conflict, InvalidRequest, TenantNotFound
from libriassist.kit.ids import SLUG_RE, new_id, slugify
from libriassist.knowledge.models import KnowledgeDocument
from libriassist.tenants import service as tenants_service
from libriassist.tenants.models import Tenant
from libriassist.tenants.schemas import TenantCreated, TenantSettings

# The platform's shared knowledge base is kept like a tenant's, under an id no tenant can
# have (tenant ids are slugs: no underscore). It has no keys: nobody chats with it
# directly; tenants that opt in (``use_platform_kb``) fall back to it.
PLATFORM_KB_ID = "_platform"


async def ensure_platform_kb(session: AsyncSession) -> None:
    if await session.get(Tenant, PLATFORM_KB_ID) is None:
        settings = TenantSettings(name="Platform knowledge base", default_language="en")
        session.add(
            Tenant(id=PLATFORM_KB_ID, kb_revision=new_id(), **settings.model_dump(mode="json"))
        )
        await session.flush()


async def create_tenant(
    session: AsyncSession, settings: TenantSettings, tenant_id: str | None = None
) -> TenantCreated:
    tenant_id = tenant_id or slugify(settings.name)
    if not SLUG_RE.fullmatch(tenant_id):
        raise InvalidRequest(
            f"'{tenant_id}' is not a valid tenant id: use 1-63 characters of a-z, 0-9 and '-' "
            "(pass one with --id when the name has none)."
        )
    tenants_service.check_persona(settings.persona)
    if await session.get(Tenant, tenant_id) is not None:
        raise Conflict(f"A tenant with id '{tenant_id}' already exists.")
    session.add(Tenant(id=tenant_id, kb_revision=new_id(), **settings.model_dump(mode="json")))
    await session.flush()
    publishable = await tenants_service.issue_key(session, tenant_id, "publishable")
    secret = await tenants_service.issue_key(session, tenant_id, "secret")
    return TenantCreated(id=tenant_id, publishable_key=publishable.key, secret_key=secret.key)


async def list_tenants(session: AsyncSession) -> list[tuple[Tenant, int]]:
    """Every tenant with its number of knowledge documents."""
    documents = (
        select(KnowledgeDocument.tenant_id, func.count().label("n"))
        .group_by(KnowledgeDocument.tenant_id)
        .subquery()
    )
    stmt = (
        select(Tenant, func.coalesce(documents.c.n, 0))
        .outerjoin(documents, documents.c.tenant_id == Tenant.id)
        .where(Tenant.id != PLATFORM_KB_ID)
        .order_by(Tenant.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def delete_tenant(session: AsyncSession, tenant_id: str) -> None:
    """Deletes the tenant and, by cascade, everything it owns."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound(f"No tenant '{tenant_id}'.")
    await session.delete(tenant)
    await session.flush()


STALE_REPLY_AFTER = timedelta(minutes=10)


async def interrupt_stale_replies(session: AsyncSession, now: datetime | None = None) -> int:
    """Close replies left ``streaming`` by a process that died mid-answer.

    Runs at start-up, across tenants. Only replies older than any answer could take are
    touched, so replies other workers are streaming right now are left alone.
    """
    cutoff = (now or utcnow()) - STALE_REPLY_AFTER
    stmt = (
        update(Message)
        .where(Message.status == "streaming", Message.created_at < cutoff)
        .values(status="interrupted", error_code="worker_stopped")
    )
    result: Any = await session.execute(stmt)
    return int(result.rowcount or 0)
