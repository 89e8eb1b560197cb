from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class TenantIdentity(TimestampMixin, Base):
    """How a tenant's shopper tokens are checked. No row = identity not configured."""

    __tablename__ = "tenant_identity_settings"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # hs256: a secret shared with the site · jwks: the site's public keys at jwks_url.
    mode: Mapped[str] = mapped_column(String(16))
    # Pinned: a token announcing any other algorithm is refused before its key is chosen.
    algorithm: Mapped[str] = mapped_column(String(8))
    # Fernet ciphertext (kit/secrets.py); the secret never reaches the database in clear.
    secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    secret_hint: Mapped[str | None] = mapped_column(String(8), default=None)
    jwks_url: Mapped[str | None] = mapped_column(String(500), default=None)
    audience: Mapped[str | None] = mapped_column(String(500), default=None)
    issuer: Mapped[str | None] = mapped_column(String(500), default=None)
    leeway_seconds: Mapped[int] = mapped_column(Integer, default=30)
