"""Plain helpers that create test data through the product's own services."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.db import write_scope
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.schemas import IngestReport
from libriassist.platform import service as platform_service
from libriassist.tenants.schemas import TenantSettings


@dataclass
class Tenant:
    id: str
    publishable_key: str
    secret_key: str
    origin: str

    def widget_headers(self, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.publishable_key, "Origin": self.origin, **extra}

    def admin_headers(self, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.secret_key, **extra}


async def create_tenant(
    maker: async_sessionmaker[AsyncSession],
    name: str,
    origins: list[str],
    language: str = "fr",
    **fields: Any,
) -> Tenant:
    settings = TenantSettings.model_validate(
        {"name": name, "allowed_origins": origins, "default_language": language, **fields}
    )
    async with write_scope(maker) as session:
        created = await platform_service.create_tenant(session, settings)
    return Tenant(
        created.id, created.publishable_key, created.secret_key, settings.allowed_origins[0]
    )


async def ingest_faq(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tenant_id: str,
    entries: list[dict[str, Any]],
    folder: Path,
    name: str = "faq.json",
) -> IngestReport:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return await knowledge_service.ingest_path(maker, tenant_id, embedder, path)
