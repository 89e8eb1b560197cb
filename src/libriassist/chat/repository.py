"""All SQL for conversations and messages, scoped to one tenant."""

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Update, bindparam, or_

from libriassist.chat.models import Conversation, Message
from libriassist.kit.repository import TenantRepository


class ConversationRepository(TenantRepository[Conversation]):
    model = Conversation

    async def touch(
        self, conversation_id: str, language: str, at: datetime, customer_id: str | None = None
    ) -> bool:
        """Record a new message's language and time (and the shopper, once logged in);
        False if the conversation is gone."""
        params: dict[str, Any] = {"id_": conversation_id, "language": language, "at": at}
        if customer_id is not None:
            params["customer"] = customer_id
        changed = await self.execute_scoped(_touch(customer_id is not None), params)
        return bool(changed)


@cache
def _touch(shopper: bool) -> Update:
    stmt = ConversationRepository.scoped_update().where(Conversation.id == bindparam("id_"))
    values: dict[str, Any] = {
        "language": bindparam("language"),
        "last_message_at": bindparam("at"),
        "updated_at": bindparam("at"),
    }
    owner = Conversation.customer_id
    if shopper:
        values["customer_id"] = bindparam("customer")
        # Checked again here, under the write lock: of two shoppers writing at once in one
        # anonymous conversation, only the first gets it.
        stmt = stmt.where(or_(owner.is_(None), owner == bindparam("customer")))
    else:
        stmt = stmt.where(owner.is_(None))
    return stmt.values(values)


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
