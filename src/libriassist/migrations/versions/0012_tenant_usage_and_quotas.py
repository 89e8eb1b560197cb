"""monthly usage counters and quotas per tenant

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_usage",
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.Column("sessions", sa.BigInteger(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_usage_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "period", name=op.f("pk_tenant_usage")),
    )
    with op.batch_alter_table("tenant_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_usage_tenant_id"), ["tenant_id"], unique=False)
    op.create_table(
        "tenant_quotas",
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("messages_per_month", sa.BigInteger(), nullable=True),
        sa.Column("sessions_per_month", sa.BigInteger(), nullable=True),
        sa.Column("tokens_per_month", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_quotas_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_quotas")),
    )
    with op.batch_alter_table("tenant_quotas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_quotas_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tenant_quotas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_quotas_tenant_id"))
    op.drop_table("tenant_quotas")
    with op.batch_alter_table("tenant_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_usage_tenant_id"))
    op.drop_table("tenant_usage")
