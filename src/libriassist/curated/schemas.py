"""Validated shapes of curated answers, shared by the admin API and the CLI."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from libriassist.kit.text import CleanStr, HttpUrlStr
from libriassist.knowledge.analysis import normalise_question
from libriassist.tenants.schemas import Language

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 4000
MAX_PARAPHRASES = 20


def _has_words(value: str) -> str:
    # A question of punctuation only would normalise to "" and match any such message.
    if not normalise_question(value):
        raise ValueError("must contain at least one word")
    return value


Question = Annotated[
    CleanStr, Field(min_length=1, max_length=MAX_QUESTION_CHARS), AfterValidator(_has_words)
]
Answer = Annotated[CleanStr, Field(min_length=1, max_length=MAX_ANSWER_CHARS)]


def distinct_paraphrases(question: str, paraphrases: list[str]) -> list[str]:
    """Paraphrases without the ones that say the same as the question or an earlier one."""
    seen = {normalise_question(question)}
    out = []
    for text in paraphrases:
        key = normalise_question(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
    return out


class CuratedAnswerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "question": "How long does delivery take?",
                    "paraphrases": ["Combien de temps prend la livraison ?"],
                    "answer": "We deliver within 3 to 5 business days.",
                    "language": "en",
                    "url": "https://shop.example/delivery",
                }
            ]
        },
    )

    question: Question
    paraphrases: list[Question] = Field(default_factory=list, max_length=MAX_PARAPHRASES)
    answer: Answer
    language: Language | None = Field(
        default=None, description="The question's language; detected from it when omitted."
    )
    url: HttpUrlStr | None = None
    enabled: bool = True


class CuratedAnswerUpdate(BaseModel):
    """Only the fields sent change. ``language: null`` detects it again from the question."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    question: Question | None = None
    paraphrases: list[Question] | None = Field(default=None, max_length=MAX_PARAPHRASES)
    answer: Answer | None = None
    language: Language | None = None
    url: HttpUrlStr | None = None
    enabled: bool | None = None

    @field_validator("question", "paraphrases", "answer", "enabled")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out but not null")
        return value


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class CuratedAnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    question: str
    paraphrases: list[str]
    answer: str
    language: Language
    url: str | None
    enabled: bool
    created_at: Annotated[datetime, AfterValidator(_utc)]
    updated_at: Annotated[datetime, AfterValidator(_utc)]
