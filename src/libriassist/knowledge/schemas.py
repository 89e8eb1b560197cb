from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from libriassist.kit.text import CleanStr


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    source_uri: str
    title: str
    format: str
    language: str
    url: str | None
    chunk_count: int
    content_hash: str
    created_at: datetime
    updated_at: datetime


class FileResult(BaseModel):
    source_uri: str
    status: Literal["ingested", "updated", "unchanged", "removed", "error"]
    chunks: int = 0
    embedded: int = 0
    error: str | None = None


class IngestReport(BaseModel):
    files: list[FileResult]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]


class Source(BaseModel):
    title: str
    url: str | None
    source_uri: str
    language: str
    score: float
    kind: Literal["knowledge", "curated"] = Field(
        default="knowledge",
        description="`curated`: the answer pinned by the tenant to this question "
        "(`source_uri` is `curated:ID`).",
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: CleanStr = Field(min_length=1, max_length=2000)
    language: Literal["fr", "en", "es", "ar", "ary"] | None = None
    limit: int = Field(default=5, ge=1, le=50)
    mode: Literal["lexical", "dense", "hybrid"] = "hybrid"


class SearchHit(BaseModel):
    chunk_id: str
    document_id: str
    kind: str
    title: str
    question: str | None
    text: str
    language: str
    url: str | None
    source_uri: str
    score: float
    lift: float = Field(
        description="Score minus the question's mean score against generic background "
        "questions: how far this match stands above chance.",
    )
    lexical: float = Field(description="BM25 score of the question's analysed terms.")
    rank_score: float = Field(description="The score the ranking follows (depends on the mode).")


class SearchResponse(BaseModel):
    hits: list[SearchHit]
