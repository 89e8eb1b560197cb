"""a revision number that moves whenever keys, tenants, model settings or quotas change

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 02:30:00

Each process keeps those rows in memory and reads only this number per request (see
``kit/settings_cache.py``). Triggers move it, so that every way of changing them (the
admin API, the CLI, another worker, SQL by hand) is seen at once. A key's last use and
its ``updated_at`` are left out: they change once a minute per key and change nothing a
request decides.

On PostgreSQL the triggers are deferred to the commit, so that the one row they write is
locked only while a transaction commits (a long admin transaction or an ingest does not
hold up every other tenant's changes, nor deadlock with them); TRUNCATE moves it too.
SQLite drops a table's triggers when a batch migration rebuilds the table: a migration
that rebuilds one of these tables must create its triggers again
(``tests/test_migrations.py`` checks that they are there).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per table: the columns whose update counts (None: all of them).
WATCHED: dict[str, tuple[str, ...] | None] = {
    "tenants": None,
    "api_keys": ("id", "tenant_id", "kind", "key_hash", "display_prefix", "revoked_at"),
    "tenant_llm_settings": None,
    "tenant_quotas": None,
}
BUMP = (
    "INSERT INTO settings_revision (id, revision) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET revision = settings_revision.revision + 1"
)


EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "settings_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings_revision")),
    )
    op.execute("INSERT INTO settings_revision (id, revision) VALUES (1, 0)")
    create_triggers()


def create_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "CREATE OR REPLACE FUNCTION libriassist_settings_changed() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
    for table, columns in WATCHED.items():
        for event in EVENTS:
            name = f"settings_changed_{table}_{event}"
            what = event.upper()
            if event == "update" and columns:
                what = f"UPDATE OF {', '.join(columns)}"
            if postgres:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {name} AFTER {what} ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    "EXECUTE FUNCTION libriassist_settings_changed()"
                )
            else:
                op.execute(f"CREATE TRIGGER {name} AFTER {what} ON {table} BEGIN {BUMP}; END")
        if postgres:
            op.execute(
                f"CREATE TRIGGER settings_changed_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION libriassist_settings_changed()"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for event in (*EVENTS, "truncate") if postgres else EVENTS:
            name = f"settings_changed_{table}_{event}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS libriassist_settings_changed()")
    op.drop_table("settings_revision")
