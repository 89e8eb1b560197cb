"""The one dependency that turns a credential into a tenant context.

Routes declare what they accept with the ``Annotated`` aliases at the bottom; nothing
else reads ``X-API-Key`` (or, for ``BeaconKey`` only, the ``key`` query parameter).
"""

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, APIKeyQuery
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from libriassist.api import AppResources
from libriassist.auth.principal import Principal
from libriassist.db import session_scope, utcnow, write_scope
from libriassist.errors import InvalidApiKey, OriginNotAllowed, WrongKeyKind
from libriassist.kit.cors import allow_origin
from libriassist.kit.direct_sql import direct_read
from libriassist.kit.settings_cache import SettingsView, read_revision
from libriassist.tenants import service as tenants_service
from libriassist.tenants.models import ApiKey
from libriassist.tenants.schemas import KeyKind, normalise_origin

log = logging.getLogger("libriassist.auth")

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="Publishable key (pk_…, widget) or secret key (sk_…, admin).",
)


def _request_origin(request: Request) -> str | None:
    raw = request.headers.get("origin")
    if not raw or raw == "null":
        return raw or None
    try:
        return normalise_origin(raw)
    except ValueError:
        return raw


async def resolve_principal(
    request: Request,
    resources: AppResources,
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    if not api_key:
        raise InvalidApiKey("Send your key in the X-API-Key header.")
    origin = _request_origin(request)
    # One small read, on the driver's connection; the key and the tenant then usually come
    # from memory (the session below then never connects).
    async with direct_read(resources.engine) as reader:
        revision = await read_revision(reader)
    async with session_scope(resources.sessionmaker) as session:
        settings = resources.settings_cache.at(revision)
        principal, touch = await _principal_for(session, api_key.strip(), origin, settings)
    if touch:
        # About once a minute per key, in a short write transaction of its own, before the
        # route's own transaction has taken any lock.
        await _record_use(resources.sessionmaker, touch)
    if principal.origin is not None and principal.kind == "publishable":
        allow_origin(request, principal.origin)
    return principal


async def _record_use(maker: async_sessionmaker[AsyncSession], key: ApiKey) -> None:
    try:
        async with write_scope(maker) as session:
            await tenants_service.record_use(session, key)
    except Exception:  # a hint for admins: never worth failing or logging loudly for
        log.debug("could not record a key's last use", exc_info=True)


async def _principal_for(
    session: AsyncSession, value: str, origin: str | None, settings: SettingsView
) -> tuple[Principal, ApiKey | None]:
    """The principal, and the key when its last use is due to be recorded."""
    key = await tenants_service.resolve_key(session, value, settings)
    if key is None:
        raise InvalidApiKey()
    kind: KeyKind = "publishable" if key.kind == "publishable" else "secret"
    tenant = None
    if kind == "publishable" and origin is not None:
        # A publishable key is public (it sits in the page), so what protects the tenant
        # is the browser's Origin header: only the tenant's own sites may use it.
        tenant = await tenants_service.cached_tenant(session, key.tenant_id, settings)
        if origin not in tenant.allowed_origins:
            raise OriginNotAllowed()
    principal = Principal(
        tenant_id=key.tenant_id,
        kind=kind,
        key_id=key.id,
        origin=origin,
        tenant=tenant,
        settings=settings,
    )
    if not tenants_service.touch_due(key):
        return principal, None
    # Claimed at once, on the key the other requests share (from the cache; this write
    # does not move the settings revision): of a burst of requests, one writes it.
    set_committed_value(key, "last_used_at", utcnow())
    return principal, key


async def require_secret(principal: Annotated[Principal, Depends(resolve_principal)]) -> Principal:
    if principal.kind != "secret":
        raise WrongKeyKind("This endpoint needs a secret key (sk_…); never put one in a web page.")
    return principal


# ``navigator.sendBeacon`` (how the widget flushes its analytics when the page goes away)
# cannot set headers, so that one route also takes the publishable key in the URL. The
# Origin check applies all the same; a secret key is refused there, never to sit in
# access logs.
api_key_query = APIKeyQuery(
    name="key",
    auto_error=False,
    description="Publishable key (pk_…), for clients that cannot set headers (sendBeacon).",
)


async def resolve_beacon_principal(
    request: Request,
    resources: AppResources,
    api_key: Annotated[str | None, Depends(api_key_header)],
    query_key: Annotated[str | None, Depends(api_key_query)],
) -> Principal:
    if api_key:
        return await resolve_principal(request, resources, api_key)
    principal = await resolve_principal(request, resources, query_key)
    if principal.kind != "publishable":
        raise WrongKeyKind("Only a publishable key (pk_…) may be sent in the URL.")
    return principal


AnyKey = Annotated[Principal, Depends(resolve_principal)]
SecretKey = Annotated[Principal, Depends(require_secret)]
BeaconKey = Annotated[Principal, Depends(resolve_beacon_principal)]
