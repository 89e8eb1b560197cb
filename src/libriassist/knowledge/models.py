"""Knowledge base tables. Conversations never land here: nothing indexes a conversation."""

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from libriassist.db import Base, TimestampMixin


class KnowledgeDocument(TimestampMixin, Base):
    __tablename__ = "knowledge_documents"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "source", "source_uri", name="uq_knowledge_documents_tenant_source_uri"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    source_uri: Mapped[str] = mapped_column(String(1000))
    # The folder, file or URL a sync brought it from ("" when ingested by hand): a later
    # sync of the same source removes the documents it no longer lists, and two sources
    # may each have a "faq.json".
    source: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    title: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(16))  # faq | markdown
    language: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeChunk(TimestampMixin, Base):
    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        Index("ix_knowledge_chunks_tenant_id_document_id", "tenant_id", "document_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE")
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # faq | section
    title: Mapped[str] = mapped_column(String(500))
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    # For a FAQ chunk: the question; ``text`` is the answer. For a section: empty.
    question: Mapped[str | None] = mapped_column(Text, default=None)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(100))
    embedding_dim: Mapped[int] = mapped_column(Integer)
