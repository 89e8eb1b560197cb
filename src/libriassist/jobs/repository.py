"""SQL for jobs. Reading and listing are tenant-scoped; claiming a job by id is what a
runner does for any tenant, so those few statements are platform-level."""

from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from libriassist.jobs.models import Job, JobFile
from libriassist.kit.repository import TenantRepository


class JobRepository(TenantRepository[Job]):
    model = Job

    async def recent(self, limit: int) -> list[Job]:
        stmt = self.select().order_by(Job.created_at.desc(), Job.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())


class JobFileRepository(TenantRepository[JobFile]):
    model = JobFile

    async def of_job(self, job_id: str) -> list[JobFile]:
        stmt = self.select().where(JobFile.job_id == job_id).order_by(JobFile.ordinal)
        return list((await self.session.execute(stmt)).scalars())

    async def remove_of_job(self, job_id: str) -> None:
        await self.session.execute(self.delete().where(JobFile.job_id == job_id))


def _runnable(stale_before: datetime) -> Any:
    return or_(
        Job.status == "queued",
        (Job.status == "running") & (Job.heartbeat_at < stale_before),
    )


async def runnable_ids(session: AsyncSession, stale_before: datetime, limit: int) -> list[str]:
    """Jobs waiting for a runner, oldest first: queued ones, and running ones whose
    runner has stopped sending heartbeats. A tenant with a job running gets no second
    one at the same time, so one tenant's many jobs cannot hold every runner."""
    other = aliased(Job)
    busy = select(other.tenant_id).where(
        other.status.in_(("running", "cancelling")), other.heartbeat_at >= stale_before
    )
    stmt = (
        select(Job.id)
        .where(_runnable(stale_before), Job.tenant_id.not_in(busy))
        .order_by(Job.created_at, Job.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def claim(
    session: AsyncSession, job_id: str, token: str, stale_before: datetime, now: datetime
) -> bool:
    """Mark the job running for this runner (``token``) if it is still runnable.
    Compare-and-set in one UPDATE: of several runners racing for a job, one wins."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, _runnable(stale_before))
        .values(
            status="running",
            claim_token=token,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            error=None,
        )
    )
    result: Any = await session.execute(stmt)
    return bool(result.rowcount)


async def waiting_count(session: AsyncSession, tenant_id: str) -> int:
    stmt = (
        JobRepository(session, tenant_id)
        .select(func.count())
        .where(Job.status.in_(("queued", "running", "cancelling")))
    )
    return int((await session.execute(stmt)).scalar_one())


async def by_id(session: AsyncSession, job_id: str) -> Job | None:
    job: Job | None = await session.get(Job, job_id)
    return job


async def cancel(
    session: AsyncSession, job_id: str, now: datetime, stale_before: datetime
) -> str | None:
    """Cancel in one compare-and-set: queued, or running without a live runner ->
    cancelled; running -> cancelling. The new status, or None if the job was neither
    queued nor running (the caller has checked the job's tenant)."""
    ends_now = (Job.status == "queued") | (Job.heartbeat_at < stale_before)
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("queued", "running")))
        .values(
            status=case((ends_now, "cancelled"), else_="cancelling"),
            finished_at=case((ends_now, now), else_=Job.finished_at),
        )
        .returning(Job.status)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _orphaned(stale_before: datetime) -> Any:
    return (Job.status == "cancelling") & (Job.heartbeat_at < stale_before)


async def orphaned_cancellations(session: AsyncSession, stale_before: datetime) -> bool:
    found = await session.execute(select(Job.id).where(_orphaned(stale_before)).limit(1))
    return found.first() is not None


async def end_orphaned_cancellations(
    session: AsyncSession, stale_before: datetime, now: datetime
) -> None:
    """Jobs asked to cancel whose runner has stopped sending heartbeats: cancelled."""
    stmt = (
        update(Job)
        .where(_orphaned(stale_before))
        .values(status="cancelled", finished_at=now, claim_token=None)
        .returning(Job.id)
    )
    ids = list((await session.execute(stmt)).scalars())
    if ids:
        await session.execute(delete(JobFile).where(JobFile.job_id.in_(ids)))
