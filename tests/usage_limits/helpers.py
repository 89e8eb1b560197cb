"""Apps built with limits of a test's choosing, on the test's database."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.main import create_app
from libriassist.usage_limits.dependencies import get_clock
from tests.factories import Tenant


def with_settings(settings: Settings, **changes: Any) -> Settings:
    """The same instance (data dir, database, model) with other limits."""
    base = settings.model_dump(exclude_unset=True)
    return Settings(**{**base, **changes})


@asynccontextmanager
async def running_app(
    settings: Settings, embedder: Embedder
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, embedder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


class Clock:
    """A clock the test moves by hand (quota periods), installed on an app."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def install(self, app: FastAPI) -> None:
        app.dependency_overrides[get_clock] = lambda: lambda: self.now


async def chat(
    client: httpx.AsyncClient,
    tenant: Tenant,
    message: str = "Quels sont les délais de livraison ?",
    *,
    session: dict[str, Any] | None = None,
    stream: bool = False,
    **headers: str,
) -> httpx.Response:
    """One visitor message; ``session`` is a previous reply's body, to continue it."""
    body: dict[str, Any] = {"message": message}
    if session is not None:
        body["session_id"] = session["session_id"]
        headers["X-Session-Token"] = session["session_token"]
    if stream:
        headers["Accept"] = "text/event-stream"
    return await client.post("/api/v1/chat", json=body, headers=tenant.widget_headers(**headers))
