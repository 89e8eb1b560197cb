"""Customer tests: tenants without a knowledge base, shoppers and their conversations
written through the product's models and services."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Conversation, Message
from libriassist.customers import service as customers_service
from libriassist.customers.models import CustomerProfile
from libriassist.db import write_scope
from libriassist.identity.schemas import Shopper
from libriassist.kit.ids import hash_secret, new_id
from tests.factories import Tenant, create_tenant

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def shop(maker: Maker) -> Tenant:
    return await create_tenant(maker, "Alpha Books", origins=["https://alpha.example"])


@pytest.fixture
async def other_shop(maker: Maker) -> Tenant:
    return await create_tenant(maker, "Beta Aceites", origins=["https://beta.example"])


def shopper(customer_id: str, name: str | None = None, email: str | None = None) -> Shopper:
    """A shopper as the identity dependency hands it over after checking the token."""
    claims = {"sub": customer_id, "name": name, "email": email}
    return Shopper(
        customer_id=customer_id,
        name=name,
        email=email,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        claims={k: v for k, v in claims.items() if v is not None},
    )


async def visit(
    maker: Maker,
    tenant_id: str,
    who: Shopper,
    language: str | None = "fr",
    *,
    new_session: bool = True,
) -> CustomerProfile:
    async with write_scope(maker) as session:
        return await customers_service.record_visit(
            session, tenant_id, who, language, new_session=new_session
        )


async def add_conversation(
    maker: Maker,
    tenant_id: str,
    customer_id: str | None,
    turns: Sequence[str],
    language: str = "fr",
) -> str:
    """A conversation held under ``customer_id`` (None: anonymous), alternating visitor
    and assistant messages; returns its session id."""
    session_id = new_id()
    start = datetime.now(UTC)
    async with write_scope(maker) as session:
        session.add(
            Conversation(
                id=session_id,
                tenant_id=tenant_id,
                token_hash=hash_secret(new_id()),
                language=language,
                customer_id=customer_id,
            )
        )
        await session.flush()
        for number, text in enumerate(turns):
            session.add(
                Message(
                    id=new_id(),
                    tenant_id=tenant_id,
                    conversation_id=session_id,
                    role="visitor" if number % 2 == 0 else "assistant",
                    content=text,
                    status="complete",
                    language=language,
                    created_at=start + timedelta(seconds=number),
                )
            )
    return session_id
