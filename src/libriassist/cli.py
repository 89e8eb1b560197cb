"""The ``libriassist`` command: the root app, the server, the worker and the schema.

Each domain's commands live in its own ``cli.py`` (``tenants/cli.py``,
``knowledge/cli.py``...) and are wired up here; what they share is in ``kit/cli.py``.
Domain modules import heavy code inside their commands, so ``--help`` stays fast.
"""

import asyncio
from typing import Annotated

import typer

from libriassist import migrate
from libriassist.ai.cli import models_app
from libriassist.chat.cli import eval_language
from libriassist.curated.cli import kb_pin, kb_pins, kb_unpin
from libriassist.customers.cli import customers_app
from libriassist.demo.cli import demo
from libriassist.identity.cli import identity_app
from libriassist.intents.cli import eval_intents, intents_app
from libriassist.kit.cli import fail, host_only, load_settings, redacted, upgrade_database
from libriassist.knowledge.cli import eval_retrieval, kb_app
from libriassist.llm_config.cli import llm_app
from libriassist.orders.cli import orders_app
from libriassist.tenants.cli import personas, tenants_app

app = typer.Typer(
    pretty_exceptions_show_locals=False,
    help="LibriAssist: multi-tenant customer-support assistant.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure the assistant on evaluation sets.", no_args_is_help=True)

# Curated answers are their own domain but the operator finds them under `kb`.
kb_app.command("pin")(kb_pin)
kb_app.command("pins")(kb_pins)
kb_app.command("unpin")(kb_unpin)

eval_app.command("retrieval")(eval_retrieval)
eval_app.command("language")(eval_language)
eval_app.command("intents")(eval_intents)

# `libriassist --help` lists the commands, then the groups, each in the order added here.
app.add_typer(tenants_app, name="tenants")
app.add_typer(kb_app, name="kb")
app.add_typer(intents_app, name="intents")
app.add_typer(db_app, name="db")
app.add_typer(llm_app, name="llm")
app.add_typer(identity_app, name="identity")
app.add_typer(customers_app, name="customers")
app.add_typer(eval_app, name="eval")
app.add_typer(orders_app, name="orders")
app.add_typer(models_app, name="models")
app.command("personas")(personas)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (SQLite or PostgreSQL, from LIBRIASSIST_DATABASE_URL)."""
    settings = load_settings()
    upgrade_database(settings)
    typer.echo(f"database is up to date ({redacted(settings.resolved_database_url)})")


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default LIBRIASSIST_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default LIBRIASSIST_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default LIBRIASSIST_WORKERS).")
    ] = None,
) -> None:
    """Run the server for real deployments."""
    import uvicorn

    settings = load_settings()
    if settings.migrate_on_start:
        upgrade_database(settings)
    uvicorn.run(
        "libriassist.main:app_factory",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_config=None,
        proxy_headers=True,
    )


@app.command("worker")
def worker(
    burst: Annotated[
        bool, typer.Option(help="Run the jobs waiting now, then exit (for scripts and tests).")
    ] = False,
) -> None:
    """Run knowledge-base jobs from the Redis queue (needs LIBRIASSIST_REDIS_URL).

    Start as many as you like, on any machine that reaches the database and Redis."""
    from redis.exceptions import RedisError

    from libriassist.jobs.worker import run_worker
    from libriassist.kit.logging import configure_logging

    settings = load_settings()
    if not settings.redis_url:
        fail(
            "set LIBRIASSIST_REDIS_URL: without Redis, jobs run inside the server processes "
            "and no worker is needed"
        )
    configure_logging(settings.log_level, settings.log_json)
    if asyncio.run(migrate.pending(settings.resolved_database_url)):
        fail("the database schema is missing or out of date: run `libriassist db upgrade`")
    try:
        run_worker(settings, burst=burst)
    except RedisError as exc:
        fail(f"cannot use Redis at {host_only(settings.redis_url)}: {exc}")


app.command("demo")(demo)


def main() -> None:  # pragma: no cover - console entry point
    app()
