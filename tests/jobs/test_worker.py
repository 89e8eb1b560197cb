"""With LIBRIASSIST_REDIS_URL set, the server only enqueues and separate `libriassist
worker` processes run the jobs (RQ on a real Redis)."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from redis import Redis

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.main import create_app
from tests.factories import create_tenant
from tests.knowledge.test_jobs_api import upload

REDIS_URL = os.environ.get("LIBRIASSIST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CLI = Path(sys.executable).with_name("libriassist")


@pytest.fixture
def queue_name() -> str:
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        pytest.fail(f"Redis is needed for this test ({REDIS_URL}): {exc}", pytrace=False)
    return f"libriassist-test-{uuid.uuid4().hex[:8]}"


def run_worker(settings: Settings, queue_name: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LIBRIASSIST_DATA_DIR": str(settings.data_dir),
        "LIBRIASSIST_DATABASE_URL": settings.resolved_database_url,
        "LIBRIASSIST_REDIS_URL": REDIS_URL,
        "LIBRIASSIST_JOB_QUEUE": queue_name,
        "LIBRIASSIST_LOG_JSON": "false",
    }
    return subprocess.run(
        [str(CLI), "worker", "--burst"], env=env, capture_output=True, text=True, timeout=300
    )


async def test_jobs_wait_for_a_worker_and_survive_a_redis_outage(
    settings: Settings, embedder: Embedder, queue_name: str
) -> None:
    with_redis = settings.model_copy(update={"redis_url": REDIS_URL, "job_queue": queue_name})
    # Nothing listens there: enqueuing fails, the job must still be accepted and kept.
    redis_down = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:9/0", "job_queue": queue_name}
    )
    ids = []
    for app_settings, name in ((with_redis, "first.md"), (redis_down, "second.md")):
        app = create_app(app_settings, embedder)
        async with app.router.lifespan_context(app):
            maker = app.state.resources.sessionmaker
            if not ids:
                tenant = await create_tenant(maker, "Queued", origins=["https://q.example"])
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.post(
                    "/api/v1/admin/kb/documents",
                    files=upload((name, f"# {name}\n\nText of {name}.".encode())),
                    headers=tenant.admin_headers(),
                )
                assert response.status_code == 202, response.text
                ids.append(response.json()["id"])
    assert Redis.from_url(REDIS_URL).llen(f"rq:queue:{queue_name}") == 1

    app = create_app(with_redis, embedder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def statuses() -> list[str]:
                return [
                    (
                        await client.get(
                            f"/api/v1/admin/kb/jobs/{i}", headers=tenant.admin_headers()
                        )
                    ).json()["status"]
                    for i in ids
                ]

            await asyncio.sleep(1)
            assert await statuses() == ["queued", "queued"]  # the server runs no jobs itself
            finished = await asyncio.to_thread(run_worker, with_redis, queue_name)
            assert finished.returncode == 0, finished.stderr[-3000:]
            assert await statuses() == ["succeeded", "succeeded"], finished.stderr[-3000:]
            documents = await client.get(
                "/api/v1/admin/kb/documents", headers=tenant.admin_headers()
            )
            assert sorted(d["source_uri"] for d in documents.json()) == ["first.md", "second.md"]
    Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue_name}")


def test_the_worker_needs_redis(tmp_path: Path) -> None:
    env = {**os.environ, "LIBRIASSIST_DATA_DIR": str(tmp_path)}
    env.pop("LIBRIASSIST_REDIS_URL", None)
    result = subprocess.run(
        [str(CLI), "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "set LIBRIASSIST_REDIS_URL" in result.stderr


async def test_the_worker_runs_nothing_but_its_own_job_function(
    settings: Settings, queue_name: str, tmp_path: Path
) -> None:
    from rq import Queue
    from rq.serializers import JSONSerializer

    marker = tmp_path / "owned"
    queue = Queue(queue_name, connection=Redis.from_url(REDIS_URL), serializer=JSONSerializer)
    queue.enqueue("os.system", f"touch {marker}")
    finished = await asyncio.to_thread(run_worker, settings, queue_name)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert not marker.exists()
    assert "refused a job that is not ours" in finished.stderr
    Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue_name}")
