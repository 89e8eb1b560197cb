from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from libriassist.kit.text import CleanStr

MAX_EVENTS = 50
MAX_SESSION_MS = 86_400_000  # a day

EventType = Literal["widget_open", "widget_close", "message_sent", "feedback", "session_duration"]
EVENT_TYPES: tuple[EventType, ...] = (
    "widget_open",
    "widget_close",
    "message_sent",
    "feedback",
    "session_duration",
)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EventType
    at: AwareDatetime = Field(description="When it happened, ISO 8601 with a time zone.")
    session_id: CleanStr | None = Field(default=None, max_length=64)
    language: CleanStr | None = Field(default=None, max_length=16)
    # Checked even when absent: a session_duration event without it says nothing.
    duration_ms: int | None = Field(default=None, ge=0, le=MAX_SESSION_MS, validate_default=True)
    message_id: CleanStr | None = Field(default=None, max_length=64)
    rating: Literal["up", "down"] | None = None

    @field_validator("duration_ms")
    @classmethod
    def _only_for_session_duration(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("type")
        if kind == "session_duration" and value is None:
            raise ValueError("is required for a session_duration event")
        if kind is not None and kind != "session_duration" and value is not None:
            raise ValueError("is only for session_duration events")
        return value


class EventBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {"type": "widget_open", "at": "2026-11-27T10:00:00Z", "language": "fr"},
                        {
                            "type": "session_duration",
                            "at": "2026-11-27T10:04:10Z",
                            "session_id": "9c1e…",
                            "duration_ms": 250000,
                        },
                    ]
                }
            ]
        },
    )

    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventsAccepted(BaseModel):
    accepted: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    type: EventType
    at: UtcDatetime
    session_id: str | None
    language: str | None
    duration_ms: int | None
    message_id: str | None
    rating: Literal["up", "down"] | None
    received_at: UtcDatetime


class EventsSummary(BaseModel):
    since: datetime | None = Field(description="Events from this time on; null: all stored.")
    counts: dict[EventType, int] = Field(description="Events per type (0 when none).")
    sessions_measured: int = Field(description="How many session_duration events were counted.")
    mean_session_duration_ms: float | None = Field(
        description="Mean of the session_duration events' durations; null when none."
    )
