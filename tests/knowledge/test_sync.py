"""kb sync: the knowledge base converges to its source, doing no work for what did not change."""

import json
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.knowledge import service as knowledge_service
from tests.factories import Tenant, ingest_faq


def write(folder: Path, name: str, content: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    (folder / name).write_text(text, encoding="utf-8")


def statuses(report: object) -> dict[str, str]:
    return {f.source_uri: f.status for f in report.files}  # type: ignore[attr-defined]


async def titles(client: httpx.AsyncClient, tenant: Tenant) -> set[str]:
    docs = await client.get("/api/v1/admin/kb/documents", headers=tenant.admin_headers())
    return {d["source_uri"] for d in docs.json()}


async def test_sync_adds_updates_removes_and_skips_the_unchanged(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    source = tmp_path / "site"
    write(
        source,
        "faq.json",
        [
            {
                "question": "Offrez-vous l'emballage cadeau ?",
                "answer": "Oui, pour 2 euros.",
                "language": "fr",
            }
        ],
    )
    write(
        source,
        "hours.md",
        "---\nlanguage: fr\n---\n# Horaires\nOuvert du mardi au samedi, de 10 h à 19 h.\n",
    )
    first = await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    assert statuses(first) == {"faq.json": "ingested", "hours.md": "ingested"}

    again = await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    assert statuses(again) == {"faq.json": "unchanged", "hours.md": "unchanged"}
    assert sum(f.embedded for f in again.files) == 0

    write(
        source,
        "faq.json",
        [
            {
                "question": "Offrez-vous l'emballage cadeau ?",
                "answer": "Oui, gratuitement.",
                "language": "fr",
            }
        ],
    )
    (source / "hours.md").unlink()
    write(
        source,
        "returns.md",
        "---\nlanguage: fr\n---\n# Retours\nVous avez 30 jours pour changer d'avis.\n",
    )
    changed = await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    assert statuses(changed) == {
        "faq.json": "updated",
        "returns.md": "ingested",
        "hours.md": "removed",
    }

    assert await titles(client, tenant) == {
        "faq.json",
        "returns.md",
    }  # plus nothing else of this source
    hits = await client.post(
        "/api/v1/admin/kb/search",
        json={"query": "horaires d'ouverture mardi samedi", "limit": 10},
        headers=tenant.admin_headers(),
    )
    assert all("mardi" not in h["text"] for h in hits.json()["hits"])


async def test_sync_keeps_what_failed_and_what_other_sources_own(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    before = await titles(client, tenant)  # the fixture's own FAQ, ingested by hand
    source = tmp_path / "docs"
    write(source, "guide.md", "---\nlanguage: fr\n---\n# Guide\nTout sur nos reliures.\n")
    await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    write(source, "guide.md", "")  # broken this time: the last good version stays
    report = await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    assert statuses(report) == {"guide.md": "error"}
    assert await titles(client, tenant) == before | {"guide.md"}

    other = tmp_path / "other"
    write(other, "news.md", "---\nlanguage: fr\n---\n# Nouveautés\nNouveau papier recyclé.\n")
    await knowledge_service.sync_source(maker, tenant.id, embedder, str(other))
    assert await titles(client, tenant) == before | {"guide.md", "news.md"}


async def test_sync_never_touches_another_tenant(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    source = tmp_path / "shared"
    write(source, "a.md", "---\nlanguage: fr\n---\n# A\nTexte A.\n")
    await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    await knowledge_service.sync_source(maker, other_tenant.id, embedder, str(source))
    (source / "a.md").unlink()
    write(source, "b.md", "---\nlanguage: fr\n---\n# B\nTexte B.\n")
    await knowledge_service.sync_source(maker, tenant.id, embedder, str(source))
    assert "a.md" in await titles(client, other_tenant)
    assert "a.md" not in await titles(client, tenant)
    await ingest_faq(maker, embedder, tenant.id, [{"question": "q", "answer": "a"}], tmp_path / "x")
