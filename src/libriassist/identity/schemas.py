from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libriassist.kit.text import CleanStr, HttpUrlStr

Mode = Literal["hs256", "jwks"]
Algorithm = Literal["HS256", "RS256", "ES256"]

DEFAULT_LEEWAY_SECONDS = 30
MAX_LEEWAY_SECONDS = 300


@dataclass(frozen=True)
class Shopper:
    """A shopper whose token this tenant's site signed. ``customer_id`` comes from the
    token's ``sub`` and nowhere else."""

    customer_id: str
    name: str | None
    email: str | None
    expires_at: datetime
    claims: dict[str, Any] = field(repr=False)


class IdentitySettingsIn(BaseModel):
    """The whole setting at once (PUT). ``secret``: left out or null = keep the stored one
    (mode ``hs256``); switching to ``jwks`` erases it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mode": "jwks",
                    "algorithm": "RS256",
                    "jwks_url": "https://shop.example/.well-known/jwks.json",
                    "audience": "libriassist",
                    "issuer": "https://shop.example",
                    "leeway_seconds": 30,
                },
                {"mode": "hs256", "secret": "…at least 32 random characters…"},
            ]
        },
    )

    mode: Mode
    algorithm: Algorithm | None = Field(
        default=None, description="HS256 for mode hs256; RS256 (default) or ES256 for jwks."
    )
    secret: str | None = Field(default=None, min_length=32, max_length=512)
    jwks_url: HttpUrlStr | None = Field(default=None, max_length=500)
    audience: CleanStr | None = Field(default=None, min_length=1, max_length=500)
    issuer: CleanStr | None = Field(default=None, min_length=1, max_length=500)
    leeway_seconds: int = Field(default=DEFAULT_LEEWAY_SECONDS, ge=0, le=MAX_LEEWAY_SECONDS)

    @model_validator(mode="after")
    def _fields_match_the_mode(self) -> Self:
        if self.mode == "hs256":
            if self.algorithm not in (None, "HS256"):
                raise ValueError("mode 'hs256' uses algorithm HS256")
            if self.jwks_url is not None:
                raise ValueError("jwks_url is only for mode 'jwks'")
            self.algorithm = "HS256"
        else:
            if self.algorithm not in (None, "RS256", "ES256"):
                raise ValueError("mode 'jwks' uses algorithm RS256 or ES256")
            if self.jwks_url is None:
                raise ValueError("mode 'jwks' needs jwks_url")
            if self.secret is not None:
                raise ValueError("secret is only for mode 'hs256'")
            self.algorithm = self.algorithm or "RS256"
        return self


class IdentitySettingsOut(BaseModel):
    configured: bool = Field(description="False: tokens sent to this tenant are refused.")
    mode: Mode | None
    algorithm: Algorithm | None
    secret_set: bool
    secret_hint: str | None = Field(description="The secret's last characters, to tell apart.")
    jwks_url: str | None
    audience: str | None
    issuer: str | None
    leeway_seconds: int | None


class ValidatedUser(BaseModel):
    valid: Literal[True] = True
    customer_id: str
    name: str | None
    email: str | None
    expires_at: datetime
