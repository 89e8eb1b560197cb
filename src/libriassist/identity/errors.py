"""Errors a shopper token can meet. Messages are fixed texts: they never repeat any part
of the token (it may be pasted into logs or screenshots)."""

from typing import Literal

from libriassist.errors import AppError

Reason = Literal[
    "missing",
    "malformed",
    "algorithm_not_allowed",
    "unknown_kid",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "missing_claim",
    "invalid_claim",
]

_MESSAGES: dict[Reason, str] = {
    "missing": "No shopper token: send it as 'Authorization: Bearer <token>'.",
    "malformed": "The shopper token is not a well-formed JWT.",
    "algorithm_not_allowed": "The shopper token is signed with an algorithm this shop does "
    "not accept.",
    "unknown_kid": "The shopper token is signed with a key this shop does not publish.",
    "bad_signature": "The shopper token's signature does not verify.",
    "expired": "The shopper token has expired.",
    "not_yet_valid": "The shopper token is not valid yet.",
    "wrong_audience": "The shopper token is meant for another audience.",
    "wrong_issuer": "The shopper token comes from another issuer.",
    "missing_claim": "The shopper token lacks a required claim.",
    "invalid_claim": "The shopper token has a claim of the wrong type or shape.",
}


class InvalidUserToken(AppError):
    """The shopper must log in again on the site: the widget turns ``reauth_required``
    into that invitation. Never downgraded to an anonymous visit."""

    status_code = 401
    code = "invalid_user_token"
    message = "The shopper token is invalid."

    def __init__(self, reason: Reason, *, claim: str | None = None) -> None:
        details: dict[str, object] = {"reauth_required": True, "reason": reason}
        if claim is not None:
            details["claim"] = claim
        super().__init__(_MESSAGES[reason], details=details)
        self.reason = reason


class IdentityNotConfigured(AppError):
    """A token was sent to a tenant that has not set up shopper identity. Logging in
    again would not help, so ``reauth_required`` is false: the site must be set up."""

    status_code = 401
    code = "identity_not_configured"
    message = "This shop has not configured shopper identity; tokens cannot be checked."

    def __init__(self) -> None:
        super().__init__(details={"reauth_required": False})


class IdentityProviderUnavailable(AppError):
    """The shop's key set could not be fetched: the token is neither valid nor invalid
    yet, and the visit must not go on as anonymous either."""

    status_code = 503
    code = "identity_provider_unavailable"
    message = "The shop's signing keys cannot be fetched right now; try again shortly."

    def __init__(self) -> None:
        super().__init__(details={"reauth_required": False})


class IdentitySecretUnreadable(AppError):
    status_code = 503
    code = "identity_secret_unreadable"
    message = (
        "The shop's token secret cannot be decrypted with this server's key "
        "(LIBRIASSIST_SECRET_KEY); set the secret again."
    )

    def __init__(self) -> None:
        super().__init__(details={"reauth_required": False})


class IdentitySecretRequired(AppError):
    status_code = 422
    code = "identity_secret_required"
    message = "Mode 'hs256' needs a shared secret and none is stored: send 'secret'."


class IdentityHttpsRequired(AppError):
    status_code = 422
    code = "identity_https_required"
    message = "The JWKS URL must use https://."


class IdentityAddressNotAllowed(AppError):
    status_code = 422
    code = "identity_address_not_allowed"
    message = "The JWKS URL is private or local; the operator does not allow that."


class IdentityAddressUnresolvable(AppError):
    status_code = 422
    code = "identity_address_unresolvable"
    message = "The JWKS URL's host name does not resolve."
