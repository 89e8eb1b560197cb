"""The knowledge-base admin API's background work: uploads and syncs as jobs whose status
lives in the database, run by the server process itself (no Redis configured)."""

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.db import session_scope, utcnow, write_scope
from libriassist.jobs import service as jobs_service
from libriassist.jobs.handlers import HANDLERS
from libriassist.jobs.models import Job
from libriassist.main import create_app
from tests.factories import Tenant, create_tenant
from tests.knowledge.web import Site

FAQ = [
    {
        "question": "Livrez-vous en Belgique ?",
        "answer": "Oui, en 4 jours ouvrés.",
        "language": "fr",
    },
    {"question": "Do you gift-wrap?", "answer": "Yes, for 3 euros.", "language": "en"},
]


async def wait_for_job(
    client: httpx.AsyncClient, tenant: Tenant, job_id: str, seconds: float = 60
) -> dict[str, Any]:
    for _ in range(int(seconds * 10)):
        response = await client.get(
            f"/api/v1/admin/kb/jobs/{job_id}", headers=tenant.admin_headers()
        )
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job still {job['status']} after {seconds} s")


async def started_job(
    runtime: jobs_service.JobRuntime, job: Any, handler: jobs_service.Handler
) -> asyncio.Task[bool]:
    """The job run in the background as a runner runs it, once ``handler`` has begun."""
    started = asyncio.Event()

    async def begun(*args: Any) -> dict[str, Any]:
        started.set()
        return await handler(*args)

    task = asyncio.create_task(jobs_service.execute(runtime, job.id, {job.kind: begun}))
    await started.wait()
    return task


async def queued_job(
    app: FastAPI, tenant: Tenant, kind: str, files: list[tuple[str, bytes]] | None = None
) -> tuple[async_sessionmaker[AsyncSession], Job]:
    """A job of ``kind`` in the queue of a server whose own runner is stopped: the test
    runs it (``jobs_service.execute``) as it needs."""
    await app.state.resources.job_runner.stop()
    maker: async_sessionmaker[AsyncSession] = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        job = await jobs_service.create_job(session, tenant.id, kind, {}, files)
    return maker, job


async def a_minute_of_work(*_: Any) -> dict[str, Any]:
    await asyncio.sleep(60)
    return {}


def upload(*files: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, data, "application/octet-stream")) for name, data in files]


