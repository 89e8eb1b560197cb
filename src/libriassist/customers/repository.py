"""All SQL for customer profiles, and for finding and erasing a customer's conversations.

The conversation queries live here rather than in the chat domain because they exist for
the customer's sake (export, erasure); they only read and delete, through the same
tenant-scoped base as every repository.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.chat.models import Conversation, Message
from libriassist.customers.models import CustomerProfile
from libriassist.kit.repository import TenantRepository


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's own INSERT, which knows ON CONFLICT (both dialects spell it alike)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


class CustomerProfileRepository(TenantRepository[CustomerProfile]):
    model = CustomerProfile

    async def find(self, customer_id: str) -> CustomerProfile | None:
        # populate_existing: the row may have been changed by an UPDATE statement since
        # this session last loaded it.
        stmt = (
            self.select()
            .where(CustomerProfile.customer_id == customer_id)
            .execution_options(populate_existing=True)
        )
        row: CustomerProfile | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return row

    async def insert_if_absent(self, customer_id: str, values: dict[str, Any]) -> bool:
        """Create the profile; False (and nothing written) when it already exists, even if
        another transaction created it a moment ago (it waits for that one on PostgreSQL,
        SQLite has one writer at a time)."""
        insert = _insert_for(self.session)
        stmt = (
            insert(CustomerProfile)
            .values(tenant_id=self.tenant_id, customer_id=customer_id, **values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "customer_id"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def change(self, customer_id: str, values: dict[str, Any]) -> bool:
        """Apply ``values`` (columns or SQL expressions); False when there is no profile."""
        stmt = self.update().where(CustomerProfile.customer_id == customer_id).values(**values)
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_tiers(self, tier: ColumnElement[Any]) -> None:
        await self.session.execute(self.update().values(tier=tier))

    async def page(
        self, limit: int, after: tuple[datetime, str] | None, tier: str | None
    ) -> list[CustomerProfile]:
        """Profiles most recently seen first (ties by customer id), after ``after``."""
        stmt: Select[Any] = self.select().order_by(
            CustomerProfile.last_seen_at.desc(), CustomerProfile.customer_id.desc()
        )
        if tier is not None:
            stmt = stmt.where(CustomerProfile.tier == tier)
        if after is not None:
            seen, customer_id = after
            stmt = stmt.where(
                or_(
                    CustomerProfile.last_seen_at < seen,
                    and_(
                        CustomerProfile.last_seen_at == seen,
                        CustomerProfile.customer_id < customer_id,
                    ),
                )
            )
        return list((await self.session.execute(stmt.limit(limit))).scalars())

    async def remove(self, customer_id: str) -> int:
        stmt = self.delete().where(CustomerProfile.customer_id == customer_id)
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]


class CustomerConversationRepository(TenantRepository[Conversation]):
    model = Conversation

    def ids_of(self, customer_id: str) -> Select[Any]:
        return self.select(Conversation.id).where(Conversation.customer_id == customer_id)

    async def of_customer(self, customer_id: str) -> list[Conversation]:
        stmt = (
            self.select()
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.created_at, Conversation.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def remove_of_customer(self, customer_id: str) -> int:
        stmt = self.delete().where(Conversation.customer_id == customer_id)
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]


class CustomerMessageRepository(TenantRepository[Message]):
    model = Message

    async def in_conversations(self, conversation_ids: Select[Any]) -> list[Message]:
        stmt = (
            self.select()
            .where(Message.conversation_id.in_(conversation_ids))
            .order_by(Message.conversation_id, Message.created_at, Message.role.desc())
        )
        return list((await self.session.execute(stmt)).scalars())

    async def remove_in_conversations(self, conversation_ids: Select[Any]) -> int:
        # The foreign key cascades too; deleting them first gives an exact count.
        stmt = self.delete().where(Message.conversation_id.in_(conversation_ids))
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]
