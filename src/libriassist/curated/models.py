"""Curated answers: an exact answer a tenant's admin pins to a question and its paraphrases.

Written only by the tenant's admins (admin API, CLI). Nothing a visitor says ever lands
here: the chat only reads these rows.
"""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class CuratedAnswer(TimestampMixin, Base):
    __tablename__ = "curated_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(500))
    paraphrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # float32 rows, the question's first, then one per paraphrase, in that order. The model
    # id names the vector space: rows of another model are re-embedded, never compared.
    embeddings: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(100))
    embedding_dim: Mapped[int] = mapped_column(Integer)

    @property
    def texts(self) -> list[str]:
        return [self.question, *self.paraphrases]
