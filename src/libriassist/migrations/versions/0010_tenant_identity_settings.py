"""tenant identity settings: how each tenant's shopper tokens are checked

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_identity_settings",
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("secret_hint", sa.String(length=8), nullable=True),
        sa.Column("jwks_url", sa.String(length=500), nullable=True),
        sa.Column("audience", sa.String(length=500), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("leeway_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_identity_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_tenant_identity_settings")),
    )
    with op.batch_alter_table("tenant_identity_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenant_identity_settings_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant_identity_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_identity_settings_tenant_id"))
    op.drop_table("tenant_identity_settings")