async def test_an_upload_becomes_a_job_that_ingests_every_good_file(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/v1/admin/kb/documents",
        files=upload(
            ("faq-2.json", json.dumps(FAQ).encode()),
            ("guide.md", b"# Emballage\n\nNous emballons chaque livre dans du papier recycle."),
            ("broken.json", b"{not json"),
            ("virus.exe", b"MZ\x90\x00"),
        ),
        headers=tenant.admin_headers(),
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/admin/kb/jobs/{created['id']}"
    assert (
        created["status"] in ("queued", "running", "succeeded") and created["kind"] == "kb_upload"
    )

    job = await wait_for_job(client, tenant, created["id"])
    assert job["status"] == "succeeded", job
    outcome = {f["source_uri"]: f for f in job["result"]["files"]}
    assert outcome["faq-2.json"]["status"] == "ingested" and outcome["faq-2.json"]["chunks"] == 2
    assert outcome["guide.md"]["status"] == "ingested"
    assert "invalid JSON" in outcome["broken.json"]["error"]
    assert "unsupported file type '.exe'" in outcome["virus.exe"]["error"]
    assert job["result"]["counts"] == {"ingested": 2, "error": 2}
    assert job["stage"] == "write" and job["done"] == job["total"] and job["eta_seconds"] == 0
    assert job["started_at"] and job["finished_at"] and job["attempts"] == 1

    search = await client.post(
        "/api/v1/admin/kb/search",
        json={"query": "Livrez-vous en Belgique ?"},
        headers=tenant.admin_headers(),
    )
    assert search.json()["hits"][0]["text"] == "Oui, en 4 jours ouvrés."

    # The same upload again changes nothing and embeds nothing.
    again = await client.post(
        "/api/v1/admin/kb/documents",
        files=upload(("faq-2.json", json.dumps(FAQ).encode())),
        headers=tenant.admin_headers(),
    )
    second = await wait_for_job(client, tenant, again.json()["id"])
    assert (
        second["result"]["counts"] == {"unchanged": 1} and second["result"]["chunks_embedded"] == 0
    )

    listed = await client.get("/api/v1/admin/kb/jobs", headers=tenant.admin_headers())
    assert [j["id"] for j in listed.json()][:2] == [second["id"], job["id"]]


async def test_a_document_is_shown_with_its_chunks(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    documents = (
        await client.get("/api/v1/admin/kb/documents", headers=tenant.admin_headers())
    ).json()
    shown = await client.get(
        f"/api/v1/admin/kb/documents/{documents[0]['id']}", headers=tenant.admin_headers()
    )
    assert shown.status_code == 200
    body = shown.json()
    assert body["id"] == documents[0]["id"] and len(body["chunks"]) == body["chunk_count"] == 3
    first = body["chunks"][0]
    assert first["ordinal"] == 0 and first["question"] == "Quels sont les délais de livraison ?"
    assert first["embedding_model"] and first["embedding_dim"] == 384
    assert "embedding" not in first
    for bad in ("0" * 32, "not-an-id", "'; drop table x"):
        missing = await client.get(
            f"/api/v1/admin/kb/documents/{bad}", headers=tenant.admin_headers()
        )
        assert missing.status_code == 404


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([], 422, "invalid_request"),
        ([("a.exe", b"x"), ("b.zip", b"y")], 422, "unsupported_files"),
        ([("faq.json", b"[]"), ("faq.json", b"[]")], 422, "invalid_request"),
        ([("..", b"[]")], 422, "invalid_request"),
    ],
)
async def test_bad_uploads_are_refused_and_start_nothing(
    client: httpx.AsyncClient,
    tenant: Tenant,
    files: list[tuple[str, bytes]],
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/api/v1/admin/kb/documents",
        files=upload(*files) or {"nothing": (None, "here")},
        headers=tenant.admin_headers(),
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    jobs = await client.get("/api/v1/admin/kb/jobs", headers=tenant.admin_headers())
    assert jobs.json() == []


async def test_an_upload_over_the_limit_is_refused(
    settings: Settings, embedder: Embedder, maker: async_sessionmaker[AsyncSession]
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 4096})
    app = create_app(small, embedder)
    async with app.router.lifespan_context(app):
        tenant = await create_tenant(
            app.state.resources.sessionmaker, "Small", origins=["https://small.example"]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/api/v1/admin/kb/documents",
                files=upload(("big.md", b"# Big\n\n" + b"word " * 20_000)),
                headers=tenant.admin_headers(),
            )
            assert response.status_code == 413
            assert response.json()["error"]["code"] == "payload_too_large"
            fits = await client.post(
                "/api/v1/admin/kb/documents",
                files=upload(("small.md", b"# Small\n\nA short note.")),
                headers=tenant.admin_headers(),
            )
            assert fits.status_code == 202
    # A JSON body on other endpoints keeps its own, smaller limit.
    assert small.max_body_bytes == 65536


async def test_a_sync_job_fetches_a_site_and_removes_what_it_no_longer_has(
    settings: Settings, embedder: Embedder, site: Site
) -> None:
    site.page("/a", h1="Horaires", lang="fr")
    site.page("/b", h1="Retours", lang="fr")
    site.sitemap("/sitemap.xml", [site.url("/a"), site.url("/b")])
    allowed = settings.model_copy(update={"crawl_allow_private": True})
    app = create_app(allowed, embedder)
    async with app.router.lifespan_context(app):
        tenant = await create_tenant(
            app.state.resources.sessionmaker, "Site", origins=["https://site.example"]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = {"url": site.url("/sitemap.xml"), "max_pages": 10}
            started = await client.post(
                "/api/v1/admin/kb/sync", json=body, headers=tenant.admin_headers()
            )
            assert started.status_code == 202, started.text
            job = await wait_for_job(client, tenant, started.json()["id"])
            assert job["result"]["counts"] == {"ingested": 2}, job
            site.sitemap("/sitemap.xml", [site.url("/a")])
            again = await client.post(
                "/api/v1/admin/kb/sync", json=body, headers=tenant.admin_headers()
            )
            job = await wait_for_job(client, tenant, again.json()["id"])
            assert job["result"]["counts"] == {"unchanged": 1, "removed": 1}, job
            documents = await client.get(
                "/api/v1/admin/kb/documents", headers=tenant.admin_headers()
            )
            assert [d["source_uri"] for d in documents.json()] == [site.url("/a")]


async def test_a_sync_from_the_api_cannot_reach_private_addresses_by_default(
    client: httpx.AsyncClient, tenant: Tenant, site: Site
) -> None:
    site.page("/admin", h1="Internal")
    started = await client.post(
        "/api/v1/admin/kb/sync", json={"url": site.url("/admin")}, headers=tenant.admin_headers()
    )
    job = await wait_for_job(client, tenant, started.json()["id"])
    assert job["status"] == "succeeded"
    (page,) = job["result"]["files"]
    assert page["status"] == "error" and "private or local address" in page["error"]
    assert site.requests == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "file:///etc/passwd"},
        {"url": "/srv/kb"},
        {"url": "https://shop.example", "max_pages": 0},
        {"url": "https://shop.example", "max_depth": 99},
        {"url": "https://shop.example", "extra": 1},
    ],
)
async def test_bad_sync_requests_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/admin/kb/sync", json=body, headers=tenant.admin_headers())
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


