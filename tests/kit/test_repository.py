"""The pre-built statements of the repository base keep the tenant scoping of the others."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.chat.models import Message
from libriassist.chat.repository import ConversationRepository, MessageRepository
from libriassist.db import session_scope, write_scope
from libriassist.kit.ids import new_id
from tests.factories import Tenant


async def _conversation_with_reply(maker: async_sessionmaker[AsyncSession], tenant_id: str) -> str:
    conversation_id, message_id = new_id(), new_id()
    async with write_scope(maker) as session:
        await ConversationRepository(session, tenant_id).insert_rows(
            [{"id": conversation_id, "token_hash": "0" * 64, "language": "fr"}]
        )
        await MessageRepository(session, tenant_id).insert_rows(
            [
                {
                    "id": message_id,
                    "conversation_id": conversation_id,
                    "role": "assistant",
                    "status": "streaming",
                }
            ]
        )
    return message_id


async def test_rows_are_inserted_for_the_repositorys_tenant_with_defaults(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> None:
    message_id = await _conversation_with_reply(maker, tenant.id)
    async with session_scope(maker) as session:
        row = await MessageRepository(session, tenant.id).get(message_id)
    assert row is not None and row.tenant_id == tenant.id
    # Column defaults apply as through the ORM.
    assert row.content == "" and row.sources == [] and row.created_at is not None


async def test_update_row_never_touches_another_tenants_row(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _conversation_with_reply(maker, other_tenant.id)
    async with write_scope(maker) as session:
        changed = await MessageRepository(session, tenant.id).update_row(
            theirs, {"content": "overwritten", "status": "complete"}
        )
    assert changed == 0
    async with write_scope(maker) as session:
        changed = await MessageRepository(session, other_tenant.id).update_row(
            theirs, {"content": "closed", "status": "complete"}
        )
    assert changed == 1
    async with session_scope(maker) as session:
        row = await session.get(Message, theirs)
    assert row is not None and (row.content, row.status) == ("closed", "complete")


async def test_update_row_refuses_to_move_a_row(
    maker: async_sessionmaker[AsyncSession], tenant: Tenant, other_tenant: Tenant
) -> None:
    message_id = await _conversation_with_reply(maker, tenant.id)
    async with write_scope(maker) as session:
        repository = MessageRepository(session, tenant.id)
        with pytest.raises(ValueError):
            await repository.update_row(message_id, {"tenant_id": other_tenant.id})
        with pytest.raises(ValueError):
            await repository.update_row(message_id, {"id": new_id()})
