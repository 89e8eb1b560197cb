"""Identity tests: tenants without a knowledge base, a local JWKS server, fixed keys."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from libriassist.identity.jwks import JwksCache
from tests.factories import Tenant, create_tenant
from tests.identity.jwks_server import JwksServer, running
from tests.identity.keys import Clock, SigningKey, ec_key, rsa_key


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The JWKS server of the tests is on http://127.0.0.1: only the operator's consent
    # lets a tenant admin use such an address.
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, identity_allow_private=True
    )


@pytest.fixture
async def shop(maker: async_sessionmaker[AsyncSession]) -> Tenant:
    return await create_tenant(maker, "Alpha Books", origins=["https://alpha.example"])


@pytest.fixture
async def other_shop(maker: async_sessionmaker[AsyncSession]) -> Tenant:
    return await create_tenant(maker, "Beta Aceites", origins=["https://beta.example"])


@pytest.fixture(scope="session")
def jwks_server_session() -> Iterator[JwksServer]:
    with running(JwksServer()) as server:
        yield server


@pytest.fixture
def jwks_server(jwks_server_session: JwksServer) -> Iterator[JwksServer]:
    jwks_server_session.reset()
    yield jwks_server_session
    jwks_server_session.reset()


@pytest.fixture(scope="session")
def rsa_old() -> SigningKey:
    return rsa_key("2026-01")


@pytest.fixture(scope="session")
def rsa_new() -> SigningKey:
    return rsa_key("2026-07")


@pytest.fixture(scope="session")
def rsa_attacker() -> SigningKey:
    return rsa_key("2026-01")  # the shop's kid, another key


@pytest.fixture(scope="session")
def ec_signing() -> SigningKey:
    return ec_key("ec-1")


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    """The app's JWKS cache, on a clock the test moves."""
    moved = Clock()
    app.state.resources.jwks_cache = JwksCache(clock=moved, allow_private=True)
    return moved
