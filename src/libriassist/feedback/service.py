"""A visitor rates an assistant reply (up or down, with an optional comment).

Only a reply of the conversation the visitor's session token opens can be rated; every
other case (unknown id, a visitor message, another session's or tenant's reply, a wrong
token) is the same ``404 message_not_found``, so the endpoint tells nothing about ids
the caller does not hold.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.chat import service as chat_service
from libriassist.errors import ConversationNotFound, NotFound
from libriassist.feedback.repository import RatedMessageRepository
from libriassist.feedback.schemas import FeedbackIn
from libriassist.identity.schemas import Shopper


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "No assistant reply with this id in this session's conversation."


async def rate_reply(
    session: AsyncSession,
    tenant_id: str,
    body: FeedbackIn,
    session_token: str | None,
    shopper: Shopper | None,
    now: datetime,
) -> None:
    """Stores the rating, replacing any earlier one (rating twice is not an error)."""
    messages = RatedMessageRepository(session, tenant_id)
    message = await messages.get(body.message_id)
    if message is None or message.role != "assistant":
        raise MessageNotFound()
    try:
        # The chat's own rule for who may open a conversation (token, and the shopper
        # for a logged-in shopper's conversation).
        await chat_service.get_conversation(
            session, tenant_id, message.conversation_id, session_token, shopper
        )
    except ConversationNotFound:
        raise MessageNotFound() from None
    await messages.rate(message.id, body.rating, body.comment, now)
    await session.flush()
