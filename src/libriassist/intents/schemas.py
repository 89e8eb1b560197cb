"""Validated shapes of tenant intents, shared by the admin API, the CLI and evaluation."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from libriassist.kit.text import CleanStr
from libriassist.knowledge.analysis import normalise_question

MAX_EXAMPLE_CHARS = 500
MAX_EXAMPLES = 100
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$"


def _has_words(value: str) -> str:
    if not normalise_question(value):
        raise ValueError("must contain at least one word")
    return value


def distinct_examples(examples: list[str]) -> list[str]:
    """The examples without repeats (compared after case, accent and punctuation folding)."""
    seen: set[str] = set()
    out = []
    for text in examples:
        key = normalise_question(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


Name = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        description="Letters, digits, '_', '.', '-'; starts with a letter; 64 at most. "
        "A built-in intent's name adds these examples to it.",
    ),
]
Description = Annotated[CleanStr, Field(min_length=1, max_length=500)]
Example = Annotated[
    CleanStr, Field(min_length=1, max_length=MAX_EXAMPLE_CHARS), AfterValidator(_has_words)
]
Examples = Annotated[list[Example], Field(min_length=1, max_length=MAX_EXAMPLES)]


class IntentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "wholesale",
                    "description": "Businesses asking for bulk prices or a reseller account",
                    "examples": [
                        "Do you sell in bulk to shops?",
                        "Je suis revendeur, avez-vous des tarifs professionnels ?",
                        "¿Tienen precios para mayoristas?",
                    ],
                }
            ]
        },
    )

    name: Name
    description: Description | None = None
    examples: Examples
    enabled: bool = True


class IntentUpdate(BaseModel):
    """Only the fields sent change; ``description: null`` removes the description."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    name: Name | None = None
    description: Description | None = None
    examples: Examples | None = None
    enabled: bool | None = None

    @field_validator("name", "examples", "enabled")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class IntentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None
    examples: list[str]
    enabled: bool
    created_at: Annotated[datetime, AfterValidator(_utc)]
    updated_at: Annotated[datetime, AfterValidator(_utc)]
