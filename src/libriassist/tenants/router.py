"""The admin API a tenant uses on itself, with a secret key."""

from fastapi import APIRouter

from libriassist.api import DbSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.tenants import service as tenants_service
from libriassist.tenants.schemas import ApiKeyOut, IssuedKey, KeyKind, TenantOut, TenantUpdate

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.get("/tenant", response_model=TenantOut)
async def get_tenant(principal: SecretKey, session: DbSession) -> TenantOut:
    tenant = await tenants_service.get_tenant(session, principal.tenant_id)
    return TenantOut.model_validate(tenant)


@router.patch("/tenant", response_model=TenantOut)
async def update_tenant(
    changes: TenantUpdate, principal: SecretKey, session: DbSession
) -> TenantOut:
    tenant = await tenants_service.update_tenant(session, principal.tenant_id, changes)
    return TenantOut.model_validate(tenant)


@router.get("/keys", response_model=list[ApiKeyOut])
async def list_keys(principal: SecretKey, session: DbSession) -> list[ApiKeyOut]:
    keys = await tenants_service.list_keys(session, principal.tenant_id)
    return [ApiKeyOut.model_validate(k) for k in keys]


@router.post("/keys/{kind}/rotate", response_model=IssuedKey)
async def rotate_key(kind: KeyKind, principal: SecretKey, session: DbSession) -> IssuedKey:
    """Revoke every active key of this kind at once and return a new one (shown only now)."""
    return await tenants_service.rotate_key(session, principal.tenant_id, kind)


@router.delete("/keys/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, principal: SecretKey, session: DbSession) -> ApiKeyOut:
    key = await tenants_service.revoke_key(session, principal.tenant_id, key_id)
    return ApiKeyOut.model_validate(key)
