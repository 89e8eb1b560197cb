"""A job's state lives here, not in any process or queue, so it survives restarts: a job
whose runner died is seen as stale (no heartbeat) and is taken up again."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class Job(TimestampMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # kb_upload | kb_sync
    # queued -> running -> succeeded | failed (running -> queued again if its runner stops);
    # cancelled by an admin: queued -> cancelled, running -> cancelling -> cancelled
    status: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stage: Mapped[str | None] = mapped_column(String(32), default=None)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    eta_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the runner that claimed the job; its heartbeats and its outcome only land
    # while it still holds the job (a runner that lost it to a takeover writes nothing).
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class JobFile(Base):
    """An uploaded file waiting for its job: kept in the database so any worker process,
    on any machine, can run the job; deleted when the job ends."""

    __tablename__ = "job_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(1000))
    content: Mapped[bytes] = mapped_column(LargeBinary)
