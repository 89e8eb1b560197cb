"""Create (idempotently) the demo tenants, their knowledge bases and their keys.

Keys are stored hashed, so the demo keeps its own copy of the demo tenants' keys in
``DATA_DIR/demo-keys.json`` to print them and to put the publishable key in the pages.
"""

import json
import os
from importlib import resources as package_files
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.db import write_scope
from libriassist.errors import TenantNotFound
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.schemas import IngestReport
from libriassist.platform import service as platform_service
from libriassist.tenants import service as tenants_service
from libriassist.tenants.schemas import KeyKind, TenantSettings, TenantUpdate

KEYS_FILE = "demo-keys.json"


def demo_root() -> Traversable:
    return package_files.files("libriassist.demo")


def demo_tenant_ids() -> list[str]:
    return sorted(p.name for p in (demo_root() / "tenants").iterdir() if p.is_dir())


def page_template(name: str) -> str | None:
    page = demo_root() / "pages" / f"{name}.html"
    return page.read_text(encoding="utf-8") if page.is_file() else None


def read_keys(data_dir: Path) -> dict[str, dict[str, str]]:
    path = data_dir / KEYS_FILE
    if not path.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _write_keys(data_dir: Path, keys: dict[str, dict[str, str]]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEYS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


async def _key_works(session: AsyncSession, tenant_id: str, value: str | None) -> bool:
    if not value:
        return False
    key = await tenants_service.resolve_key(session, value)
    return key is not None and key.tenant_id == tenant_id


async def setup_tenant(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    origins: list[str],
    data_dir: Path,
    embedder: Embedder,
) -> tuple[dict[str, str], IngestReport]:
    """Create or refresh one demo tenant; returns its keys and the ingest report."""
    folder = demo_root() / "tenants" / tenant_id
    spec: dict[str, Any] = json.loads((folder / "tenant.json").read_text(encoding="utf-8"))
    spec.pop("id", None)
    settings = TenantSettings.model_validate({**spec, "allowed_origins": origins})
    keys = read_keys(data_dir)
    async with write_scope(maker) as session:
        keys[tenant_id] = await _tenant_and_keys(
            session, tenant_id, settings, keys.get(tenant_id, {})
        )
    _write_keys(data_dir, keys)
    with package_files.as_file(folder / "kb") as kb_path:
        report = await knowledge_service.ingest_path(maker, tenant_id, embedder, Path(kb_path))
    return keys[tenant_id], report


async def _tenant_and_keys(
    session: AsyncSession, tenant_id: str, settings: TenantSettings, mine: dict[str, str]
) -> dict[str, str]:
    try:
        await tenants_service.get_tenant(session, tenant_id)
        exists = True
    except TenantNotFound:
        exists = False
    if not exists:
        created = await platform_service.create_tenant(session, settings, tenant_id)
        mine = {"publishable_key": created.publishable_key, "secret_key": created.secret_key}
    else:
        await tenants_service.update_tenant(
            session, tenant_id, TenantUpdate.model_validate(settings.model_dump())
        )
        kinds: tuple[KeyKind, ...] = ("publishable", "secret")
        for kind in kinds:
            if not await _key_works(session, tenant_id, mine.get(f"{kind}_key")):
                issued = await tenants_service.rotate_key(session, tenant_id, kind)
                mine[f"{kind}_key"] = issued.key
    return mine
