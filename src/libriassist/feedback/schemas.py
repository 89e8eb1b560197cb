from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from libriassist.kit.text import clean_text

MAX_COMMENT_CHARS = 1000

Rating = Literal["up", "down"]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"message_id": "3f0c…", "rating": "down", "comment": "Wrong address."}]
        },
    )

    message_id: str = Field(max_length=64, description="The assistant reply being rated.")
    rating: Rating
    comment: str | None = Field(
        default=None,
        description=f"At most {MAX_COMMENT_CHARS} characters once trimmed; blank means none.",
    )

    @field_validator("comment")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = clean_text(value).strip()
        if len(value) > MAX_COMMENT_CHARS:
            raise ValueError(f"must be at most {MAX_COMMENT_CHARS} characters")
        return value or None
