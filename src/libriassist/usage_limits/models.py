from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class TenantUsage(TimestampMixin, Base):
    """What a tenant used in one calendar month (UTC). Counters only ever move by atomic
    ``x = x + n`` updates, so concurrent workers never lose a count."""

    __tablename__ = "tenant_usage"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)


class TenantQuota(TimestampMixin, Base):
    """A tenant's own monthly caps (null: none of its own). The platform's ceilings
    (settings) apply on top: the lower of the two wins."""

    __tablename__ = "tenant_quotas"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    messages_per_month: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sessions_per_month: Mapped[int | None] = mapped_column(BigInteger, default=None)
    tokens_per_month: Mapped[int | None] = mapped_column(BigInteger, default=None)
