"""All SQL for conversations and messages, scoped to one tenant."""

from datetime import datetime
from typing import Any

from sqlalchemy import or_

from libriassist.chat.models import Conversation, Message
from libriassist.kit.repository import TenantRepository


class ConversationRepository(TenantRepository[Conversation]):
    model = Conversation

    async def touch(
        self, conversation_id: str, language: str, at: datetime, customer_id: str | None = None
    ) -> bool:
        """Record a new message's language and time (and the shopper, once logged in);
        False if the conversation is gone."""
        values: dict[str, Any] = {"language": language, "last_message_at": at, "updated_at": at}
        stmt = self.update().where(Conversation.id == conversation_id)
        if customer_id is not None:
            values["customer_id"] = customer_id
            # Checked again here, under the write lock: of two shoppers writing at once in
            # one anonymous conversation, only the first gets it.
            owner = Conversation.customer_id
            stmt = stmt.where(or_(owner.is_(None), owner == customer_id))
        else:
            stmt = stmt.where(Conversation.customer_id.is_(None))
        stmt = stmt.values(**values)
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]


class MessageRepository(TenantRepository[Message]):
    model = Message

    async def of_conversation(self, conversation_id: str) -> list[Message]:
        stmt = (
            self.select()
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.role.desc())
        )
        return list((await self.session.execute(stmt)).scalars())

    async def recent(self, conversation_id: str, limit: int) -> list[Message]:
        """The last ``limit`` messages, oldest first."""
        stmt = (
            self.select()
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at.desc(), Message.role.asc())
            .limit(limit)
        )
        return list(reversed(list((await self.session.execute(stmt)).scalars())))

    async def close_reply(self, message_id: str, values: dict[str, Any]) -> None:
        await self.update_row(message_id, values)
