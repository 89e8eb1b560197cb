from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


# Far above any real month, and well inside the database's 64-bit counters.
MAX_QUOTA = 10**15


class QuotaValues(BaseModel):
    messages_per_month: int | None = Field(
        default=None, ge=0, le=MAX_QUOTA, description="Visitor messages; null = no cap."
    )
    sessions_per_month: int | None = Field(
        default=None, ge=0, le=MAX_QUOTA, description="New conversations; null = no cap."
    )
    tokens_per_month: int | None = Field(
        default=None,
        ge=0,
        le=MAX_QUOTA,
        description="Model tokens, prompt + completion; null = no cap.",
    )


class QuotasIn(QuotaValues):
    """The tenant's own monthly caps, all at once (a field left out means no cap)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"messages_per_month": 10000, "tokens_per_month": 5000000}]
        },
    )


class QuotasOut(BaseModel):
    tenant: QuotaValues = Field(description="The tenant's own caps.")
    platform: QuotaValues = Field(description="The platform's ceilings (server settings).")
    effective: QuotaValues = Field(description="What applies: the lower of the two.")


class Counter(BaseModel):
    used: int
    quota: int | None = Field(description="The effective cap today; null = unlimited.")
    remaining: int | None


class UsageOut(BaseModel):
    period: str = Field(description="Calendar month, UTC: YYYY-MM.")
    current: bool = Field(description="This is the month in progress.")
    starts_at: datetime
    resets_at: datetime = Field(description="When the counters start again from zero.")
    messages: Counter
    sessions: Counter
    tokens: Counter
