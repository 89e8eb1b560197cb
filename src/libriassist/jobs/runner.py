"""Who runs jobs.

- ``InProcessRunner`` (default): each server process runs one job at a time in the
  background, taking the oldest runnable job from the database. Several processes share
  the work; a job left behind by a stopped process is taken up by the next one.
- ``RedisRunner`` (``LIBRIASSIST_REDIS_URL`` set): the server only enqueues; separate
  ``libriassist worker`` processes run the jobs (RQ), so ingestion never competes with
  chat for a server's CPU.
"""

import asyncio
import contextlib
import logging
from typing import Protocol

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from libriassist.config import Settings
from libriassist.jobs import service
from libriassist.jobs.handlers import HANDLERS

log = logging.getLogger("libriassist.jobs")

POLL_SECONDS = 5.0
# How long stop() lets a running job reach a safe point before cancelling it.
STOP_GRACE_SECONDS = 2.0
WORKER_FUNCTION = "libriassist.jobs.worker.perform"
# RQ's own time limit per job; ours are bounded by their work, not by a clock.
RQ_JOB_TIMEOUT = 24 * 3600


class JobRunner(Protocol):
    async def start(self) -> None: ...

    async def submit(self, job_id: str) -> None: ...

    async def stop(self) -> None: ...


class InProcessRunner:
    def __init__(self, runtime: service.JobRuntime) -> None:
        self.runtime = runtime
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="libriassist-jobs")

    async def submit(self, job_id: str) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Let the loop leave between two database calls; cancel only a job still running.

        Cancelling a task in the middle of a query leaves the driver's connection to be
        cleaned up later, after the event loop may be gone (SQLite's driver thread then
        fails). A cancelled job is not lost: it runs again once its heartbeat is stale.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await asyncio.wait({self._task}, timeout=STOP_GRACE_SECONDS)
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _loop(self) -> None:
        while not self._stopping:
            ran = False
            try:
                for job_id in await service.runnable_job_ids(self.runtime.maker):
                    if self._stopping:
                        return
                    if await service.execute(self.runtime, job_id, HANDLERS):
                        ran = True
                        break
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down or not migrated yet: try again later
                log.exception("could not look for jobs")
            if ran or self._stopping:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()


class QueueUnavailable(Exception):
    pass


class RedisRunner:
    def __init__(self, redis_url: str, queue_name: str) -> None:
        # JSON, not pickle: a job is a function name and a job id, nothing more.
        self.queue = Queue(
            queue_name, connection=Redis.from_url(redis_url), serializer=JSONSerializer
        )

    async def start(self) -> None:
        pass

    async def submit(self, job_id: str) -> None:
        await asyncio.to_thread(enqueue, self.queue, job_id)

    async def stop(self) -> None:
        await asyncio.to_thread(self.queue.connection.close)


def enqueue(queue: Queue, job_id: str) -> None:
    # Enqueuing the same job twice is harmless: only one run can claim it.
    queue.enqueue(
        WORKER_FUNCTION,
        job_id,
        job_id=rq_job_id(job_id),
        job_timeout=RQ_JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def rq_job_id(job_id: str) -> str:
    return f"libriassist-{job_id}"


def job_runner(settings: Settings, runtime: service.JobRuntime) -> JobRunner:
    if settings.redis_url:
        return RedisRunner(settings.redis_url, settings.job_queue)
    return InProcessRunner(runtime)
