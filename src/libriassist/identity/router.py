"""Shopper identity: the tenant's token settings (secret key) and a token check (any key)."""

from typing import Any

from fastapi import APIRouter, Response

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES, ERROR_SCHEMA
from libriassist.identity import service as identity_service
from libriassist.identity.dependencies import RequiredShopper
from libriassist.identity.schemas import IdentitySettingsIn, IdentitySettingsOut, ValidatedUser

RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    503: {
        "description": "The shop's signing keys cannot be fetched",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
}

router = APIRouter(prefix="/api/v1", tags=["identity"], responses=RESPONSES)


@router.get("/admin/identity", response_model=IdentitySettingsOut)
async def get_identity(principal: SecretKey, session: DbSession) -> IdentitySettingsOut:
    """How this tenant's shopper tokens are checked (the secret itself is never shown)."""
    return identity_service.describe(await identity_service.get_row(session, principal.tenant_id))


@router.put("/admin/identity", response_model=IdentitySettingsOut)
async def put_identity(
    body: IdentitySettingsIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> IdentitySettingsOut:
    """Replace the settings. A shared secret is stored encrypted and never shown again."""
    row = await identity_service.save(
        session, principal.tenant_id, body, resources.secret_box, resources.settings
    )
    return identity_service.describe(row)


@router.delete("/admin/identity", status_code=204)
async def delete_identity(principal: SecretKey, session: WriteSession) -> Response:
    """Forget the settings (and the secret): tokens are refused until set again."""
    await identity_service.reset(session, principal.tenant_id)
    return Response(status_code=204)


@router.post("/validate-user", response_model=ValidatedUser)
async def validate_user(shopper: RequiredShopper) -> ValidatedUser:
    """Check the shopper token in ``Authorization: Bearer``: who it names, until when."""
    return ValidatedUser(
        customer_id=shopper.customer_id,
        name=shopper.name,
        email=shopper.email,
        expires_at=shopper.expires_at,
    )
