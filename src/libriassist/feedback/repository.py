"""The feedback columns of the chat's messages: this domain writes only those."""

from datetime import datetime

from libriassist.chat.models import Message
from libriassist.kit.repository import TenantRepository


class RatedMessageRepository(TenantRepository[Message]):
    model = Message

    async def rate(self, message_id: str, rating: str, comment: str | None, at: datetime) -> None:
        stmt = (
            self.update()
            .where(Message.id == message_id)
            .values(feedback=rating, feedback_comment=comment, feedback_at=at)
        )
        await self.session.execute(stmt)
