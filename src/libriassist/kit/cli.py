"""What every ``libriassist`` command shares: settings, the database, errors, output.

Each domain's commands live in its own ``cli.py``; ``libriassist.cli`` wires them up.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist import migrate
from libriassist.config import Settings
from libriassist.db import create_engine, create_sessionmaker, write_scope
from libriassist.errors import AppError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Maker = async_sessionmaker[AsyncSession]

AsJson = Annotated[bool, typer.Option("--json")]
TenantOption = Annotated[str, typer.Option("--tenant", help="The tenant's id.")]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid configuration: {exc}")


def with_database(work: Callable[[Maker], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database; app and database errors become clean
    CLI errors instead of tracebacks."""
    settings = load_settings()

    async def run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if await migrate.pending(settings.resolved_database_url):
            fail("the database schema is missing or out of date: run `libriassist db upgrade`")
        engine = create_engine(settings.resolved_database_url)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except AppError as exc:
        fail(f"{exc.message} ({exc.code})")
    except (OSError, DBAPIError) as exc:
        fail(f"cannot use the database at {redacted(settings.resolved_database_url)}: {exc}")


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one committed transaction."""

    async def run(maker: Maker) -> T:
        async with write_scope(maker) as session:
            result = await work(session)
        return result

    return with_database(run)


def upgrade_database(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        migrate.upgrade(settings.resolved_database_url)
    except Exception as exc:
        fail(f"cannot migrate the database ({type(exc).__name__}: {exc})")


def emit(data: Any, as_json: bool) -> None:
    """``data`` as JSON, or one right-aligned ``key: value`` line per item."""
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        for key, value in data.items():
            typer.echo(f"{key:>18}: {value}")


def host_only(url: str) -> str:
    """A URL without credentials, path or query (which may carry a password)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def validation_message(error: Any) -> str:
    loc = ".".join(map(str, error["loc"]))
    return f"{loc}: {error['msg']}" if loc else str(error["msg"])


def validated(model: type[M], data: Any, where: str = "") -> M:
    """``data`` as a ``model``, or exit with every validation error on one line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fail(where + "; ".join(validation_message(e) for e in exc.errors()))


def validated_list(model: type[M], entries: list[Any], numbered: bool) -> list[M]:
    """Every entry as a ``model``; with ``numbered``, errors say which entry."""
    return [
        validated(model, entry, f"entry {number}: " if numbered else "")
        for number, entry in enumerate(entries, start=1)
    ]


def json_list(file: Path, what: str) -> list[Any]:
    """The non-empty JSON list in ``file`` (of ``what``, for the error message)."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"{file} is not valid JSON: {exc}")
    if not isinstance(raw, list) or not raw:
        fail(f"{file} must hold a non-empty JSON list of {what}")
    return raw
