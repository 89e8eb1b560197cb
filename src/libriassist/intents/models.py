"""A tenant's own intents: a name, an optional description and example phrases.

Written only by the tenant's admins (admin API, CLI); the chat reads them to label
messages. The examples' vectors are stored with the row, like curated answers', so a
worker loads them instead of embedding again.
"""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class TenantIntent(TimestampMixin, Base):
    __tablename__ = "tenant_intents"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500), default=None)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # float32 rows in ``texts`` order (the examples, then the name, then the description).
    # The model id names the vector space: rows of another model are embedded again.
    embeddings: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(100))
    embedding_dim: Mapped[int] = mapped_column(Integer)

    @property
    def texts(self) -> list[str]:
        return intent_texts(self.name, self.description, self.examples)


def intent_texts(name: str, description: str | None, examples: list[str]) -> list[str]:
    """What an intent is learnt from: its examples, its name read as words
    ("refund_not_showing_up" -> "refund not showing up") and its description."""
    words = " ".join(name.replace("_", " ").replace("-", " ").replace(".", " ").split())
    return [*examples, words.lower(), *([description] if description else [])]
