"""Shopper identity: how a tenant's site signs its shoppers' tokens, and checking them.

A tenant either shares a secret with the server (HS256; stored encrypted like the LLM
keys, only a hint shown back) or publishes its public keys at a JWKS URL (RS256 or
ES256). The algorithm is pinned per tenant. A JWKS URL must be https and resolve to
public addresses unless the operator allows private ones (LIBRIASSIST_IDENTITY_ALLOW_PRIVATE):
a tenant admin must not make the server call into its own network.

Other domains use ``validate`` (or ``rules_for`` + ``tokens.verify`` when no database
transaction should stay open during a key fetch), or the ``OptionalShopper`` dependency.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.config import Settings
from libriassist.identity.errors import (
    IdentityAddressNotAllowed,
    IdentityAddressUnresolvable,
    IdentityHttpsRequired,
    IdentityNotConfigured,
    IdentitySecretRequired,
    IdentitySecretUnreadable,
)
from libriassist.identity.jwks import JwksCache
from libriassist.identity.models import TenantIdentity
from libriassist.identity.repository import TenantIdentityRepository
from libriassist.identity.schemas import IdentitySettingsIn, IdentitySettingsOut, Shopper
from libriassist.identity.tokens import TokenRules, verify
from libriassist.kit.network import public_address
from libriassist.kit.secrets import SecretBox, SecretUnreadable


async def get_row(session: AsyncSession, tenant_id: str) -> TenantIdentity | None:
    return await TenantIdentityRepository(session, tenant_id).current()


async def save(
    session: AsyncSession,
    tenant_id: str,
    body: IdentitySettingsIn,
    box: SecretBox,
    settings: Settings,
) -> TenantIdentity:
    if body.jwks_url is not None:
        await _check_address(body.jwks_url, settings)
    repository = TenantIdentityRepository(session, tenant_id)
    row = await repository.current()
    if body.mode == "hs256" and body.secret is None and (row is None or not row.secret_encrypted):
        raise IdentitySecretRequired()
    if row is None:
        row = repository.add(TenantIdentity())
    assert body.algorithm is not None  # the schema fills it from the mode
    row.mode, row.algorithm = body.mode, body.algorithm
    row.jwks_url = body.jwks_url
    row.audience, row.issuer = body.audience, body.issuer
    row.leeway_seconds = body.leeway_seconds
    if body.mode == "jwks":
        row.secret_encrypted = row.secret_hint = None
    elif body.secret is not None:
        row.secret_encrypted = box.encrypt(body.secret)
        row.secret_hint = body.secret[-4:]
    await session.flush()
    return row


async def reset(session: AsyncSession, tenant_id: str) -> None:
    await TenantIdentityRepository(session, tenant_id).remove()


def describe(row: TenantIdentity | None) -> IdentitySettingsOut:
    if row is None:
        return IdentitySettingsOut(
            configured=False,
            mode=None,
            algorithm=None,
            secret_set=False,
            secret_hint=None,
            jwks_url=None,
            audience=None,
            issuer=None,
            leeway_seconds=None,
        )
    return IdentitySettingsOut(
        configured=True,
        mode=row.mode,  # type: ignore[arg-type]
        algorithm=row.algorithm,  # type: ignore[arg-type]
        secret_set=bool(row.secret_encrypted),
        secret_hint=row.secret_hint,
        jwks_url=row.jwks_url,
        audience=row.audience,
        issuer=row.issuer,
        leeway_seconds=row.leeway_seconds,
    )


async def rules_for(session: AsyncSession, tenant_id: str, box: SecretBox) -> TokenRules:
    """The tenant's rules; ``IdentityNotConfigured`` when it has none."""
    row = await get_row(session, tenant_id)
    if row is None:
        raise IdentityNotConfigured()
    secret = None
    if row.mode == "hs256":
        if not row.secret_encrypted:
            raise IdentityNotConfigured()
        try:
            secret = box.decrypt(row.secret_encrypted)
        except SecretUnreadable:
            raise IdentitySecretUnreadable() from None
    return TokenRules(
        algorithm=row.algorithm,
        secret=secret,
        jwks_url=row.jwks_url if row.mode == "jwks" else None,
        audience=row.audience,
        issuer=row.issuer,
        leeway_seconds=row.leeway_seconds,
    )


async def validate(
    session: AsyncSession, tenant_id: str, token: str, box: SecretBox, jwks: JwksCache
) -> Shopper:
    """The shopper ``token`` names for this tenant.

    Raises ``InvalidUserToken`` (401, ``reauth_required``), ``IdentityNotConfigured`` (401)
    or ``IdentityProviderUnavailable`` (503); never returns an anonymous visitor.
    """
    return await verify(token, await rules_for(session, tenant_id, box), jwks)


async def _check_address(url: str, settings: Settings) -> None:
    if settings.identity_allow_private:
        return
    if not url.startswith("https://"):
        raise IdentityHttpsRequired()
    try:
        address = await public_address(url)
    except OSError as exc:
        raise IdentityAddressUnresolvable() from exc
    if address is None:
        raise IdentityAddressNotAllowed()
