"""All SQL for knowledge documents and chunks, scoped to one tenant."""

from typing import Any

from sqlalchemy import Row

from libriassist.kit.ids import is_id
from libriassist.kit.repository import TenantRepository
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument


class DocumentRepository(TenantRepository[KnowledgeDocument]):
    model = KnowledgeDocument

    async def by_source(self, source_uri: str) -> KnowledgeDocument | None:
        stmt = self.select().where(KnowledgeDocument.source_uri == source_uri)
        document: KnowledgeDocument | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return document

    async def list(self, limit: int, offset: int) -> list[KnowledgeDocument]:
        stmt = self.select().order_by(KnowledgeDocument.source_uri).limit(limit).offset(offset)
        return list((await self.session.execute(stmt)).scalars())

    async def remove(self, document_id: str) -> bool:
        if not is_id(document_id):
            return False
        stmt = self.delete().where(KnowledgeDocument.id == document_id)
        result: Any = await self.session.execute(stmt)
        return bool(result.rowcount)


class ChunkRepository(TenantRepository[KnowledgeChunk]):
    model = KnowledgeChunk

    async def of_document(self, document_id: str) -> list[KnowledgeChunk]:
        stmt = self.select().where(KnowledgeChunk.document_id == document_id)
        return list((await self.session.execute(stmt)).scalars())

    async def remove_of_document(self, document_id: str) -> None:
        await self.session.execute(self.delete().where(KnowledgeChunk.document_id == document_id))

    async def all_for_index(self, embedding_model: str) -> list[Row[Any]]:
        stmt = (
            self.select(
                KnowledgeChunk.id,
                KnowledgeChunk.document_id,
                KnowledgeChunk.kind,
                KnowledgeChunk.title,
                KnowledgeChunk.question,
                KnowledgeChunk.text,
                KnowledgeChunk.language,
                KnowledgeChunk.url,
                KnowledgeChunk.embedding,
                KnowledgeDocument.source_uri,
            )
            .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)
            .where(KnowledgeChunk.embedding_model == embedding_model)
            .order_by(KnowledgeChunk.document_id, KnowledgeChunk.ordinal)
        )
        return list((await self.session.execute(stmt)).all())
