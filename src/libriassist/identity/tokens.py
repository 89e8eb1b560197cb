"""Checking one shopper token against its tenant's rules.

The order matters: the header's algorithm is compared with the tenant's pinned one
before any key is chosen, so ``alg: none`` and HS/RS confusion (an HS256 token "signed"
with the shop's public RSA key) never reach a verifier that would accept them.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt import PyJWK
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidSubjectError,
    MissingRequiredClaimError,
    PyJWTError,
)

from libriassist.identity.errors import InvalidUserToken, Reason
from libriassist.identity.jwks import JwksCache
from libriassist.identity.schemas import Shopper

log = logging.getLogger("libriassist.identity")

# Real tokens are a few hundred bytes; anything huge is refused before it is parsed.
MAX_TOKEN_CHARS = 8192
MAX_CUSTOMER_ID_CHARS = 255
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 320


@dataclass(frozen=True)
class TokenRules:
    """A tenant's settings, ready to check tokens (the secret decrypted)."""

    algorithm: str
    secret: str | None
    jwks_url: str | None
    audience: str | None
    issuer: str | None
    leeway_seconds: int


async def verify(token: str, rules: TokenRules, jwks: JwksCache) -> Shopper:
    """The shopper the token names, or ``InvalidUserToken`` with the reason."""
    try:
        return await _verify(token, rules, jwks)
    except InvalidUserToken as exc:
        log.info("shopper token refused", extra={"reason": exc.reason})
        raise


async def _verify(token: str, rules: TokenRules, jwks: JwksCache) -> Shopper:
    token = token.strip()
    if not token:
        raise InvalidUserToken("missing")
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise InvalidUserToken("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except PyJWTError:
        raise InvalidUserToken("malformed") from None
    if header.get("alg") != rules.algorithm:
        raise InvalidUserToken("algorithm_not_allowed")
    key: PyJWK | str
    if rules.jwks_url is not None:
        kid = header.get("kid")
        key = await jwks.signing_key(rules.jwks_url, kid, rules.algorithm)
    else:
        assert rules.secret is not None
        key = rules.secret
    claims = _decode(token, key, rules)
    return _shopper(claims)


def _decode(token: str, key: PyJWK | str, rules: TokenRules) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[rules.algorithm],
            audience=rules.audience,
            issuer=rules.issuer,
            leeway=rules.leeway_seconds,
            options={
                "require": ["exp", "sub"],
                # Without a configured audience, a token's own "aud" is not checked.
                "verify_aud": rules.audience is not None,
                "enforce_minimum_key_length": True,
            },
        )
    except MissingRequiredClaimError as exc:
        raise InvalidUserToken("missing_claim", claim=exc.claim) from None
    except PyJWTError as exc:
        raise InvalidUserToken(_reason(exc)) from None
    return claims


def _reason(exc: PyJWTError) -> Reason:
    # Subclasses before their bases: InvalidSignatureError is a DecodeError.
    reasons: list[tuple[type[PyJWTError], Reason]] = [
        (InvalidSignatureError, "bad_signature"),
        (ExpiredSignatureError, "expired"),
        (ImmatureSignatureError, "not_yet_valid"),
        (InvalidAudienceError, "wrong_audience"),
        (InvalidIssuerError, "wrong_issuer"),
        (InvalidAlgorithmError, "algorithm_not_allowed"),
        (InvalidIssuedAtError, "invalid_claim"),
        (InvalidSubjectError, "invalid_claim"),
        (InvalidKeyError, "unknown_kid"),
        (DecodeError, "malformed"),
    ]
    return next((reason for kind, reason in reasons if isinstance(exc, kind)), "malformed")


def _shopper(claims: dict[str, Any]) -> Shopper:
    customer_id = claims["sub"]
    if not customer_id.strip() or len(customer_id) > MAX_CUSTOMER_ID_CHARS:
        raise InvalidUserToken("invalid_claim", claim="sub")
    if "\x00" in customer_id:
        raise InvalidUserToken("invalid_claim", claim="sub")
    try:
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidUserToken("invalid_claim", claim="exp") from None
    return Shopper(
        customer_id=customer_id,
        name=_text_claim(claims.get("name"), MAX_NAME_CHARS),
        email=_email(claims.get("email")),
        expires_at=expires_at,
        claims=claims,
    )


def _text_claim(value: Any, limit: int) -> str | None:
    """Display claims are optional: a wrong one is dropped, it does not void the token."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > limit or "\x00" in text:
        return None
    return text


def _email(value: Any) -> str | None:
    text = _text_claim(value, MAX_EMAIL_CHARS)
    if text is None or " " in text or text.count("@") != 1:
        return None
    return text
