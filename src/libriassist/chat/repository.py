"""All SQL for conversations and messages, scoped to one tenant."""

from libriassist.chat.models import Conversation, Message
from libriassist.kit.repository import TenantRepository


class ConversationRepository(TenantRepository[Conversation]):
    model = Conversation


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
