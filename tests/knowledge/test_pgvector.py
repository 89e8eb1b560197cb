"""The pgvector backend, on a real PostgreSQL 16 + pgvector started from the pgserver wheel.

The same knowledge base is searched through both backends to check that they rank
alike; tenants, revisions and concurrent workers are checked on the pgvector side.
"""

import asyncio
import re
import shutil
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist import migrate
from libriassist.ai.embedder import Embedder
from libriassist.config import Settings
from libriassist.db import session_scope
from libriassist.knowledge import pgvector_search
from libriassist.knowledge import service as knowledge_service
from libriassist.knowledge.index import IndexCache
from libriassist.knowledge.models import KnowledgeChunk, KnowledgeDocument
from libriassist.knowledge.pgvector_search import PgvectorUnavailable
from libriassist.knowledge.repository import ChunkRepository
from libriassist.knowledge.retrieval import FUSION_DEPTH, Mode, SearchBackend
from libriassist.knowledge.schemas import SearchHit
from libriassist.main import create_app
from libriassist.tenants import service as tenants_service
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
    async with session_scope(maker) as session:
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
    await _search(pg_maker, embedder, shop.id, "livraison", "pgvector")  # starts the build
    await pgvector_search.index_builds()
    approximate = [
        await _search(pg_maker, embedder, shop.id, q, "pgvector", lang, mode="dense")
        for q, lang in QUESTIONS
    ]
    assert [h[0].chunk_id for h in approximate] == [h[0].chunk_id for h in exact]
    name = pgvector_search.hnsw_index_name(shop.id, embedder.model_id, embedder.dim)
    assert await _count(pg_maker, f"SELECT count(*) FROM pg_indexes WHERE indexname = '{name}'")


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
        assert await _count(first, "SELECT count(*) FROM knowledge_terms") == 0


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


