"""The pgvector backend, on a real PostgreSQL 16 + pgvector started from the pgserver wheel.

The same knowledge base is searched through both backends to check that they rank
alike; tenants, revisions and concurrent workers are checked on the pgvector side.
"""

import asyncio
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist import migrate
from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.db import session_scope
from libriassist.knowledge import pgvector_search
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.index import IndexCache
from libriassist.knowledge.pgvector_search import PgvectorUnavailable
from libriassist.knowledge.repository import ChunkRepository
from libriassist.knowledge.retrieval import Mode, SearchBackend
from libriassist.knowledge.schemas import SearchHit
from libriassist.main import create_app
from tests.conftest import SHOP_FAQ, TABLES
from tests.factories import Tenant, create_tenant, ingest_faq

# Shared so the background questions are embedded once; the pgvector backend keeps
# nothing else in it, and the memory backend's index follows the KB revision.
BACKGROUND = IndexCache()
DEMO_KB = Path(__file__).resolve().parents[2] / "src/libriassist/demo/tenants/papyrus/kb"

QUESTIONS = [
    ("Quels sont les délais de livraison ?", "fr"),
    ("Combien coûte la livraison en Belgique ?", "fr"),
    ("Quelle résolution pour mes images ?", "fr"),
    ("Can I pay by bank transfer?", "en"),
    ("How long does printing take?", "en"),
    ("¿Puedo devolver un pedido?", "es"),
    ("fond perdu marge PDF", "fr"),
    ("reliure spirale ou agrafée", "fr"),
    ("ISBN dépôt légal", "fr"),
    ("zzz qwerty", "fr"),
]


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """A throwaway PostgreSQL 16 with pgvector, migrated, for this test session."""
    # Not under pytest's private temp dir: as root, pgserver runs the server as another
    # user, who must be able to reach the data directory.
    folder = Path(tempfile.mkdtemp(prefix="libriassist-pgvector-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        server = pgserver.get_server(folder / "pgdata", "delete")
    # e.g. postgresql://postgres:@/postgres?host=/socket/dir (a unix socket, no port)
    url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg")
    rendered = url.render_as_string(hide_password=False)
    migrate.upgrade(rendered)
    yield rendered
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _settings(url: str, folder: Path) -> Settings:
    return Settings(data_dir=folder, database_url=url, search_backend="pgvector")


@pytest.fixture
async def pg_app(pgvector_url: str, embedder: Embedder, tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(_settings(pgvector_url, tmp_path / "one"), embedder)
    async with application.router.lifespan_context(application):
        yield application
        async with application.state.resources.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))


@pytest.fixture
def pg_maker(pg_app: FastAPI) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = pg_app.state.resources.sessionmaker
    return maker


async def _search(
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tenant_id: str,
    query: str,
    backend: SearchBackend,
    language: str | None = None,
    limit: int = 5,
    mode: Mode = "hybrid",
) -> list[SearchHit]:
    async for session in session_scope(maker):
        return await knowledge_service.search(
            session,
            tenant_id,
            embedder,
            BACKGROUND,
            query,
            language,
            limit,
            mode,
            backend=backend,
        )
    raise AssertionError("unreachable")


async def _count(maker: async_sessionmaker[AsyncSession], sql: str) -> int:
    async with maker() as session:
        return int((await session.execute(text(sql))).scalar_one())


def test_pgvector_needs_postgresql() -> None:
    with pytest.raises(ValidationError, match="SEARCH_BACKEND=pgvector needs PostgreSQL"):
        Settings(search_backend="pgvector")
    assert Settings(search_backend="pgvector", database_url="postgresql+asyncpg://h/db")


async def test_start_up_without_the_extension_names_the_fix(
    postgres_url: str, embedder: Embedder, tmp_path: Path
) -> None:
    # The suite's own PostgreSQL 15 has no pgvector.
    application = create_app(_settings(postgres_url, tmp_path), embedder)
    with pytest.raises(PgvectorUnavailable, match="CREATE EXTENSION vector"):
        async with application.router.lifespan_context(application):
            pass


async def test_both_backends_rank_alike_and_the_hnsw_path_finds_the_same(
    pg_maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop = await create_tenant(pg_maker, "Papyrus", origins=["https://papyrus.example"])
    kb = tmp_path / "kb"
    shutil.copytree(DEMO_KB, kb)
    report = await knowledge_service.ingest_path(pg_maker, shop.id, embedder, kb)
    assert len(report.files) == 4 and not report.failed
    for mode in ("hybrid", "lexical", "dense"):
        for question, language in QUESTIONS:
            memory = await _search(
                pg_maker, embedder, shop.id, question, "memory", language, 5, mode
            )
            pg = await _search(pg_maker, embedder, shop.id, question, "pgvector", language, 5, mode)
            if mode == "lexical":
                # Only matching chunks count (memory pads with arbitrary zero scores).
                memory = [h for h in memory if h.lexical > 0]
                pg = [h for h in pg if h.lexical > 0]
                # Equal scores may come in either order; the scores themselves must agree.
                assert [h.lexical for h in pg] == pytest.approx(
                    [h.lexical for h in memory], abs=1e-3
                )
                assert not memory or pg[0].chunk_id == memory[0].chunk_id, question
                continue
            assert len(pg) == len(memory) == 5, (mode, question)
            same = {h.chunk_id for h in memory} & {h.chunk_id for h in pg}
            assert pg[0].chunk_id == memory[0].chunk_id, (mode, question)
            assert len(same) >= 4, (mode, question)
            by_id = {h.chunk_id: h for h in memory}
            for hit in pg:
                if hit.chunk_id in by_id:
                    twin = by_id[hit.chunk_id]
                    assert hit.score == pytest.approx(twin.score, abs=1e-3)
                    assert hit.lift == pytest.approx(twin.lift, abs=1e-3)
                    assert hit.lexical == pytest.approx(twin.lexical, abs=1e-3)
                    assert hit.model_dump(exclude={"score", "lift", "lexical", "rank_score"}) == (
                        twin.model_dump(exclude={"score", "lift", "lexical", "rank_score"})
                    )

    # Small tenants are scanned exactly; the HNSW path for large ones must agree here.
    exact = [
        await _search(pg_maker, embedder, shop.id, q, "pgvector", lang, mode="dense")
        for q, lang in QUESTIONS
    ]
    monkeypatch.setattr(pgvector_search, "EXACT_SCAN_LIMIT", 0)
    approximate = [
        await _search(pg_maker, embedder, shop.id, q, "pgvector", lang, mode="dense")
        for q, lang in QUESTIONS
    ]
    assert [h[0].chunk_id for h in approximate] == [h[0].chunk_id for h in exact]
    async with pg_maker() as session:
        # On a tiny table the tenant btree wins; without it (rolled back below), the query
        # form must match the HNSW expression index, or large tenants get a full scan.
        await session.execute(text("DROP INDEX ix_knowledge_vectors_tenant_id_model"))
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await session.execute(
            text(
                "EXPLAIN SELECT chunk_id FROM knowledge_vectors WHERE embedding_model = :m "
                f"ORDER BY embedding::vector({embedder.dim}) <=> "
                f"CAST(array_fill(0.1, ARRAY[{embedder.dim}]) AS vector({embedder.dim})) LIMIT 5"
            ),
            {"m": embedder.model_id},
        )
        assert pgvector_search.hnsw_index_name(embedder.model_id, embedder.dim) in str(plan.all())
        await session.rollback()


async def test_a_tenant_never_finds_another_tenants_chunks(
    pg_maker: async_sessionmaker[AsyncSession], embedder: Embedder, tmp_path: Path
) -> None:
    alpha = await create_tenant(pg_maker, "Alpha", origins=["https://alpha.example"])
    beta = await create_tenant(pg_maker, "Beta", origins=["https://beta.example"])
    await ingest_faq(pg_maker, embedder, alpha.id, SHOP_FAQ, tmp_path / "a")
    # The same entries and one more: every query matches both tenants' chunks.
    secret = {"question": "Code promo du personnel ?", "answer": "BETA-SECRET-77", "language": "fr"}
    await ingest_faq(pg_maker, embedder, beta.id, [*SHOP_FAQ, secret], tmp_path / "b")
    async with pg_maker() as session:
        alpha_ids = await _chunk_ids(session, alpha.id, embedder)
        beta_ids = await _chunk_ids(session, beta.id, embedder)
    for mode in ("hybrid", "lexical", "dense"):
        for question in ("délais de livraison", "Code promo du personnel BETA-SECRET-77"):
            for tenant_id, own in ((alpha.id, alpha_ids), (beta.id, beta_ids)):
                hits = await _search(
                    pg_maker, embedder, tenant_id, question, "pgvector", "fr", 50, mode
                )
                found = {h.chunk_id for h in hits}
                # Lexical mode lists matching chunks only; the others list every chunk.
                assert found <= own if mode == "lexical" else found == own
            assert all("BETA-SECRET" not in h.text for h in hits if h.chunk_id in alpha_ids)


async def _chunk_ids(session: AsyncSession, tenant_id: str, embedder: Embedder) -> set[str]:
    rows = await ChunkRepository(session, tenant_id).all_for_index(embedder.model_id)
    return {row.id for row in rows}


async def test_changes_are_seen_by_the_next_search_of_every_instance(
    pg_app: FastAPI,
    pgvector_url: str,
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    first: async_sessionmaker[AsyncSession] = pg_app.state.resources.sessionmaker
    second_app = create_app(_settings(pgvector_url, tmp_path / "two"), embedder)
    async with second_app.router.lifespan_context(second_app):
        second: async_sessionmaker[AsyncSession] = second_app.state.resources.sessionmaker
        shop = await create_tenant(first, "Alpha", origins=["https://alpha.example"])
        await ingest_faq(first, embedder, shop.id, SHOP_FAQ, tmp_path / "kb")
        question = "Puis-je retourner un article ?"
        hits = await _search(second, embedder, shop.id, question, "pgvector", "fr")
        assert "30 jours" in hits[0].text
        assert await _count(first, "SELECT count(*) FROM knowledge_vectors") == len(SHOP_FAQ)

        # Re-ingest through the first instance: the second answers from the new text.
        changed = [*SHOP_FAQ[:2], {**SHOP_FAQ[2], "answer": "Oui, sous 60 jours."}]
        await ingest_faq(first, embedder, shop.id, changed, tmp_path / "kb")
        hits = await _search(second, embedder, shop.id, question, "pgvector", "fr")
        assert "60 jours" in hits[0].text and all("30 jours" not in h.text for h in hits)
        assert await _count(first, "SELECT count(*) FROM knowledge_vectors") == len(SHOP_FAQ)

        # Delete through the HTTP API of the second: the first finds nothing.
        transport = httpx.ASGITransport(app=second_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            async with first() as session:
                documents = await knowledge_service.list_documents(session, shop.id)
            for document in documents:
                key = {"X-API-Key": shop.secret_key}
                deleted = await client.delete(
                    f"/api/v1/admin/kb/documents/{document.id}", headers=key
                )
                assert deleted.status_code == 204
        assert await _search(first, embedder, shop.id, question, "pgvector", "fr") == []
        assert await _count(first, "SELECT count(*) FROM knowledge_postings") == 0


async def test_concurrent_searches_sync_once(
    pg_maker: async_sessionmaker[AsyncSession], embedder: Embedder, tmp_path: Path
) -> None:
    shop = await create_tenant(pg_maker, "Alpha", origins=["https://alpha.example"])
    await ingest_faq(pg_maker, embedder, shop.id, SHOP_FAQ, tmp_path / "kb")
    results = await asyncio.gather(
        *(
            _search(pg_maker, embedder, shop.id, "délais de livraison", "pgvector", "fr")
            for _ in range(8)
        )
    )
    assert all([h.chunk_id for h in r] == [h.chunk_id for h in results[0]] for r in results)
    assert await _count(pg_maker, "SELECT count(*) FROM knowledge_vectors") == len(SHOP_FAQ)


async def test_the_http_api_and_the_chat_use_the_pgvector_backend(
    pg_app: FastAPI, pg_maker: async_sessionmaker[AsyncSession], embedder: Embedder, tmp_path: Path
) -> None:
    shop: Tenant = await create_tenant(pg_maker, "Alpha", origins=["https://alpha.example"])
    await ingest_faq(pg_maker, embedder, shop.id, SHOP_FAQ, tmp_path / "kb")
    transport = httpx.ASGITransport(app=pg_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        found = await client.post(
            "/api/v1/admin/kb/search",
            json={"query": "Quels sont les délais de livraison ?"},
            headers=shop.admin_headers(),
        )
        assert found.status_code == 200
        assert "3 à 5 jours" in found.json()["hits"][0]["text"]
        for odd in ("?!…", "a" * 2000, "' OR 1=1 --", "\u0000x"):
            reply = await client.post(
                "/api/v1/admin/kb/search", json={"query": odd}, headers=shop.admin_headers()
            )
            assert reply.status_code in (200, 422), odd
        chat = await client.post(
            "/api/v1/chat",
            json={"message": "Quels sont les délais de livraison ?"},
            headers=shop.widget_headers(),
        )
        assert chat.status_code == 200 and "3 à 5 jours" in chat.json()["answer"]
    assert await _count(pg_maker, "SELECT count(*) FROM knowledge_vector_sync") == 1
