"""The settings cache: keys, tenants, model settings and quotas read once per few seconds,
a change made in this process seen at once, one made elsewhere within the TTL."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.db import create_engine, create_sessionmaker, session_scope, utcnow, write_scope
from libriassist.kit.settings_cache import WATCHED_TABLES, SettingsCache, read_revision
from libriassist.llm_config.models import TenantLLM
from libriassist.main import create_app
from libriassist.tenants.models import ApiKey, Tenant
from libriassist.usage_limits.models import TenantQuota, TenantUsage
from tests.factories import Tenant as Shop
from tests.sql_statements import sql_statements

CHAT = "/api/v1/chat"
QUESTION = {"message": "Quels sont les délais de livraison ?"}


async def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    cache = SettingsCache(60)
    reading, changed = asyncio.Event(), asyncio.Event()

    async def slow_read() -> str:
        reading.set()
        await changed.wait()
        return "old"

    task = asyncio.create_task(cache.at(1).get("tenant", "t1", slow_read))
    await reading.wait()
    newer = cache.at(2)  # another request saw the change's revision meanwhile
    changed.set()
    assert await task == "old"  # that request still gets what it read…
    assert len(cache) == 0  # …but keeps nothing

    async def fresh() -> str:
        return "new"

    async def slow_read_done(value: str) -> str:
        return value

    assert await newer.get("tenant", "t1", fresh) == "new"
    assert await cache.at(2).get("tenant", "t1", slow_read) == "new"  # kept: no read
    # A request that read an older revision (it began before the change, or the row was
    # emptied and started again) sees nothing kept at another revision.
    assert await cache.at(1).get("tenant", "t1", lambda: slow_read_done("older")) == "older"
    assert await cache.at(2).get("tenant", "t1", fresh) == "new"  # read again
    assert cache.revision == 2


async def test_requests_that_miss_together_share_one_read() -> None:
    cache = SettingsCache(60)
    reads: list[str] = []
    release = asyncio.Event()

    async def read(value: str = "row") -> str:
        reads.append(value)
        await release.wait()
        return value

    burst = [asyncio.create_task(cache.at(1).get("tenant", "t1", read)) for _ in range(10)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*burst) == ["row"] * 10
    assert reads == ["row"]  # one read for the ten
    # A first read that fails (or is not kept) leaves the others to read for themselves.
    release.clear()
    failures = 0

    async def failing() -> str:
        nonlocal failures
        failures += 1
        await release.wait()
        raise RuntimeError("the database went away")

    first = asyncio.create_task(cache.at(1).get("tenant", "t2", failing))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.at(1).get("tenant", "t2", lambda: read("own")))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    assert await second == "own" and failures == 1


async def test_a_burst_records_a_keys_last_use_once(
    client: httpx.AsyncClient, tenant: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from libriassist.tenants import service as tenants_service

    writes: list[str] = []
    original = tenants_service.record_use

    async def counting(session: AsyncSession, key: ApiKey) -> None:
        writes.append(key.id)
        await original(session, key)

    monkeypatch.setattr(tenants_service, "record_use", counting)
    burst = [client.post(CHAT, json=QUESTION, headers=tenant.widget_headers()) for _ in range(8)]
    assert all(r.is_success for r in await asyncio.gather(*burst))
    assert len(writes) == 1


async def test_entries_expire_and_none_is_kept_only_when_asked() -> None:
    cache = SettingsCache(0.05)
    view = cache.at(7)
    reads: list[str] = []

    async def load() -> str | None:
        reads.append("read")
        return None

    assert await view.get("llm_config", "t1", load) is None
    assert await view.get("llm_config", "t1", load) is None
    assert len(reads) == 1  # "no model settings" is an answer worth keeping
    await asyncio.sleep(0.06)
    await view.get("llm_config", "t1", load)
    assert len(reads) == 2
    await view.get("api_key", "h", load, keep_none=False)
    await view.get("api_key", "h", load, keep_none=False)
    assert len(reads) == 4  # an unknown key is asked again: it may have just been created

    off = SettingsCache(0).at(7)
    await off.get("tenant", "t1", load)
    await off.get("tenant", "t1", load)
    no_revision = SettingsCache(60).at(None)  # its row is missing: nothing can be trusted
    await no_revision.get("tenant", "t1", load)
    await no_revision.get("tenant", "t1", load)
    assert len(reads) == 8


async def test_the_cache_stays_within_its_size() -> None:
    cache = SettingsCache(60, max_entries=10)

    async def load() -> int:
        return 1

    for n in range(35):
        await cache.at(1).get("tenant", str(n), load)
        assert len(cache) <= 10


def reads_of_settings(seen: list[str]) -> list[str]:
    return [
        s
        for s in seen
        if s.lstrip().upper().startswith("SELECT")
        and any(f"FROM {t}" in s or f'FROM "{t}"' in s for t in WATCHED_TABLES)
    ]


async def test_a_warm_question_reads_no_settings_row(
    app: FastAPI, client: httpx.AsyncClient, tenant: Shop
) -> None:
    engine = app.state.resources.engine
    with sql_statements(engine) as seen:
        first = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert first.status_code == 200
    assert reads_of_settings(seen)  # the first question reads them…
    with sql_statements(engine) as seen:
        again = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert again.status_code == 200 and again.json()["answered_from_kb"]
    assert reads_of_settings(seen) == []  # …the next ones do not


async def test_changes_made_through_this_process_apply_at_once(
    app: FastAPI, client: httpx.AsyncClient, tenant: Shop
) -> None:
    assert (await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())).is_success
    # The origin is read from the (cached) tenant row: a new list applies to the next message.
    changed = await client.patch(
        "/api/v1/admin/tenant",
        json={"allowed_origins": ["https://new.example"]},
        headers=tenant.admin_headers(),
    )
    assert changed.status_code == 200
    refused = await client.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "origin_not_allowed"
    moved = {"X-API-Key": tenant.publishable_key, "Origin": "https://new.example"}
    assert (await client.post(CHAT, json=QUESTION, headers=moved)).is_success
    # A monthly quota set now stops the next message.
    quota = await client.put(
        "/api/v1/admin/quotas", json={"messages_per_month": 0}, headers=tenant.admin_headers()
    )
    assert quota.status_code == 200, quota.text
    over = await client.post(CHAT, json=QUESTION, headers=moved)
    assert over.status_code == 429 and over.json()["error"]["code"] == "quota_exceeded"


async def revision(maker: async_sessionmaker[AsyncSession]) -> int | None:
    async with session_scope(maker) as session:
        return await read_revision(session)


async def test_every_change_of_a_watched_table_moves_the_revision_but_a_keys_last_use(
    maker: async_sessionmaker[AsyncSession], tenant: Shop, settings: Settings
) -> None:
    async def moved(change: Any) -> bool:
        before = await revision(maker)
        async with write_scope(maker) as session:
            await session.execute(change)
        after = await revision(maker)
        assert before is not None and after is not None
        return after > before

    key = ApiKey.__table__.c
    assert not await moved(
        update(ApiKey).where(key.tenant_id == tenant.id).values(last_used_at=utcnow())
    )
    assert not await moved(update(TenantUsage).values(messages=TenantUsage.messages))
    assert await moved(update(ApiKey).where(key.tenant_id == tenant.id).values(revoked_at=utcnow()))
    assert await moved(update(Tenant).where(Tenant.id == tenant.id).values(name="Renamed"))
    assert await moved(
        TenantQuota.__table__.insert().values(tenant_id=tenant.id, messages_per_month=5)
    )
    assert await moved(delete(TenantQuota))
    assert await moved(TenantLLM.__table__.insert().values(tenant_id=tenant.id, mode="off"))
    if not settings.is_sqlite:
        # TRUNCATE runs no row triggers: PostgreSQL has a statement trigger for it.
        assert await moved(text("TRUNCATE tenant_quotas"))
    assert await moved(delete(Tenant).where(Tenant.id == tenant.id))


@pytest.fixture
async def second_worker(
    settings: Settings, embedder: Embedder, tenant: Shop
) -> AsyncIterator[httpx.AsyncClient]:
    # A second app on the same database: another worker process, as far as caches go.
    application = create_app(settings, embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_a_key_revoked_elsewhere_is_refused_at_once(
    client: httpx.AsyncClient, second_worker: httpx.AsyncClient, tenant: Shop, settings: Settings
) -> None:
    for worker in (client, second_worker):  # both keep the key
        ok = await worker.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
        assert ok.is_success
    # Revoked by SQL from elsewhere (the CLI, a fix by hand), then rotated through the first
    # worker's admin API.
    assert (
        await second_worker.get("/api/v1/admin/tenant", headers=tenant.admin_headers())
    ).is_success
    engine = create_engine(settings.resolved_database_url)
    try:
        async with write_scope(create_sessionmaker(engine)) as session:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.tenant_id == tenant.id, ApiKey.kind == "publishable")
                .values(revoked_at=utcnow())
            )
    finally:
        await engine.dispose()
    for worker in (client, second_worker):
        refused = await worker.post(CHAT, json=QUESTION, headers=tenant.widget_headers())
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"
    rotated = await client.post("/api/v1/admin/keys/secret/rotate", headers=tenant.admin_headers())
    assert rotated.status_code == 200
    gone = await second_worker.get("/api/v1/admin/tenant", headers=tenant.admin_headers())
    assert gone.status_code == 401
    new = {"X-API-Key": rotated.json()["key"]}
    assert (await second_worker.get("/api/v1/admin/tenant", headers=new)).is_success
