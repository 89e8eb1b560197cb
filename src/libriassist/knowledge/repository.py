"""All SQL for knowledge documents and chunks, scoped to one tenant."""

from typing import Any

from sqlalchemy import Row, Select

from libriassist.kit.ids import is_id
from libriassist.kit.repository import TenantRepository
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument


class DocumentRepository(TenantRepository[KnowledgeDocument]):
    model = KnowledgeDocument

    async def by_source(self, source_uri: str, source: str = "") -> KnowledgeDocument | None:
        stmt = self.select().where(
            KnowledgeDocument.source_uri == source_uri, KnowledgeDocument.source == source
        )
        document: KnowledgeDocument | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return document

    async def hashes_by_source(
        self, source_uris: list[str], source: str = ""
    ) -> dict[str, tuple[str, int, set[str]]]:
        """source URI -> (content hash, chunk count, embedding models of its chunks)."""
        out: dict[str, tuple[str, int, set[str]]] = {}
        for start in range(0, len(source_uris), 500):
            stmt = (
                self.select(
                    KnowledgeDocument.source_uri,
                    KnowledgeDocument.content_hash,
                    KnowledgeDocument.chunk_count,
                    KnowledgeChunk.embedding_model,
                )
                .outerjoin(KnowledgeChunk, KnowledgeChunk.document_id == KnowledgeDocument.id)
                .where(
                    KnowledgeDocument.source_uri.in_(source_uris[start : start + 500]),
                    KnowledgeDocument.source == source,
                )
                .distinct()
            )
            for uri, content_hash, count, model in (await self.session.execute(stmt)).all():
                entry = out.setdefault(uri, (content_hash, count, set()))
                if model:
                    entry[2].add(model)
        return out

    async def remove_missing(self, source: str, keep: set[str]) -> list[str]:
        """Delete this source's documents whose URI is not in ``keep``; return their URIs."""
        stmt = self.select(KnowledgeDocument.id, KnowledgeDocument.source_uri).where(
            KnowledgeDocument.source == source
        )
        gone = [(i, uri) for i, uri in (await self.session.execute(stmt)).all() if uri not in keep]
        for start in range(0, len(gone), 500):
            ids = [i for i, _ in gone[start : start + 500]]
            await self.session.execute(self.delete().where(KnowledgeDocument.id.in_(ids)))
        return [uri for _, uri in gone]

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

    async def embeddings_by_hash(self, hashes: list[str], model: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for start in range(0, len(hashes), 500):
            stmt = self.select(KnowledgeChunk.content_hash, KnowledgeChunk.embedding).where(
                KnowledgeChunk.content_hash.in_(hashes[start : start + 500]),
                KnowledgeChunk.embedding_model == model,
            )
            out.update({h: e for h, e in (await self.session.execute(stmt)).all()})
        return out

    async def remove_of_document(self, document_id: str) -> None:
        await self.session.execute(self.delete().where(KnowledgeChunk.document_id == document_id))

    async def all_for_index(self, embedding_model: str) -> list[Row[Any]]:
        stmt = (
            self._for_index(KnowledgeChunk.embedding)
            .where(KnowledgeChunk.embedding_model == embedding_model)
            .order_by(KnowledgeChunk.document_id, KnowledgeChunk.ordinal)
        )
        return list((await self.session.execute(stmt)).all())

    async def for_hits(self, chunk_ids: list[str]) -> list[Row[Any]]:
        """The chunks of ``chunk_ids`` (in any order) with what a search hit shows."""
        if not chunk_ids:
            return []
        stmt = self._for_index().where(KnowledgeChunk.id.in_(chunk_ids))
        return list((await self.session.execute(stmt)).all())

    def _for_index(self, *extra: Any) -> Select[Any]:
        return self.select(
            KnowledgeChunk.id,
            KnowledgeChunk.document_id,
            KnowledgeChunk.kind,
            KnowledgeChunk.title,
            KnowledgeChunk.question,
            KnowledgeChunk.text,
            KnowledgeChunk.language,
            KnowledgeChunk.url,
            *extra,
            KnowledgeDocument.source_uri,
        ).join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)
