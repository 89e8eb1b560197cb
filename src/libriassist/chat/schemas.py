from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from libriassist.kit.text import CleanStr
from libriassist.knowledge.schemas import Source
from libriassist.tenants.schemas import Language


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"message": "Quels sont les délais de livraison ?", "session_id": None}]
        },
    )

    # The length limit is a setting (LIBRIASSIST_MAX_MESSAGE_CHARS), checked in the service.
    message: CleanStr
    session_id: CleanStr | None = Field(default=None, max_length=64)
    language: Language | None = Field(
        default=None, description="The widget's or page's language: a hint, not a rule."
    )


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    estimated: bool = Field(description="The provider reported no usage: counted from the text.")


class ChatResponse(BaseModel):
    session_id: str
    session_token: str | None = Field(
        default=None, description="Only when this message started a new session: keep it."
    )
    message_id: str
    answer: str
    intent: str
    entities: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Order numbers and e-mail addresses found in the message.",
    )
    language: Language
    sources: list[Source]
    answered_from_kb: bool
    model: str = Field(description='The model that wrote the reply, or "extractive".')
    usage: Usage | None = Field(description="Tokens, when a model wrote the reply.")
    latency_ms: int
    first_token_ms: int | None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    role: Literal["visitor", "assistant"]
    content: str
    status: str
    language: str | None
    intent: str | None
    entities: dict[str, list[str]] | None = None
    sources: list[Source]
    feedback: Literal["up", "down"] | None = Field(
        default=None, description="The visitor's rating of this reply, if any."
    )
    created_at: datetime


class ConversationOut(BaseModel):
    session_id: str
    language: str | None
    created_at: datetime
    messages: list[MessageOut]
