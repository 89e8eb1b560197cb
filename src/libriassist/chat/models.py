"""Conversations and messages: stored per tenant, apart from the knowledge base, and never
indexed, embedded or used to answer anyone."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin, utcnow


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the session id
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # The session id is not a secret (it appears in logs and URLs); reading the
    # conversation also takes this token, which only the visitor's browser holds.
    token_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The logged-in shopper's customer id (their token's ``sub``), so that their
    # conversations can be exported and erased with their profile; None when anonymous.
    customer_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_tenant_id_conversation_id", "tenant_id", "conversation_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # visitor | assistant
    content: Mapped[str] = mapped_column(Text, default="")
    # visitor: complete. assistant: streaming -> complete | interrupted | failed
    status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    # Visitor messages: what the message names, {"order_numbers": [...], "emails": [...]}.
    entities: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, default=None)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answered_from_kb: Mapped[bool] = mapped_column(Boolean, default=False)
    # The curated answer this reply quoted, if any. No foreign key: the history keeps the
    # id after an admin deletes the curated answer.
    curated_answer_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # Replies about the shopper's orders: how many orders the reply showed (analytics'
    # "orders consulted").
    orders_consulted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    first_token_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    # Who wrote the reply: the model's name, or "extractive" (quoted from the knowledge).
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    completion_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    # True when the provider reported no usage and the counts are estimated from the text.
    usage_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why the model did not write a reply it should have (the reply fell back to quoting).
    llm_error: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The visitor's rating of an assistant reply (up | down), written by ``feedback``;
    # rating again replaces it.
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)
    feedback_comment: Mapped[str | None] = mapped_column(Text, default=None)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
