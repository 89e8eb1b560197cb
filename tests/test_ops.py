import json
import logging
from pathlib import Path

import httpx
import pytest

from libriassist.ai.embedder import Embedder
from libriassist.kit.logging import JsonFormatter, request_id_var


async def test_health_and_readiness(client: httpx.AsyncClient, database_url: str) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == (
        "sqlite" if database_url.startswith("sqlite") else "postgresql"
    )


async def test_readiness_fails_when_the_database_is_gone(tmp_path: object) -> None:
    from libriassist.config import Settings
    from libriassist.main import create_app

    app = create_app(
        Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none"),
        embedder=object(),  # type: ignore[arg-type]
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_the_server_keeps_blas_to_one_thread(tmp_path: Path, embedder: Embedder) -> None:
    # OpenBLAS's extra threads spin after every small product: a core burnt per process.
    from threadpoolctl import threadpool_info, threadpool_limits

    from libriassist.config import Settings
    from libriassist.main import create_app

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    with threadpool_limits(2, user_api="blas"):  # as a process starts (on 2+ cores)
        app = create_app(Settings(data_dir=tmp_path), embedder)
        async with app.router.lifespan_context(app):
            assert blas_threads() == {1}


async def test_request_id_is_returned_and_kept(client: httpx.AsyncClient) -> None:
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    kept = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "a\tb" * 50})
    assert unsafe.headers["x-request-id"] != "a\tb" * 50


async def test_openapi_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "cdn." not in page.text
    script = page.text.split('<script src="')[1].split('"')[0]
    assert (await client.get(script)).status_code == 200
    assert "/api/v1/chat" in (await client.get("/openapi.json")).json()["paths"]


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": "hello %s", "args": ("you",)}
    )
    record.tenant_id = "alpha"
    token = request_id_var.set("req-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert (
        line["msg"] == "hello you"
        and line["request_id"] == "req-1"
        and line["tenant_id"] == "alpha"
    )


@pytest.mark.parametrize("path", ["/", "/demo"])
async def test_root_leads_to_the_demo(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, follow_redirects=True)
    assert response.status_code == 200 and "LibriAssist" in response.text


async def test_api_answers_are_never_cached(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/widget/config")
    assert response.headers["cache-control"] == "no-store"


async def test_readiness_needs_the_schema(tmp_path: Path, embedder: Embedder) -> None:
    from libriassist.config import Settings
    from libriassist.main import create_app

    app = create_app(Settings(data_dir=tmp_path), embedder)  # a fresh SQLite file, no migrations
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "schema_out_of_date"
