"""Knowledge-base admin API (secret key)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from libriassist.api import AppResources, DbSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.schemas import DocumentOut, SearchRequest, SearchResponse

router = APIRouter(prefix="/api/v1/admin/kb", tags=["knowledge"], responses=ERROR_RESPONSES)


@router.get("/documents", response_model=list[DocumentOut])
async def list_documents(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DocumentOut]:
    documents = await knowledge_service.list_documents(session, principal.tenant_id, limit, offset)
    return [DocumentOut.model_validate(d) for d in documents]


@router.delete("/documents/{document_id}", status_code=204)
async def delete_document(document_id: str, principal: SecretKey, session: DbSession) -> Response:
    await knowledge_service.delete_document(session, principal.tenant_id, document_id)
    return Response(status_code=204)


@router.post("/search", response_model=SearchResponse)
async def search(
    body: SearchRequest, principal: SecretKey, session: DbSession, resources: AppResources
) -> SearchResponse:
    """Ranked chunks with scores, to see what the assistant would find."""
    hits = await knowledge_service.search(
        session,
        principal.tenant_id,
        resources.embedder,
        resources.index_cache,
        body.query,
        body.language,
        body.limit,
        body.mode,
        resources.settings.search_backend,
    )
    return SearchResponse(hits=hits)
