from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from libriassist.kit.text import CleanStr, HttpUrlStr


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
    kind: Literal["knowledge", "curated", "platform"] = Field(
        default="knowledge",
        description="`knowledge`: the tenant's knowledge base; `curated`: the answer pinned "
        "by the tenant to this question (`source_uri` is `curated:ID`); `platform`: the "
        "shared platform knowledge base the tenant falls back to.",
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


class ChunkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    ordinal: int
    kind: str
    title: str
    heading_path: list[str]
    question: str | None
    text: str
    language: str
    url: str | None
    tags: list[str]
    content_hash: str
    embedding_model: str
    embedding_dim: int


class DocumentDetail(DocumentOut):
    source: str = Field(
        description="The folder, file or URL a sync brought it from; empty "
        "when uploaded or ingested by hand."
    )
    chunks: list[ChunkOut]


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrlStr = Field(
        description="A web page or a sitemap. Folders on the server are synced with the CLI."
    )
    max_pages: int = Field(default=100, ge=1, le=10_000)
    max_depth: int = Field(default=0, ge=0, le=5)


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelling", "cancelled"] = Field(
        description="queued -> running -> succeeded | failed; cancel: queued -> cancelled, "
        "running -> cancelling -> cancelled within a second or two (or its own outcome, if "
        "it ended meanwhile)."
    )
    stage: str | None = Field(description="parse, fetch, embed or write while running.")
    done: int
    total: int
    detail: str | None
    eta_seconds: int | None = Field(description="Estimated seconds left in the current stage.")
    attempts: int
    result: dict[str, Any] | None = Field(
        description="When ended: counts per file status, chunks embedded, and each file's "
        "outcome (the first 1000)."
    )
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
