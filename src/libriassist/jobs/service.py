"""Creating, reading and running jobs.

A runner (in a server process, or a `libriassist worker` fed by Redis) calls ``execute``
with a job id: it claims the job in the database, runs the handler for its kind while a
heartbeat writes progress every second, and records the outcome. Whoever runs the job,
its status is read from the database, so it survives any process restart.

An admin may cancel a job (``cancel_job``): a queued one ends at once; a running one is
marked ``cancelling``, its runner sees that at its next heartbeat (within a second),
stops the handler and records ``cancelled``. What the job did before it stopped stays
(each document is stored whole or not at all).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, EmbeddingError
from libriassist.config import Settings
from libriassist.db import session_scope, utcnow, write_scope
from libriassist.errors import AppError, NotFound
from libriassist.jobs import repository
from libriassist.jobs.models import Job, JobFile
from libriassist.jobs.repository import JobFileRepository, JobRepository
from libriassist.kit.ids import new_id
from libriassist.knowledge.parsed import SourceError

log = logging.getLogger("libriassist.jobs")

HEARTBEAT_SECONDS = 1.0
# A running job whose heartbeat is older than this has lost its runner (process killed,
# machine gone): another runner takes it up.
STALE_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 3
# However big, a job ends: a runner serves every tenant.
TIME_LIMIT = timedelta(hours=6)
# Jobs a tenant may have queued or running at once (more get 429 too_many_jobs).
MAX_WAITING_PER_TENANT = 20


class TooManyJobs(AppError):
    status_code = 429
    code = "too_many_jobs"
    message = "Too many knowledge-base jobs are waiting for this tenant; wait for some to end."


class JobNotFound(NotFound):
    code = "job_not_found"
    message = "No job with this id."


class JobEnded(AppError):
    status_code = 409
    code = "job_ended"
    message = "This job has already ended; there is nothing to cancel."


@dataclass
class JobRuntime:
    """What a job handler may use."""

    maker: async_sessionmaker[AsyncSession]
    embedder: Embedder
    settings: Settings


class JobProgress:
    """The ingestion's progress callback: keeps the latest state for the heartbeat to
    write, with an ETA from the current stage's rate."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.done = 0
        self.total = 0
        self.detail: str | None = None
        self.eta_seconds: int | None = None
        self._stage_started = time.monotonic()

    def __call__(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if stage != self.stage:
            self.stage, self._stage_started = stage, time.monotonic()
        self.done, self.total, self.detail = done, total, (detail or None)
        elapsed = time.monotonic() - self._stage_started
        if 0 < done < total and elapsed > 0:
            self.eta_seconds = round((total - done) * elapsed / done)
        else:
            self.eta_seconds = 0 if total and done >= total else None

    def values(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "detail": (self.detail or "")[:500] or None,
            "eta_seconds": self.eta_seconds,
        }


Handler = Callable[[JobRuntime, Job, JobProgress], Coroutine[Any, Any, dict[str, Any]]]


async def create_job(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    params: dict[str, Any],
    files: list[tuple[str, bytes]] | None = None,
) -> Job:
    if await repository.waiting_count(session, tenant_id) >= MAX_WAITING_PER_TENANT:
        raise TooManyJobs()
    job = JobRepository(session, tenant_id).add(
        Job(id=new_id(), kind=kind, status="queued", params=params)
    )
    await session.flush()
    stored = JobFileRepository(session, tenant_id)
    for ordinal, (name, content) in enumerate(files or []):
        stored.add(JobFile(id=new_id(), job_id=job.id, ordinal=ordinal, name=name, content=content))
    await session.flush()
    return job


async def get_job(session: AsyncSession, tenant_id: str, job_id: str) -> Job:
    job = await JobRepository(session, tenant_id).get(job_id)
    if job is None:
        raise JobNotFound()
    return job


async def job_files(session: AsyncSession, tenant_id: str, job_id: str) -> list[JobFile]:
    return await JobFileRepository(session, tenant_id).of_job(job_id)


async def list_jobs(session: AsyncSession, tenant_id: str, limit: int = 50) -> list[Job]:
    return await JobRepository(session, tenant_id).recent(limit)


async def cancel_job(session: AsyncSession, tenant_id: str, job_id: str) -> Job:
    """A queued job ends now (``cancelled``), and so does a running one whose runner has
    gone (no heartbeat); a running one becomes ``cancelling`` until its runner stops it.
    One statement decides, so a runner claiming or handing back the job meanwhile is no
    race. Cancelling again is harmless; an ended job is ``JobEnded``. Run it in a
    ``write_scope``."""
    job = await get_job(session, tenant_id, job_id)
    status = await repository.cancel(session, job_id, utcnow(), utcnow() - STALE_AFTER)
    if status == "cancelled":
        await JobFileRepository(session, tenant_id).remove_of_job(job_id)
    await session.refresh(job)
    if status is None and job.status != "cancelling":
        raise JobEnded()
    return job


async def runnable_job_ids(maker: async_sessionmaker[AsyncSession], limit: int = 20) -> list[str]:
    """Runners call this when they start and every half minute. It also ends the
    cancellations whose runner has gone (no heartbeat): nobody else would."""
    stale_before = utcnow() - STALE_AFTER
    async with maker() as session:
        orphaned = await repository.orphaned_cancellations(session, stale_before)
        runnable = await repository.runnable_ids(session, stale_before, limit)
    if orphaned:  # rare: only then a write (SQLite has one writer at a time)
        async with write_scope(maker) as session:
            await repository.end_orphaned_cancellations(session, stale_before, utcnow())
    return runnable


async def execute(runtime: JobRuntime, job_id: str, handlers: dict[str, Handler]) -> bool:
    """Run the job if this runner wins it; False when it was not runnable (another runner
    has it, or it has ended). Cancellation hands the job back as queued."""
    now, token = utcnow(), new_id()
    async with session_scope(runtime.maker) as session:
        claimed = await repository.claim(session, job_id, token, now - STALE_AFTER, now)
    if not claimed:
        return False
    async with runtime.maker() as session:
        job = await repository.by_id(session, job_id)
    if job is None:  # its tenant was deleted meanwhile
        return False
    held = _Claim(runtime, job_id, token)
    handler = handlers.get(job.kind)
    if handler is None:
        await held.finish("failed", error=f"unknown job kind '{job.kind}'")
        return True
    if job.attempts > MAX_ATTEMPTS:
        error = f"gave up after {MAX_ATTEMPTS} attempts: each time its runner stopped mid-way"
        await held.finish("failed", error=error)
        return True
    log.info("job started", extra={"job_id": job_id, "kind": job.kind, "tenant_id": job.tenant_id})
    progress = JobProgress()
    work = asyncio.create_task(handler(runtime, job, progress))
    heartbeat = asyncio.create_task(_heartbeat(held, progress, work))
    try:
        async with asyncio.timeout(TIME_LIMIT.total_seconds()):
            result = await work
    except asyncio.CancelledError:
        await _stop(heartbeat)
        current = asyncio.current_task()
        if held.stopped_by and not (current and current.cancelling()):
            # Stopped by its heartbeat, not by this runner shutting down: the admin's
            # cancellation (recorded), or the job lost to another runner (nothing to write).
            if held.stopped_by == "cancel":
                await asyncio.shield(held.finish("cancelled", progress=progress))
                log.info("job cancelled", extra={"job_id": job_id})
            return True
        await _stop(work)
        await asyncio.shield(held.release())
        raise
    except TimeoutError:
        await _stop(heartbeat)
        limit = f"{TIME_LIMIT.total_seconds() / 3600:g} h"
        await held.finish(
            "failed", error=f"stopped after the {limit} a job may take", progress=progress
        )
    except EmbeddingError:
        await _stop(heartbeat)
        log.exception("job failed", extra={"job_id": job_id})
        error = "the embedding service failed; try again later"
        await held.finish("failed", error=error, progress=progress)
    except (AppError, SourceError) as exc:
        await _stop(heartbeat)
        await held.finish("failed", error=str(exc), progress=progress)
    except Exception as exc:
        await _stop(heartbeat)
        log.exception("job failed", extra={"job_id": job_id})
        message = f"internal error ({type(exc).__name__}); the server log has the details"
        await held.finish("failed", error=message, progress=progress)
    else:
        await _stop(heartbeat)
        await held.finish("succeeded", result=result, progress=progress)
    log.info("job ended", extra={"job_id": job_id})
    return True


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _heartbeat(held: "_Claim", progress: JobProgress, work: asyncio.Task[Any]) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            if await held.write(heartbeat_at=utcnow(), **progress.values()):
                continue
            # Not written: the job is no longer "running" for this runner. An admin asked
            # to cancel it, or it was lost (another runner took it over after a stall, or
            # it was ended meanwhile): either way this runner stops working on it.
            held.stopped_by = "cancel" if await held.cancel_requested() else "lost"
            work.cancel()
            return
        except Exception:  # a missed beat is retried a second later
            continue


@dataclass
class _Claim:
    """A runner's hold on a job: every write is conditional on still holding it."""

    runtime: JobRuntime
    job_id: str
    token: str
    stopped_by: str | None = None  # "cancel" | "lost": why the heartbeat stopped the work

    def _update(self, *statuses: str) -> Any:
        return update(Job).where(
            Job.id == self.job_id,
            Job.status.in_(statuses or ("running",)),
            Job.claim_token == self.token,
        )

    async def cancel_requested(self) -> bool:
        async with self.runtime.maker() as session:
            found = await session.execute(
                select(Job.status).where(Job.id == self.job_id, Job.claim_token == self.token)
            )
            return found.scalar_one_or_none() == "cancelling"

    async def write(self, **values: Any) -> bool:
        async with session_scope(self.runtime.maker) as session:
            result: Any = await session.execute(self._update().values(**values))
        return bool(result.rowcount)

    async def release(self) -> None:
        # Stopped by its own runner (shutdown): not a failed attempt.
        if await self.write(
            status="queued", attempts=Job.attempts - 1, heartbeat_at=None, claim_token=None
        ):
            log.info("job handed back to the queue", extra={"job_id": self.job_id})
        elif await self.cancel_requested():  # stopped while being cancelled: cancelled
            await self.finish("cancelled")

    async def finish(
        self,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        progress: JobProgress | None = None,
    ) -> None:
        values: dict[str, Any] = progress.values() if progress else {}
        if status == "succeeded":
            values["eta_seconds"] = 0
        values.update(status=status, result=result, error=error, finished_at=utcnow())
        for attempt in range(5):  # the outcome must land even if the database blips
            try:
                async with session_scope(self.runtime.maker) as session:
                    # A job asked to cancel that ends anyway just then keeps its outcome.
                    update_ = self._update("running", "cancelling")
                    outcome: Any = await session.execute(update_.values(**values))
                    job = await repository.by_id(session, self.job_id)
                    if outcome.rowcount and job is not None:
                        await JobFileRepository(session, job.tenant_id).remove_of_job(self.job_id)
                return
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