async def test_unknown_jobs_are_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for bad in ("0" * 32, "nope"):
        response = await client.get(f"/api/v1/admin/kb/jobs/{bad}", headers=tenant.admin_headers())
        assert response.status_code == 404 and response.json()["error"]["code"] == "job_not_found"


async def test_jobs_left_by_a_stopped_server_run_in_the_next_one(
    settings: Settings, embedder: Embedder, app: FastAPI, tenant: Tenant
) -> None:
    """One job was accepted just before the server stopped; another was running in a
    process that died (its heartbeat went stale). The next server process runs both."""
    await app.state.resources.job_runner.stop()  # this server runs no more jobs
    maker = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        queued = await jobs_service.create_job(
            session, tenant.id, "kb_upload", {}, [("later.md", b"# Later\n\nQueued text.")]
        )
        orphan = await jobs_service.create_job(
            session, tenant.id, "kb_upload", {}, [("orphan.md", b"# Orphan\n\nLost runner.")]
        )
        orphan.status, orphan.attempts = "running", 1
        orphan.heartbeat_at = utcnow() - timedelta(minutes=5)
    restarted = create_app(settings, embedder)
    async with restarted.router.lifespan_context(restarted):
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = await wait_for_job(client, tenant, queued.id)
            second = await wait_for_job(client, tenant, orphan.id)
    assert first["status"] == "succeeded" and first["result"]["counts"] == {"ingested": 1}
    assert second["status"] == "succeeded" and second["attempts"] == 2


