"""Customer profiles: what the assistant knows of a tenant's logged-in shoppers."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin, utcnow

# A token's ``sub`` may be up to this long (identity.tokens.MAX_CUSTOMER_ID_CHARS).
CUSTOMER_ID_LENGTH = 255


class CustomerProfile(TimestampMixin, Base):
    """One logged-in shopper of one tenant. ``customer_id`` is the ``sub`` of the token the
    tenant's site signed; the same id at two tenants is two unrelated profiles."""

    __tablename__ = "customer_profiles"
    # The admin list pages through a tenant's profiles, most recently seen first.
    __table_args__ = (
        Index(
            "ix_customer_profiles_tenant_id_last_seen_at",
            "tenant_id",
            "last_seen_at",
            "customer_id",
        ),
    )

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH), primary_key=True)
    # From the token's ``name`` and ``email`` claims, when it carries them.
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    # The language of the shopper's latest message.
    preferred_language: Mapped[str | None] = mapped_column(String(8), default=None)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sessions_count: Mapped[int] = mapped_column(Integer, default=0)
    # As the tenant's order source last reported them. The value is in the tenant's
    # currency, in hundredths (cents): exact, and portable (SQLite has no decimal type).
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    orders_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # bronze | silver | gold | platinum | diamond, from orders_value and the tenant's
    # thresholds (customers.tiers).
    tier: Mapped[str] = mapped_column(String(16), default="bronze")
