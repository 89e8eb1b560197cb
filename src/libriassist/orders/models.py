"""The built-in orders table (for shops without an order API) and where a tenant's orders
come from."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin
from libriassist.kit.ids import new_id


class StoredOrder(TimestampMixin, Base):
    """One imported order. An order number (compared as ``number_key``) is unique in a
    tenant and belongs to one customer."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number_key"),
        Index("ix_orders_tenant_id_customer_id", "tenant_id", "customer_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(255))
    order_number: Mapped[str] = mapped_column(String(64))
    # orders/numbers.py: the compared form, and the digits a prefixed number is found by.
    number_key: Mapped[str] = mapped_column(String(64))
    number_digits: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(20))
    status_text: Mapped[str | None] = mapped_column(String(100), default=None)
    placed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The shop's own "last changed" time (the row's is ``updated_at``).
    shop_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    expected_at: Mapped[date | None] = mapped_column(Date, default=None)
    carrier: Mapped[str | None] = mapped_column(String(100), default=None)
    tracking_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Amounts as decimal text: exact on both databases (SQLite has no decimal type).
    total: Mapped[str | None] = mapped_column(String(32), default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)


class TenantOrderSource(TimestampMixin, Base):
    """Where a tenant's orders come from. No row = the built-in table."""

    __tablename__ = "tenant_order_sources"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    source: Mapped[str] = mapped_column(String(8), default="table")  # table | http
    base_url: Mapped[str | None] = mapped_column(String(500), default=None)
    auth: Mapped[str | None] = mapped_column(String(8), default=None)  # bearer | hmac
    # Fernet ciphertext (kit/secrets.py); the secret never reaches the database in clear.
    secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    secret_hint: Mapped[str | None] = mapped_column(String(8), default=None)
    timeout: Mapped[float | None] = mapped_column(Float, default=None)
    retries: Mapped[int | None] = mapped_column(Integer, default=None)
