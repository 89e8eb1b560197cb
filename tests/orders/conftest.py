"""Orders tests: two shops (tenants without a knowledge base) and a local shop order API."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.config import Settings
from tests.factories import Tenant, create_tenant
from tests.orders.shop_api import ShopAPI, running


@pytest.fixture(scope="session")
def shop_server() -> Iterator[ShopAPI]:
    with running() as shop:
        yield shop


@pytest.fixture
def shop_api(shop_server: ShopAPI) -> Iterator[ShopAPI]:
    shop_server.reset()
    yield shop_server
    shop_server.reset()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The local shop API listens on 127.0.0.1.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        orders_allow_private=True,
        orders_timeout=2.0,
        orders_retries=2,
    )


@pytest.fixture
async def shop(maker: async_sessionmaker[AsyncSession]) -> Tenant:
    return await create_tenant(maker, "Papeterie Alpha", origins=["https://alpha.example"])


@pytest.fixture
async def other_shop(maker: async_sessionmaker[AsyncSession]) -> Tenant:
    return await create_tenant(
        maker, "Tienda Beta", origins=["https://beta.example"], language="es"
    )
