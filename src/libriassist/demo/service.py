"""Create (idempotently) the demo tenants, their knowledge bases, keys and demo shopper,
and fill in their pages.

Keys are stored hashed, so the demo keeps its own copy of the demo tenants' keys in
``DATA_DIR/demo-keys.json`` to print them and to put the publishable key in the pages.
"""

import html
import json
import os
from importlib import resources as package_files
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.db import write_scope
from libriassist.demo import shopper as demo_shopper
from libriassist.errors import NotFound, TenantNotFound
from libriassist.kit.secrets import SecretBox
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.schemas import IngestReport
from libriassist.llm_config import service as llm_service
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
    settings: Settings,
    embedder: Embedder,
) -> tuple[dict[str, str], IngestReport]:
    """Create or refresh one demo tenant; returns its keys and the ingest report."""
    folder = demo_root() / "tenants" / tenant_id
    spec: dict[str, Any] = json.loads((folder / "tenant.json").read_text(encoding="utf-8"))
    spec.pop("id", None)
    tenant = TenantSettings.model_validate({**spec, "allowed_origins": origins})
    data_dir = settings.data_dir
    keys = read_keys(data_dir)
    async with write_scope(maker) as session:
        keys[tenant_id] = await _tenant_and_keys(
            session, tenant_id, tenant, keys.get(tenant_id, {})
        )
        await demo_shopper.set_up(
            session, tenant_id, folder, llm_service.secret_box_for(settings), settings
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


# --- pages --------------------------------------------------------------------------


async def render_page(
    session: AsyncSession,
    tenant_id: str,
    data_dir: Path,
    backend: str,
    box: SecretBox,
    *,
    logged_in: bool,
) -> str:
    """The shop's page with the widget's snippet; logged in, with a fresh shopper token."""
    template = page_template(tenant_id) if tenant_id in demo_tenant_ids() else None
    keys = read_keys(data_dir).get(tenant_id)
    if template is None or keys is None:
        raise NotFound(
            f"No demo page '{tenant_id}'. Run `libriassist demo` to create the demo tenants."
        )
    shopper = demo_shopper.load(demo_root() / "tenants" / tenant_id)
    config: dict[str, str] = {"apiKey": keys["publishable_key"], "backendUrl": backend}
    if logged_in:
        config["userToken"] = await demo_shopper.token_for(session, tenant_id, shopper, box)
    return (
        template.replace("{{WIDGET_CONFIG}}", _script_json(config))
        .replace("{{ACCOUNT}}", _account(tenant_id, shopper, logged_in))
        .replace("{{BACKEND_URL}}", html.escape(backend))
    )


def _account(tenant_id: str, shopper: demo_shopper.DemoShopper, logged_in: bool) -> str:
    """The shop header's fake login: it switches between the two demo pages."""
    labels = {k: html.escape(v) for k, v in shopper.labels.items()}
    if not logged_in:
        return (
            f'<a class="demo-account" data-demo="log-in" href="/demo/{tenant_id}/shopper">'
            f"👤 {labels['log_in']}</a>"
        )
    who = labels["signed_in"].replace("{name}", html.escape(shopper.name))
    return (
        f'<span class="demo-account" data-demo="account">👤 {who} · '
        f'<a data-demo="log-out" href="/demo/{tenant_id}">{labels["log_out"]}</a></span>'
    )


def _script_json(value: dict[str, str]) -> str:
    # Inside <script>: no "</script>" or "<!--" can come out of a value.
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
