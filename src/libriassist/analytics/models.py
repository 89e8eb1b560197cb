"""What the widget reports about its own use (opened, closed, messages sent, ratings,
session length), stored per tenant as it arrives; no visitor identity beyond the session id."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, utcnow


class AnalyticsEvent(Base):
    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_events_tenant_id_at", "tenant_id", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when the widget saw it
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    # As the widget sent it: not checked against the messages (the event may name a
    # message of a conversation the sender cannot open).
    message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    rating: Mapped[str | None] = mapped_column(String(8), default=None)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
