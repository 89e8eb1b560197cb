"""Knowledge-base admin API (secret key)."""

import logging
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from libriassist.api import AppResources, DbSession, Resources, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.db import session_scope, write_scope
from libriassist.errors import ERROR_RESPONSES, AppError, InvalidRequest
from libriassist.jobs import service as jobs_service
from libriassist.jobs.models import Job
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.parsed import SourceError
from libriassist.knowledge.schemas import (
    DocumentDetail,
    DocumentOut,
    FileResult,
    JobOut,
    SearchRequest,
    SearchResponse,
    SyncRequest,
)
from libriassist.knowledge.sources import MAX_FILE_BYTES, supported_kind

router = APIRouter(prefix="/api/v1/admin/kb", tags=["knowledge"], responses=ERROR_RESPONSES)
log = logging.getLogger("libriassist.knowledge")

UPLOAD_PATH = "/api/v1/admin/kb/documents"
MAX_UPLOAD_FILES = 200


class NothingToIngest(AppError):
    status_code = 422
    code = "unsupported_files"
    message = "None of the files can be ingested."


@router.get("/documents", response_model=list[DocumentOut])
async def list_documents(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DocumentOut]:
    documents = await knowledge_service.list_documents(session, principal.tenant_id, limit, offset)
    return [DocumentOut.model_validate(d) for d in documents]


@router.post(
    "/documents",
    status_code=202,
    response_model=JobOut,
    openapi_extra={
        "description": "Multipart upload; each file is ingested by a background "
        "job. Poll the job's URL (the Location header) for progress."
    },
)
async def upload_documents(
    files: Annotated[
        list[UploadFile], File(description="FAQ JSON/CSV, Markdown, HTML, PDF, DOCX or text files")
    ],
    principal: SecretKey,
    resources: AppResources,
) -> JSONResponse:
    """Upload files into the knowledge base (a file with the name of an earlier upload
    replaces it; unchanged content is not embedded again)."""
    # No 'files' field at all is refused by validation (422 invalid_request).
    if len(files) > MAX_UPLOAD_FILES:
        raise InvalidRequest(f"At most {MAX_UPLOAD_FILES} files per upload.")
    accepted: list[tuple[str, bytes]] = []
    rejected: list[FileResult] = []
    for upload in files:
        name = _clean_name(upload.filename or "")
        if any(name == kept for kept, _ in accepted) or any(r.source_uri == name for r in rejected):
            raise InvalidRequest(f"Two files are named '{name}'.", details={"file": name})
        data = await upload.read(MAX_FILE_BYTES + 1)
        try:
            supported_kind(name)
            if len(data) > MAX_FILE_BYTES:
                raise SourceError(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        except SourceError as exc:
            rejected.append(FileResult(source_uri=name, status="error", error=str(exc)))
            continue
        accepted.append((name, data))
    if not accepted:
        raise NothingToIngest(
            details=[r.model_dump(include={"source_uri", "error"}) for r in rejected]
        )
    job = await _start_job(
        resources,
        principal.tenant_id,
        "kb_upload",
        {"rejected": [r.model_dump() for r in rejected]},
        accepted,
    )
    return _accepted(job)


def _clean_name(raw: str) -> str:
    """A client's file name as a relative path: no drive, no '..', forward slashes."""
    parts = [p for p in PurePosixPath(raw.replace("\\", "/")).parts if p not in ("/", ".", "..")]
    name = "/".join(parts).strip()
    if not name or len(name) > 1000 or any(ord(c) < 32 for c in name):
        raise InvalidRequest("Each file needs a name (at most 1000 characters).")
    return name


@router.get("/documents/{document_id}", response_model=DocumentDetail)
async def show_document(
    document_id: str, principal: SecretKey, session: DbSession
) -> DocumentDetail:
    """A document with its chunks, as the assistant searches them."""
    document, chunks = await knowledge_service.show_document(
        session, principal.tenant_id, document_id
    )
    return DocumentDetail.model_validate(
        {
            **DocumentOut.model_validate(document).model_dump(),
            "source": document.source,
            "chunks": chunks,
        }
    )


@router.delete("/documents/{document_id}", status_code=204)
async def delete_document(
    document_id: str, principal: SecretKey, session: WriteSession
) -> Response:
    await knowledge_service.delete_document(session, principal.tenant_id, document_id)
    return Response(status_code=204)


@router.post("/sync", status_code=202, response_model=JobOut)
async def start_sync(
    body: SyncRequest, principal: SecretKey, resources: AppResources
) -> JSONResponse:
    """Converge the knowledge base to a web page or sitemap, as a background job: new
    and changed pages in, pages the site no longer has out."""
    params = body.model_dump()
    job = await _start_job(resources, principal.tenant_id, "kb_sync", params)
    return _accepted(job)


@router.get("/jobs", response_model=list[JobOut])
async def list_jobs(
    principal: SecretKey,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobOut]:
    jobs = await jobs_service.list_jobs(session, principal.tenant_id, limit)
    return [JobOut.model_validate(j) for j in jobs]


@router.get("/jobs/{job_id}", response_model=JobOut)
async def show_job(job_id: str, principal: SecretKey, session: DbSession) -> JobOut:
    """A job's status and progress (poll it; ``eta_seconds`` estimates the current stage)."""
    return JobOut.model_validate(await jobs_service.get_job(session, principal.tenant_id, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    responses={409: {"description": "`job_ended`: the job has already ended."}},
)
async def cancel_job(job_id: str, principal: SecretKey, resources: AppResources) -> JobOut:
    """Stop a job: a queued one is ``cancelled`` at once; a running one is ``cancelling``
    until its runner stops it, within a second or two (poll the job). Documents it had
    already stored stay."""
    async with write_scope(resources.sessionmaker) as session:
        job = await jobs_service.cancel_job(session, principal.tenant_id, job_id)
        out = JobOut.model_validate(job)
    log.info("job cancel requested", extra={"job_id": job_id, "status": out.status})
    return out


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
        backend=resources.settings.search_backend,
    )
    return SearchResponse(hits=hits)


async def _start_job(
    resources: Resources,
    tenant_id: str,
    kind: str,
    params: dict[str, object],
    files: list[tuple[str, bytes]] | None = None,
) -> Job:
    # Committed before it is handed to a runner, which may start at once elsewhere.
    async with session_scope(resources.sessionmaker) as session:
        job = await jobs_service.create_job(session, tenant_id, kind, params, files)
    try:
        await resources.job_runner.submit(job.id)
    except Exception:
        # Accepted work is not lost: the job is queued in the database, and workers look
        # there for waiting jobs when they start and every half minute.
        log.exception("could not hand the job to the queue", extra={"job_id": job.id})
    return job


def _accepted(job: Job) -> JSONResponse:
    body = JobOut.model_validate(job).model_dump(mode="json")
    return JSONResponse(
        body, status_code=202, headers={"Location": f"/api/v1/admin/kb/jobs/{job.id}"}
    )
