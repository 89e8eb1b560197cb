"""The shopper behind a request, from ``Authorization: Bearer <token>``.

``OptionalShopper``: no header = anonymous (None); a header that does not hold a valid
token = the 401 (never silently anonymous: a shopper whose session expired must be asked
to log in again, not shown the anonymous answers). ``RequiredShopper`` also refuses a
missing header.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libriassist.api import AppResources
from libriassist.auth.dependencies import AnyKey
from libriassist.db import session_scope
from libriassist.identity import service as identity_service
from libriassist.identity.errors import InvalidUserToken
from libriassist.identity.schemas import Shopper
from libriassist.identity.tokens import verify

# Declared for the OpenAPI page only; the raw header is read below, because this class
# would turn a header with another scheme into "no header".
shopper_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ShopperToken",
    description="The logged-in shopper's JWT, signed by the tenant's site.",
)


def bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidUserToken("malformed")
    if not token.strip():
        raise InvalidUserToken("missing")
    return token.strip()


async def optional_shopper(
    request: Request,
    principal: AnyKey,
    resources: AppResources,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(shopper_bearer)],
) -> Shopper | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    token = bearer_token(header)
    # The settings are read in a short transaction of their own: none stays open while
    # the shop's key set is fetched.
    async with session_scope(resources.sessionmaker) as session:
        rules = await identity_service.rules_for(session, principal.tenant_id, resources.secret_box)
    return await verify(token, rules, resources.jwks_cache)


async def required_shopper(
    shopper: Annotated[Shopper | None, Depends(optional_shopper)],
) -> Shopper:
    if shopper is None:
        raise InvalidUserToken("missing")
    return shopper


OptionalShopper = Annotated[Shopper | None, Depends(optional_shopper)]
RequiredShopper = Annotated[Shopper, Depends(required_shopper)]
