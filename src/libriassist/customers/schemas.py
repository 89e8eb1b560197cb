from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from libriassist.customers.tiers import Tier


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class ProfileOut(BaseModel):
    customer_id: str = Field(description="The `sub` of the shopper's token.")
    display_name: str | None = Field(description="From the token's `name`, when it has one.")
    email: str | None = Field(description="From the token's `email`, when it has one.")
    preferred_language: str | None = Field(description="The language of the latest message.")
    first_seen_at: UtcDatetime
    last_seen_at: UtcDatetime
    sessions_count: int
    orders_count: int = Field(description="As the tenant's order source last reported it.")
    orders_value: Decimal = Field(
        description="The orders' total in the tenant's currency, as a decimal string."
    )
    tier: Tier


class MessageExport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: str
    content: str
    status: str
    language: str | None
    intent: str | None
    entities: dict[str, list[str]] | None
    created_at: UtcDatetime


class ConversationExport(BaseModel):
    session_id: str
    language: str | None
    created_at: UtcDatetime
    last_message_at: UtcDatetime
    messages: list[MessageExport]


class CustomerExport(BaseModel):
    """Everything stored about one customer of the tenant."""

    customer_id: str
    profile: ProfileOut | None = Field(
        description="None when only conversations are left (the profile was never created)."
    )
    conversations: list[ConversationExport]


class CustomerErased(BaseModel):
    customer_id: str
    profile_deleted: bool
    conversations_deleted: int
    messages_deleted: int


class CustomerPage(BaseModel):
    customers: list[ProfileOut]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null on the last page."
    )
