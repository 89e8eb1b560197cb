from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin
from libriassist.kit.ids import new_id


class Tenant(TimestampMixin, Base):
    """The root of all tenant data; its ``id`` is the tenant id (a slug)."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    default_language: Mapped[str] = mapped_column(String(8))
    enabled_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    persona: Mapped[str] = mapped_column(String(64), default="ecommerce")
    persona_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    # The parts of the catalog persona the tenant words itself (tenants.schemas.PersonaOverrides).
    persona_overrides: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    greetings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Opted in: questions its own knowledge cannot answer are looked up in the shared
    # platform knowledge base (the operator's, kept under PLATFORM_KB_ID).
    use_platform_kb: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The orders value each customer tier starts at (customers.tiers.CustomerTiers, in whole
    # units of the tenant's currency); None = the defaults.
    customer_tiers: Mapped[dict[str, int] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )
    # A fresh random value on creation and on every knowledge-base change: each worker
    # keys its cached index on it. Random, not a counter, so a tenant deleted and created
    # again under the same id can never match an index cached for the old one.
    kb_revision: Mapped[str] = mapped_column(String(32), default=new_id)


class ApiKey(TimestampMixin, Base):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_tenant_id_kind", "tenant_id", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "publishable" | "secret"
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, kept so an admin can tell keys apart.
    display_prefix: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
