"""Knowledge-base work run as background jobs: an upload, a sync from a URL."""

import asyncio
from typing import Any

from libriassist.jobs.models import Job
from libriassist.jobs.service import JobProgress, JobRuntime, job_files
from libriassist.knowledge.ingestion import ingest_documents, sync_source
from libriassist.knowledge.parsed import ParsedDocument, SourceError
from libriassist.knowledge.schemas import FileResult, IngestReport
from libriassist.knowledge.sources import parse_named_bytes
from libriassist.tenants import service as tenants_service

# A sync of a big site lists every page; the job keeps the first ones and the counts.
MAX_REPORTED_FILES = 1000


async def run_upload(runtime: JobRuntime, job: Job, progress: JobProgress) -> dict[str, Any]:
    async with runtime.maker() as session:
        tenant = await tenants_service.get_tenant(session, job.tenant_id)
        files = await job_files(session, job.tenant_id, job.id)
    failed = [FileResult.model_validate(r) for r in job.params.get("rejected", [])]
    parsed: list[ParsedDocument] = []
    for number, file in enumerate(files, start=1):
        progress("parse", number, len(files), file.name)
        try:  # off the event loop: a big PDF takes seconds, and chats share this loop
            parsed.append(
                await asyncio.to_thread(
                    parse_named_bytes, file.content, file.name, file.name, tenant.default_language
                )
            )
        except SourceError as exc:
            failed.append(FileResult(source_uri=file.name, status="error", error=str(exc)))
    results = await ingest_documents(
        runtime.maker, job.tenant_id, runtime.embedder, parsed, progress
    )
    return summarise(IngestReport(files=failed + results))


async def run_sync(runtime: JobRuntime, job: Job, progress: JobProgress) -> dict[str, Any]:
    if not str(job.params.get("url", "")).startswith(("http://", "https://")):
        raise SourceError("a sync job takes an http(s) URL")  # never a path on the server
    report = await sync_source(
        runtime.maker,
        job.tenant_id,
        runtime.embedder,
        job.params["url"],
        max_pages=job.params.get("max_pages", 100),
        max_depth=job.params.get("max_depth", 0),
        progress=progress,
        public_only=not runtime.settings.crawl_allow_private,
    )
    return summarise(report)


def summarise(report: IngestReport) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for file in report.files:
        counts[file.status] = counts.get(file.status, 0) + 1
    return {
        "counts": counts,
        "chunks_embedded": sum(f.embedded for f in report.files),
        "files": [f.model_dump() for f in report.files[:MAX_REPORTED_FILES]],
        "files_omitted": max(0, len(report.files) - MAX_REPORTED_FILES),
    }