async def _add_chunks(
    maker: async_sessionmaker[AsyncSession], tenant_id: str, embedder: Embedder, count: int
) -> None:
    """``count`` chunks with random vectors, written as ingestion would (bumps the revision)."""
    rng = np.random.default_rng(count)
    vectors = rng.standard_normal((count, embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["livraison", "reliure", "papier", "colis", "marge", "retour", "devis", "agrafe"]
    async with session_scope(maker) as session:
        document = uuid.uuid4().hex
        await session.execute(
            insert(KnowledgeDocument),
            [
                {
                    "id": document,
                    "tenant_id": tenant_id,
                    "source_uri": "random",
                    "title": "random",
                    "format": "markdown",
                    "language": "fr",
                    "content_hash": document,
                }
            ],
        )
        await session.execute(
            insert(KnowledgeChunk),
            [
                {
                    "id": uuid.uuid4().hex,
                    "tenant_id": tenant_id,
                    "document_id": document,
                    "ordinal": i,
                    "kind": "section",
                    "title": "",
                    "text": " ".join(rng.choice(words, size=12)),
                    "language": "fr",
                    "content_hash": str(i),
                    "embedding": vectors[i].tobytes(),
                    "embedding_model": embedder.model_id,
                    "embedding_dim": embedder.dim,
                }
                for i in range(count)
            ],
        )
        await tenants_service.new_kb_revision(session, tenant_id)


async def test_a_large_tenant_gets_its_own_hnsw_index_searched_to_the_fusion_depth(
    pg_maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop = await create_tenant(pg_maker, "Alpha", origins=["https://alpha.example"])
    other = await create_tenant(pg_maker, "Beta", origins=["https://beta.example"])
    await _add_chunks(pg_maker, shop.id, embedder, 400)
    await _add_chunks(pg_maker, other.id, embedder, 50)
    monkeypatch.setattr(pgvector_search, "EXACT_SCAN_LIMIT", 300)
    rng = np.random.default_rng(3)
    questions = rng.standard_normal((10, embedder.dim)).astype(np.float32)
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)

    async def states() -> dict[str, pgvector_search.SyncState]:
        found = {}
        async with pg_maker() as session:
            for tenant_id in (shop.id, other.id):
                revision = await tenants_service.current_kb_revision(session, tenant_id)
                found[tenant_id] = await pgvector_search.current_state(
                    session, tenant_id, revision, embedder.model_id
                )
        return found

    assert (await states())[shop.id].hnsw_index is None  # scanned exactly until built
    await pgvector_search.index_builds()  # once the session above has ended
    after = await states()
    state = after[shop.id]
    assert state.hnsw_index == pgvector_search.hnsw_index_name(
        shop.id, embedder.model_id, embedder.dim
    )
    assert after[other.id].hnsw_index is None  # small: scanned exactly
    async with pg_maker() as session:
        # 400 rows are cheaper to sort than to search in a graph, in the planner's eyes
        # (it takes the index by itself for thousands): keep the btree and sort out.
        await session.execute(text("SET LOCAL enable_sort = off"))
        recall = []
        for vector in questions:
            found = await pgvector_search.candidates(
                session, shop.id, state, vector, "", "fr", "dense"
            )
            exact = await pgvector_search.candidates(
                session, shop.id, replace(state, hnsw_index=None), vector, "", "fr", "dense"
            )
            # hnsw.ef_search is raised within the statement: pgvector's default (40)
            # would return 40 rows.
            assert len(found.chunk_ids) == len(exact.chunk_ids) == FUSION_DEPTH
            assert found.chunk_ids[0] == exact.chunk_ids[0]
            recall.append(len(set(found.chunk_ids[:10]) & set(exact.chunk_ids[:10])) / 10)
        assert np.mean(recall) >= 0.9
        # The tenant's index serves the query in a generic plan too (a prepared
        # statement's, after a few runs), where the parameters' values are unknown.
        sql = pgvector_search._dense_sql(state, embedder.dim, shop.id)
        for number, name in enumerate(("tenant_id", "vector", "model", "depth", "ef_search")):
            sql = re.sub(f"(?<!:):{name}\\b", f"${number + 1}", sql)
        await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        connection = await session.connection()
        await connection.exec_driver_sql(f"PREPARE dense(text, real[], text, int, text) AS {sql}")
        vector = "ARRAY[" + ", ".join(map(str, questions[0])) + "]"
        plan = await connection.exec_driver_sql(
            f"EXPLAIN EXECUTE dense('{shop.id}', {vector}, '{embedder.model_id}', 100, '100')"
        )
        assert state.hnsw_index in str(plan.all())
        await session.rollback()
    # Another tenant's search never reads this index, and a deleted tenant's index goes
    # at the next start-up.
    async with session_scope(pg_maker) as session:
        await session.execute(text("DELETE FROM tenants WHERE id = :id"), {"id": shop.id})
    engine = pg_maker.kw["bind"]
    await pgvector_search.ensure_schema(engine)
    assert not await _count(
        pg_maker, f"SELECT count(*) FROM pg_indexes WHERE indexname = '{state.hnsw_index}'"
    )


async def _lexical_scores(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, tenant_id: str, backend: str
) -> list[list[tuple[str, float]]]:
    scores = []
    for question, language in QUESTIONS:
        hits = await _search(
            maker,
            embedder,
            tenant_id,
            question,
            backend,
            language,
            20,
            "lexical",  # type: ignore[arg-type]
        )
        scores.append(sorted((h.chunk_id, round(h.lexical, 3)) for h in hits if h.lexical > 0))
    return scores


async def test_bm25_follows_additions_changes_and_deletions_exactly(
    pg_maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deleted chunks stay in the posting lists until a compaction, skipped meanwhile;
    both states, and new segments, must score as the memory backend does."""
    shop = await create_tenant(pg_maker, "Papyrus", origins=["https://papyrus.example"])
    kb = tmp_path / "kb"
    shutil.copytree(DEMO_KB, kb)
    await knowledge_service.ingest_path(pg_maker, shop.id, embedder, kb)

    async def agree() -> None:
        memory = await _lexical_scores(pg_maker, embedder, shop.id, "memory")
        pg = await _lexical_scores(pg_maker, embedder, shop.id, "pgvector")
        assert [[c for c, _ in q] for q in pg] == [[c for c, _ in q] for q in memory]
        for ours, theirs in zip(pg, memory, strict=True):
            assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=2e-3)

    async def sync_row() -> tuple[int, int, int]:
        async with pg_maker() as session:
            row = await session.execute(
                text(
                    "SELECT segments, length(dead) / 4, (SELECT count(*) FROM knowledge_terms "
                    "WHERE tenant_id = :t) FROM knowledge_vector_sync WHERE tenant_id = :t"
                ),
                {"t": shop.id},
            )
            segments, dead, rows = row.one()
            return int(segments), int(dead), int(rows)

    await agree()
    assert (await sync_row())[:2] == (1, 0)
    # A changed file: its old chunks die (still in the postings), new ones are a segment.
    guide = kb / "guide-preparation-fichiers.md"
    guide.write_text(
        guide.read_text(encoding="utf-8") + "\n\n## Reliure\n\nReliure spirale en 48 h.\n",
        encoding="utf-8",
    )
    await knowledge_service.ingest_path(pg_maker, shop.id, embedder, kb)
    await agree()
    segments, dead, _ = await sync_row()
    assert segments == 2 and dead > 0
    # Removing a document, with compaction on any dead chunk: one segment, none dead.
    monkeypatch.setattr(pgvector_search, "DEAD_SHARE", 0.0)
    async with session_scope(pg_maker) as session:
        documents = await knowledge_service.list_documents(session, shop.id)
        target = next(d for d in documents if d.source_uri.endswith("faq-fr.json"))
        await knowledge_service.delete_document(session, shop.id, target.id)
    await agree()
    segments, dead, rows = await sync_row()
    assert (segments, dead) == (1, 0) and rows > 0
