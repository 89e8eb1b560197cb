"""``libriassist worker``: runs jobs from the Redis queue (RQ), one at a time per process.

RQ forks a child per job; the embedding model is loaded once in the parent before the
first fork, so each job starts with it already in memory. At start and then every
``SWEEP_SECONDS`` the worker also re-enqueues jobs the database says are waiting (queued
while Redis was down or emptied, or left running by a worker that died): the database,
not Redis, is the record of what must run.
"""

import asyncio
import logging
import threading

from redis import Redis
from rq import Queue, Worker
from rq.job import Job as RqJob
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from libriassist.ai.embedder import Embedder, embedder_from_settings
from libriassist.config import Settings
from libriassist.db import create_engine, create_sessionmaker
from libriassist.jobs import service
from libriassist.jobs.handlers import HANDLERS
from libriassist.jobs.runner import WORKER_FUNCTION, enqueue, rq_job_id

log = logging.getLogger("libriassist.jobs")

SWEEP_SECONDS = 30.0
WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
_embedder: Embedder | None = None


def perform(job_id: str) -> bool:
    """The RQ job function: run one of our jobs by id."""
    settings = Settings()
    embedder = _embedder or embedder_from_settings(settings)

    async def run() -> bool:
        engine = create_engine(settings.resolved_database_url)
        try:
            runtime = service.JobRuntime(create_sessionmaker(engine), embedder, settings)
            return await service.execute(runtime, job_id, HANDLERS)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def requeue_waiting(settings: Settings, queue: Queue) -> int:
    async def waiting() -> list[str]:
        engine = create_engine(settings.resolved_database_url)
        try:
            return await service.runnable_job_ids(create_sessionmaker(engine), limit=1000)
        finally:
            await engine.dispose()

    count = 0
    for job_id in asyncio.run(waiting()):
        queued = queue.fetch_job(rq_job_id(job_id))
        if queued is not None and queued.get_status(refresh=False) in WAITING:
            continue  # still waiting in Redis; a job RQ shows as started is stale here
        enqueue(queue, job_id)
        count += 1
    return count


class LibriAssistWorker(Worker):
    """Runs our one job function and nothing else: whoever can write to the Redis queue
    must not be able to make the worker call any other function."""

    def execute_job(self, job: RqJob, queue: Queue) -> None:
        if job.func_name != WORKER_FUNCTION:
            log.error("refused a job that is not ours", extra={"function": job.func_name})
            job.cancel()
            return
        super().execute_job(job, queue)


def run_worker(settings: Settings, burst: bool = False) -> None:
    global _embedder
    assert settings.redis_url, "the worker needs LIBRIASSIST_REDIS_URL"
    connection = Redis.from_url(settings.redis_url)
    queue = Queue(settings.job_queue, connection=connection, serializer=JSONSerializer)
    _embedder = embedder_from_settings(settings)
    found = requeue_waiting(settings, queue)
    if found:
        log.info("re-enqueued waiting jobs", extra={"count": found})
    stop = threading.Event()

    def sweep() -> None:
        while not stop.wait(SWEEP_SECONDS):
            try:
                requeue_waiting(settings, queue)
            except Exception:
                log.exception("could not look for waiting jobs")

    if not burst:
        threading.Thread(target=sweep, name="libriassist-sweep", daemon=True).start()
    try:
        LibriAssistWorker([queue], connection=connection, serializer=JSONSerializer).work(
            burst=burst, with_scheduler=False
        )
    finally:
        stop.set()
