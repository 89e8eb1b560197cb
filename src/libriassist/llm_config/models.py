from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class TenantLLM(TimestampMixin, Base):
    """A tenant's chat-model choice. No row = ``platform`` mode with the platform's values."""

    __tablename__ = "tenant_llm_settings"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # platform: the operator's default model (if any) · custom: the fields below · off: no
    # LLM, extractive answers only.
    mode: Mapped[str] = mapped_column(String(16), default="platform")
    base_url: Mapped[str | None] = mapped_column(String(500), default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    # Fernet ciphertext (kit/secrets.py); the key never reaches the database.
    api_key_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    api_key_hint: Mapped[str | None] = mapped_column(String(8), default=None)
    temperature: Mapped[float | None] = mapped_column(Float, default=None)
    max_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    timeout: Mapped[float | None] = mapped_column(Float, default=None)
