"""The admin API a tenant uses on itself, with a secret key."""

from fastapi import APIRouter

from libriassist.api import DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.tenants import service as tenants_service
from libriassist.tenants.schemas import (
    ApiKeyOut,
    EffectivePersonaOut,
    IssuedKey,
    KeyKind,
    Language,
    PersonaOut,
    PersonaSummary,
    TenantOut,
    TenantUpdate,
)

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.get("/tenant", response_model=TenantOut)
async def get_tenant(principal: SecretKey, session: DbSession) -> TenantOut:
    tenant = await tenants_service.get_tenant(session, principal.tenant_id)
    return TenantOut.model_validate(tenant)


@router.patch("/tenant", response_model=TenantOut)
async def update_tenant(
    changes: TenantUpdate, principal: SecretKey, session: WriteSession
) -> TenantOut:
    tenant = await tenants_service.update_tenant(session, principal.tenant_id, changes)
    return TenantOut.model_validate(tenant)


@router.get("/tenant/persona", response_model=EffectivePersonaOut)
async def get_tenant_persona(
    principal: SecretKey, session: DbSession, language: Language | None = None
) -> EffectivePersonaOut:
    """The persona the assistant uses in one language (default: the tenant's default
    language): the catalog's, with the tenant's overrides applied."""
    tenant = await tenants_service.get_tenant(session, principal.tenant_id)
    return EffectivePersonaOut.model_validate(tenants_service.effective_persona(tenant, language))


@router.get("/personas", response_model=list[PersonaSummary])
async def list_personas(principal: SecretKey) -> list[PersonaSummary]:
    """The persona catalog: one persona per business vertical, in every language."""
    return tenants_service.list_personas()


@router.get("/personas/{persona_id}", response_model=PersonaOut)
async def get_persona(persona_id: str, principal: SecretKey) -> PersonaOut:
    """One persona's texts in every language, ``{name}`` standing for the tenant's name."""
    return tenants_service.describe_persona(persona_id)


@router.get("/keys", response_model=list[ApiKeyOut])
async def list_keys(principal: SecretKey, session: DbSession) -> list[ApiKeyOut]:
    keys = await tenants_service.list_keys(session, principal.tenant_id)
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.post("/keys/{kind}/rotate", response_model=IssuedKey)
async def rotate_key(kind: KeyKind, principal: SecretKey, session: WriteSession) -> IssuedKey:
    """Revoke every active key of this kind at once and return a new one (shown only now)."""
    return await tenants_service.rotate_key(session, principal.tenant_id, kind)


@router.delete("/keys/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, principal: SecretKey, session: WriteSession) -> ApiKeyOut:
    key = await tenants_service.revoke_key(session, principal.tenant_id, key_id)
    return ApiKeyOut.model_validate(key)
