from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.chat import service as chat_service
from libriassist.chat.models import Message
from libriassist.chat.schemas import ChatRequest
from libriassist.db import session_scope, utcnow
from libriassist.intents.matching import IntentCache
from libriassist.platform import service as platform_service
from tests.factories import Tenant


async def test_replies_left_streaming_by_a_dead_worker_are_closed(
    tenant: Tenant, maker: async_sessionmaker[AsyncSession], embedder: Embedder
) -> None:
    cache = IntentCache()
    old = await chat_service.accept_message(
        maker,
        tenant.id,
        ChatRequest(message="Bonjour"),
        None,
        2000,
        embedder=embedder,
        intent_cache=cache,
    )
    fresh = await chat_service.accept_message(
        maker,
        tenant.id,
        ChatRequest(message="Salut"),
        None,
        2000,
        embedder=embedder,
        intent_cache=cache,
    )
    async with session_scope(maker) as session:
        an_hour_ago = utcnow() - timedelta(hours=1)
        await session.execute(
            update(Message).where(Message.id == old.reply_id).values(created_at=an_hour_ago)
        )
    async with session_scope(maker) as session:
        assert await platform_service.interrupt_stale_replies(session) == 1
    async with maker() as session:
        stale = await session.get(Message, old.reply_id)
        running = await session.get(Message, fresh.reply_id)
    assert stale is not None and (stale.status, stale.error_code) == (
        "interrupted",
        "worker_stopped",
    )
    assert running is not None and running.status == "streaming"