async def test_a_running_job_with_a_live_heartbeat_is_left_alone(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    maker = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        job = await jobs_service.create_job(session, tenant.id, "kb_upload", {}, [])
        job.status, job.attempts, job.heartbeat_at = "running", 1, utcnow()
    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    assert not await jobs_service.execute(runtime, job.id, HANDLERS)
    assert job.id not in await jobs_service.runnable_job_ids(maker)


async def test_a_job_stopped_by_its_runner_goes_back_to_the_queue(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    maker, job = await queued_job(app, tenant, "slow")
    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    task = await started_job(runtime, job, a_minute_of_work)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with maker() as session:
        again = await jobs_service.get_job(session, tenant.id, job.id)
    assert again.status == "queued" and again.attempts == 0


async def test_a_job_that_keeps_killing_its_runner_is_given_up(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    await app.state.resources.job_runner.stop()
    maker = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        job = await jobs_service.create_job(session, tenant.id, "kb_upload", {}, [])
        job.status, job.attempts = "running", jobs_service.MAX_ATTEMPTS
        job.heartbeat_at = utcnow() - timedelta(minutes=5)
    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    assert await jobs_service.execute(runtime, job.id, HANDLERS)
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
    assert ended.status == "failed" and "gave up after 3 attempts" in (ended.error or "")


async def test_a_runner_that_lost_its_job_writes_nothing(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    """Runner A stalls long enough for its job to look abandoned; runner B takes it over.
    A's later heartbeats, hand-back or outcome must not touch B's run."""
    maker, job = await queued_job(app, tenant, "slow")
    a_started, b_started, release_b = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow_a(*_: Any) -> dict[str, Any]:
        a_started.set()
        await asyncio.sleep(60)
        return {}

    async def slow_b(*_: Any) -> dict[str, Any]:
        b_started.set()
        await release_b.wait()
        return {"by": "b"}

    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    a = asyncio.create_task(jobs_service.execute(runtime, job.id, {"slow": slow_a}))
    await a_started.wait()
    async with session_scope(maker) as session:  # A's heartbeat stops for a while…
        stale = await jobs_service.get_job(session, tenant.id, job.id)
        stale.heartbeat_at = utcnow() - timedelta(minutes=5)
    b = asyncio.create_task(jobs_service.execute(runtime, job.id, {"slow": slow_b}))
    await b_started.wait()
    a.cancel()  # …then A stops and tries to hand the job back (unless its own
    with contextlib.suppress(asyncio.CancelledError):  # heartbeat saw the loss first)
        await a
    async with maker() as session:
        assert (await jobs_service.get_job(session, tenant.id, job.id)).status == "running"
    release_b.set()
    assert await b
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
    assert ended.status == "succeeded" and ended.result == {"by": "b"} and ended.attempts == 2


async def test_a_tenant_cannot_queue_jobs_without_end(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await app.state.resources.job_runner.stop()  # nothing runs: every job stays queued
    for _ in range(jobs_service.MAX_WAITING_PER_TENANT):
        accepted = await client.post(
            "/api/v1/admin/kb/sync",
            json={"url": "https://a.example/"},
            headers=tenant.admin_headers(),
        )
        assert accepted.status_code == 202
    refused = await client.post(
        "/api/v1/admin/kb/sync", json={"url": "https://a.example/"}, headers=tenant.admin_headers()
    )
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_jobs"
    # Another tenant is not held back, and its job comes first for a runner: the first
    # tenant's jobs are not run two at a time.
    theirs = await client.post(
        "/api/v1/admin/kb/sync",
        json={"url": "https://b.example/"},
        headers=other_tenant.admin_headers(),
    )
    assert theirs.status_code == 202
    maker = app.state.resources.sessionmaker
    first = (await jobs_service.runnable_job_ids(maker))[0]
    async with session_scope(maker) as session:
        running = await jobs_service.get_job(session, tenant.id, first)
        running.status, running.heartbeat_at = "running", utcnow()
    waiting = await jobs_service.runnable_job_ids(maker, limit=100)
    assert waiting == [theirs.json()["id"]]


async def test_a_queued_job_is_cancelled_at_once_and_never_runs(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await app.state.resources.job_runner.stop()  # nothing runs: the job stays queued
    accepted = await client.post(
        "/api/v1/admin/kb/documents",
        files=upload(("faq.json", json.dumps(FAQ).encode())),
        headers=tenant.admin_headers(),
    )
    job_id = accepted.json()["id"]
    url = f"/api/v1/admin/kb/jobs/{job_id}/cancel"
    # Another tenant's key sees no such job.
    theirs = await client.post(url, headers=other_tenant.admin_headers())
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "job_not_found"
    cancelled = await client.post(url, headers=tenant.admin_headers())
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["finished_at"]
    again = await client.post(url, headers=tenant.admin_headers())
    assert again.status_code == 409 and again.json()["error"]["code"] == "job_ended"
    maker = app.state.resources.sessionmaker
    assert job_id not in await jobs_service.runnable_job_ids(maker)
    async with maker() as session:
        assert await jobs_service.job_files(session, tenant.id, job_id) == []  # upload dropped
    unknown = await client.post(
        f"/api/v1/admin/kb/jobs/{'0' * 32}/cancel", headers=tenant.admin_headers()
    )
    assert unknown.status_code == 404


async def test_a_running_job_stops_at_its_next_heartbeat_and_keeps_its_progress(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    maker, job = await queued_job(app, tenant, "slow", [("a.md", b"# A")])
    started, steps = asyncio.Event(), []

    async def slow(_: Any, __: Any, progress: jobs_service.JobProgress) -> dict[str, Any]:
        for step in range(600):
            progress("embed", step, 600)
            steps.append(step)
            started.set()
            await asyncio.sleep(0.05)
        return {"finished": True}

    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    task = asyncio.create_task(jobs_service.execute(runtime, job.id, {"slow": slow}))
    await started.wait()
    await asyncio.sleep(1.2)  # a heartbeat has written some progress
    asked = await client.post(
        f"/api/v1/admin/kb/jobs/{job.id}/cancel", headers=tenant.admin_headers()
    )
    assert asked.status_code == 200 and asked.json()["status"] == "cancelling"
    assert await asyncio.wait_for(task, timeout=10)  # the runner ends it, as done
    ran = len(steps)
    await asyncio.sleep(0.3)
    assert len(steps) == ran < 600  # the handler stopped for good
    shown = await client.get(f"/api/v1/admin/kb/jobs/{job.id}", headers=tenant.admin_headers())
    ended = shown.json()
    assert ended["status"] == "cancelled" and ended["result"] is None and ended["finished_at"]
    assert ended["stage"] == "embed" and 0 < ended["done"] < 600
    async with maker() as session:
        assert await jobs_service.job_files(session, tenant.id, job.id) == []
    late = await client.post(
        f"/api/v1/admin/kb/jobs/{job.id}/cancel", headers=tenant.admin_headers()
    )
    assert late.status_code == 409


async def test_a_cancellation_whose_runner_died_ends_as_cancelled(
    app: FastAPI, tenant: Tenant
) -> None:
    await app.state.resources.job_runner.stop()
    maker = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        job = await jobs_service.create_job(session, tenant.id, "kb_upload", {}, [("a.md", b"#")])
        job.status, job.attempts = "cancelling", 1
        job.heartbeat_at = utcnow() - timedelta(minutes=5)
    await jobs_service.runnable_job_ids(maker)  # a runner's periodic look, which sweeps
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
        assert ended.status == "cancelled" and ended.finished_at is not None
        assert await jobs_service.job_files(session, tenant.id, job.id) == []


async def test_a_runner_stopping_while_its_job_is_cancelled_records_it_cancelled(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    maker, job = await queued_job(app, tenant, "slow")
    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    task = await started_job(runtime, job, a_minute_of_work)
    async with write_scope(maker) as session:
        await jobs_service.cancel_job(session, tenant.id, job.id)
    task.cancel()  # the server shuts down before the next heartbeat
    with pytest.raises(asyncio.CancelledError):
        await task
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
    assert ended.status == "cancelled"  # not handed back to the queue


async def test_cancelling_a_job_whose_runner_is_gone_ends_it_at_once(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await app.state.resources.job_runner.stop()
    maker = app.state.resources.sessionmaker
    async with session_scope(maker) as session:
        job = await jobs_service.create_job(session, tenant.id, "kb_upload", {}, [("a.md", b"#")])
        job.status, job.attempts = "running", 1
        job.heartbeat_at = utcnow() - timedelta(minutes=5)
    asked = await client.post(
        f"/api/v1/admin/kb/jobs/{job.id}/cancel", headers=tenant.admin_headers()
    )
    assert asked.status_code == 200 and asked.json()["status"] == "cancelled"
    assert job.id not in await jobs_service.runnable_job_ids(maker)


async def test_a_runner_that_lost_its_job_stops_working_on_it(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    """A stalls, B takes the job over, then an admin cancels it: both runners stop, and
    only B, which held the job, records the outcome."""
    maker, job = await queued_job(app, tenant, "slow")
    a_steps: list[int] = []
    a_started, b_started = asyncio.Event(), asyncio.Event()

    async def slow_a(*_: Any) -> dict[str, Any]:
        for step in range(1000):
            a_steps.append(step)
            a_started.set()
            await asyncio.sleep(0.02)
        return {"by": "a"}

    async def slow_b(*_: Any) -> dict[str, Any]:
        b_started.set()
        await asyncio.sleep(60)
        return {"by": "b"}

    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    a = asyncio.create_task(jobs_service.execute(runtime, job.id, {"slow": slow_a}))
    await a_started.wait()
    async with session_scope(maker) as session:  # A's heartbeat looks lost…
        stale = await jobs_service.get_job(session, tenant.id, job.id)
        stale.heartbeat_at = utcnow() - timedelta(minutes=5)
    b = asyncio.create_task(jobs_service.execute(runtime, job.id, {"slow": slow_b}))
    await b_started.wait()
    async with write_scope(maker) as session:
        await jobs_service.cancel_job(session, tenant.id, job.id)
    assert await asyncio.wait_for(a, timeout=10) and await asyncio.wait_for(b, timeout=10)
    stopped = len(a_steps)
    await asyncio.sleep(0.2)
    assert len(a_steps) == stopped < 1000
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
    assert ended.status == "cancelled" and ended.attempts == 2 and ended.result is None


async def test_a_job_that_ends_while_it_is_being_cancelled_keeps_its_outcome(
    app: FastAPI, tenant: Tenant, embedder: Embedder, settings: Settings
) -> None:
    maker, job = await queued_job(app, tenant, "quick")
    release = asyncio.Event()

    async def quick(*_: Any) -> dict[str, Any]:
        await release.wait()
        return {"done": True}

    runtime = jobs_service.JobRuntime(maker, embedder, settings)
    task = await started_job(runtime, job, quick)
    async with write_scope(maker) as session:
        assert (await jobs_service.cancel_job(session, tenant.id, job.id)).status == "cancelling"
    release.set()  # its work ends before the next heartbeat sees the request
    assert await task
    async with maker() as session:
        ended = await jobs_service.get_job(session, tenant.id, job.id)
    assert ended.status == "succeeded" and ended.result == {"done": True}
