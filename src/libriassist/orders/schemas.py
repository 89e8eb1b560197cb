"""The orders admin API's bodies."""

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from libriassist.kit.text import CleanStr, HttpUrlStr
from libriassist.orders.records import Order

SourceKind = Literal["table", "http"]
AuthKind = Literal["bearer", "hmac"]


class ImportResult(BaseModel):
    mode: Literal["upsert", "replace"]
    created: int = Field(description="Orders that were not there before.")
    updated: int = Field(description="Orders already there (same number), now replaced.")
    deleted: int = Field(description="Orders removed first (replace mode).")
    total: int = Field(description="The tenant's orders after the import.")


class StoredOrderOut(Order):
    customer_id: str


class OrderSourceIn(BaseModel):
    """The whole setting at once (PUT). ``secret``: left out = keep the stored one,
    null = erase it, a string = replace it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "http",
                    "base_url": "https://shop.example/api/libriassist",
                    "auth": "hmac",
                    "secret": "a-long-random-shared-secret",
                    "timeout": 5,
                    "retries": 2,
                }
            ]
        },
    )

    source: SourceKind = "table"
    base_url: HttpUrlStr | None = Field(default=None, max_length=500)
    auth: AuthKind | None = None
    secret: CleanStr | None = Field(default=None, min_length=16, max_length=1000)
    timeout: float | None = Field(default=None, gt=0, le=30, description="Seconds per try.")
    retries: int | None = Field(default=None, ge=0, le=5)

    @field_validator("base_url")
    @classmethod
    def _no_query(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.query or parts.fragment or not parts.hostname:
                raise ValueError("must be a base address without query or fragment")
        return value

    @model_validator(mode="after")
    def _http_needs_an_endpoint(self) -> Self:
        if self.source == "http" and (self.base_url is None or self.auth is None):
            raise ValueError("source 'http' needs base_url and auth")
        given = {"base_url", "auth", "secret", "timeout", "retries"} & self.model_fields_set
        if self.source == "table" and given:
            raise ValueError(f"{', '.join(sorted(given))}: only for source 'http'")
        return self


class OrderSourceOut(BaseModel):
    source: SourceKind
    base_url: str | None
    auth: AuthKind | None
    secret_set: bool
    secret_hint: str | None = Field(description="The secret's last characters.")
    timeout: float | None
    retries: int | None
    effective_timeout: float = Field(description="Seconds per try, the platform's if unset.")
    effective_retries: int


class SourceTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: CleanStr = Field(min_length=1, max_length=255)


class SourceTestResult(BaseModel):
    ok: bool
    source: SourceKind
    customer_id: str
    latency_ms: int
    orders_count: int = 0
    orders: list[Order] = Field(default_factory=list, description="The first ten.")
    error_code: str | None = None
    error_message: str | None = None
