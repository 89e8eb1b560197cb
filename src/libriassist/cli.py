"""The ``libriassist`` command."""

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist import migrate
from libriassist.config import Settings
from libriassist.db import create_engine, create_sessionmaker, write_scope
from libriassist.errors import AppError
from libriassist.kit.progress import StageProgress
from libriassist.tenants.schemas import KeyKind, TenantSettings

app = typer.Typer(
    pretty_exceptions_show_locals=False,
    help="LibriAssist: multi-tenant customer-support assistant.",
    no_args_is_help=True,
)
tenants_app = typer.Typer(
    help="Create and manage tenants (platform operator).", no_args_is_help=True
)
kb_app = typer.Typer(help="Manage a tenant's knowledge base.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
intents_app = typer.Typer(
    help="A tenant's own intents: names and example phrases.", no_args_is_help=True
)
app.add_typer(tenants_app, name="tenants")
app.add_typer(kb_app, name="kb")
app.add_typer(intents_app, name="intents")
app.add_typer(db_app, name="db")
llm_app = typer.Typer(
    help="Which chat model writes a tenant's answers (the platform's, its own, or none).",
    no_args_is_help=True,
)
app.add_typer(llm_app, name="llm")
identity_app = typer.Typer(
    help="How a tenant's shopper tokens are checked (a shared secret or the site's JWKS).",
    no_args_is_help=True,
)
app.add_typer(identity_app, name="identity")
customers_app = typer.Typer(
    help="A tenant's customer profiles: list, export or erase a shopper's data.",
    no_args_is_help=True,
)
app.add_typer(customers_app, name="customers")
eval_app = typer.Typer(help="Measure the assistant on evaluation sets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail(f"invalid configuration: {exc}")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


Maker = async_sessionmaker[AsyncSession]


def _with_database(work: Callable[[Maker], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database; app and database errors become clean
    CLI errors instead of tracebacks."""
    settings = _settings()

    async def run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if await migrate.pending(settings.resolved_database_url):
            _fail("the database schema is missing or out of date: run `libriassist db upgrade`")
        engine = create_engine(settings.resolved_database_url)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except AppError as exc:
        _fail(f"{exc.message} ({exc.code})")
    except (OSError, DBAPIError) as exc:
        _fail(f"cannot use the database at {_redacted(settings.resolved_database_url)}: {exc}")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one committed transaction."""

    async def run(maker: Maker) -> T:
        async with write_scope(maker) as session:
            result = await work(session)
        return result

    return _with_database(run)


def _upgrade(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        migrate.upgrade(settings.resolved_database_url)
    except Exception as exc:
        _fail(f"cannot migrate the database ({type(exc).__name__}: {exc})")


def _emit(data: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        for key, value in data.items():
            typer.echo(f"{key:>18}: {value}")


# --- db -------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (SQLite or PostgreSQL, from LIBRIASSIST_DATABASE_URL)."""
    settings = _settings()
    _upgrade(settings)
    typer.echo(f"database is up to date ({_redacted(settings.resolved_database_url)})")


def _host_only(url: str) -> str:
    """A URL without credentials, path or query (which may carry a password)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- tenants --------------------------------------------------------------------------


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="Display name, e.g. 'Imprimerie Papyrus'.")],
    origin: Annotated[
        list[str] | None, typer.Option("--origin", help="Allowed web origin (repeatable).")
    ] = None,
    language: Annotated[str, typer.Option(help="Default language: fr, en, es, ar or ary.")] = "fr",
    tenant_id: Annotated[
        str | None, typer.Option("--id", help="Tenant id (slug); default from the name.")
    ] = None,
    persona: Annotated[
        str, typer.Option(help="Persona from the catalog (see `libriassist personas`).")
    ] = "ecommerce",
    platform_kb: Annotated[
        bool,
        typer.Option(
            "--platform-kb/--no-platform-kb",
            help="Fall back to the shared platform knowledge base (kb ingest/sync _platform).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a tenant and print its keys (the secret key is shown only this once)."""
    from libriassist.platform import service as platform_service

    try:
        settings = TenantSettings.model_validate(
            {
                "name": name,
                "allowed_origins": origin or [],
                "default_language": language,
                "persona": persona,
                "use_platform_kb": platform_kb,
            }
        )
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    created = _in_transaction(lambda s: platform_service.create_tenant(s, settings, tenant_id))
    _emit(created.model_dump(), as_json)
    if not as_json:
        typer.echo("\nKeep the secret key now: it cannot be shown again.")


@tenants_app.command("list")
def tenants_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List tenants."""
    from libriassist.platform import service as platform_service

    rows = _in_transaction(platform_service.list_tenants)
    data: list[dict[str, Any]] = [
        {
            "id": t.id,
            "name": t.name,
            "default_language": t.default_language,
            "allowed_origins": t.allowed_origins,
            "documents": n,
        }
        for t, n in rows
    ]
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not data:
        typer.echo("no tenants yet: libriassist tenants create NAME --origin https://shop.example")
    for row in data:
        typer.echo(
            f"{row['id']:<24} {row['name']:<32} {row['default_language']:<4} "
            f"{row['documents']:>4} docs  {' '.join(row['allowed_origins'])}"
        )


@tenants_app.command("show")
def tenants_show(tenant_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show a tenant's settings and keys (key prefixes only)."""
    from libriassist.tenants import service as tenants_service
    from libriassist.tenants.schemas import ApiKeyOut, TenantOut

    async def work(session: AsyncSession) -> dict[str, Any]:
        tenant = await tenants_service.get_tenant(session, tenant_id)
        keys = await tenants_service.list_keys(session, tenant_id)
        return {
            **TenantOut.model_validate(tenant).model_dump(mode="json"),
            "keys": [ApiKeyOut.model_validate(k).model_dump(mode="json") for k in keys],
        }

    data = _in_transaction(work)
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@tenants_app.command("update")
def tenants_update(
    tenant_id: str,
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    persona: Annotated[
        str | None, typer.Option(help="Persona from the catalog (see `libriassist personas`).")
    ] = None,
    persona_prompt: Annotated[
        str | None,
        typer.Option(
            help="One system prompt for every language, replacing the persona's "
            "('' puts the persona's back)."
        ),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--persona-overrides",
            help="A JSON file of persona overrides (names, tone, extra_rules, system_prompts, "
            "starters); the parts it has replace the tenant's, the others stay.",
        ),
    ] = None,
    greeting: Annotated[
        list[str] | None,
        typer.Option(help="LANG=TEXT: the greeting in one language (repeatable)."),
    ] = None,
) -> None:
    """Change a tenant's settings; only the options given change. Prints the settings."""
    from libriassist.tenants import service as tenants_service
    from libriassist.tenants.schemas import TenantOut, TenantUpdate

    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name
    if persona is not None:
        changes["persona"] = persona
    if persona_prompt is not None:
        changes["persona_prompt"] = persona_prompt or None
    if overrides is not None:
        try:
            changes["persona_overrides"] = json.loads(overrides.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"cannot read {overrides}: {exc}")
    if greeting:
        pairs = [g.partition("=") for g in greeting]
        if any(not sep for _, sep, _ in pairs):
            _fail("--greeting must look like fr='Bonjour !'")
        changes["greetings"] = {lang.strip(): text for lang, _, text in pairs}
    if not changes:
        _fail("nothing to change: give at least one option (see --help)")
    try:
        update = TenantUpdate.model_validate(changes)
    except ValidationError as exc:
        _fail("; ".join(_validation_message(e) for e in exc.errors()))

    async def work(session: AsyncSession) -> dict[str, Any]:
        given = update
        if update.greetings is not None:  # add to the greetings, do not replace them all
            current = await tenants_service.get_tenant(session, tenant_id)
            merged = {**current.greetings, **changes["greetings"]}
            given = TenantUpdate.model_validate({**changes, "greetings": merged})
        tenant = await tenants_service.update_tenant(session, tenant_id, given)
        return TenantOut.model_validate(tenant).model_dump(mode="json")

    typer.echo(json.dumps(_in_transaction(work), indent=2, ensure_ascii=False))


@tenants_app.command("persona")
def tenants_persona(
    tenant_id: str,
    language: Annotated[
        str | None, typer.Option(help="fr, en, es, ar or ary (default: the tenant's default).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the persona a tenant's assistant uses, overrides applied: its system prompt,
    greeting and suggested questions."""
    from libriassist.tenants import service as tenants_service
    from libriassist.tenants.schemas import EffectivePersonaOut

    async def work(session: AsyncSession) -> EffectivePersonaOut:
        tenant = await tenants_service.get_tenant(session, tenant_id)
        return EffectivePersonaOut.model_validate(
            tenants_service.effective_persona(tenant, language)
        )

    persona = _in_transaction(work)
    if as_json:
        typer.echo(persona.model_dump_json(indent=2))
        return
    typer.echo(f"{persona.id} ({persona.name}), {persona.language}\n")
    typer.echo(f"greeting: {persona.greeting}")
    for starter in persona.starters:
        typer.echo(f"starter:  {starter}")
    typer.echo(f"\n{persona.system_prompt}")


@tenants_app.command("rotate-key")
def tenants_rotate_key(
    tenant_id: str,
    kind: Annotated[str, typer.Option(help="publishable or secret")] = "secret",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke the tenant's active keys of this kind at once and print a new one."""
    from libriassist.tenants import service as tenants_service

    if kind not in ("publishable", "secret"):
        _fail("--kind must be 'publishable' or 'secret'")
    key_kind: KeyKind = "secret" if kind == "secret" else "publishable"

    async def work(session: AsyncSession) -> Any:
        await tenants_service.get_tenant(session, tenant_id)
        return await tenants_service.rotate_key(session, tenant_id, key_kind)

    issued = _in_transaction(work)
    _emit({"id": tenant_id, f"{kind}_key": issued.key}, as_json)


@tenants_app.command("delete")
def tenants_delete(
    tenant_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a tenant and everything it owns (knowledge, conversations, keys)."""
    from libriassist.platform import service as platform_service

    if not yes:
        typer.confirm(f"Delete tenant '{tenant_id}' and all its data?", abort=True)
    _in_transaction(lambda s: platform_service.delete_tenant(s, tenant_id))
    typer.echo(f"deleted {tenant_id}")


# --- personas -------------------------------------------------------------------------


@app.command("personas")
def personas_list(
    persona_id: Annotated[
        str | None, typer.Argument(help="Show this persona's texts instead of the list.")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the texts shown.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (every language).")] = False,
) -> None:
    """List the persona catalog, or show one persona (`libriassist personas clinic`)."""
    from libriassist.tenants import service as tenants_service

    if persona_id is None:
        catalog = tenants_service.list_personas()
        if as_json:
            typer.echo(json.dumps([p.model_dump() for p in catalog], indent=2, ensure_ascii=False))
            return
        for summary in catalog:
            names = summary.names
            typer.echo(f"{summary.id:<20} {names['en']:<24} {names['fr']:<26} {names['ar']}")
        return
    try:
        persona = tenants_service.describe_persona(persona_id)
    except AppError as exc:
        _fail(exc.message)
    if as_json:
        typer.echo(persona.model_dump_json(indent=2))
        return
    text = {str(lang): t for lang, t in persona.texts.items()}.get(language)
    if text is None:
        _fail("--language must be fr, en, es, ar or ary")
    typer.echo(f"{persona.id} ({text.name}), {language}; {{name}} is the tenant's name\n")
    typer.echo(f"greeting: {text.greeting}")
    for starter in text.starters:
        typer.echo(f"starter:  {starter}")
    typer.echo(f"\n{text.system_prompt}")


# --- knowledge base -------------------------------------------------------------------


def _with_kb(tenant_id: str, work: Callable[[Maker], Awaitable[T]]) -> T:
    """``_with_database`` for knowledge-base work; the platform's shared knowledge base
    (``_platform``) is created on first use."""
    from libriassist.platform import service as platform_service

    async def run(maker: Maker) -> T:
        if tenant_id == platform_service.PLATFORM_KB_ID:
            async with write_scope(maker) as session:
                await platform_service.ensure_platform_kb(session)
        return await work(maker)

    return _with_database(run)


MaxPages = Annotated[int, typer.Option(help="URL sources: most pages fetched.")]
MaxDepth = Annotated[
    int, typer.Option(help="URL sources: link steps followed from a page (0 = the page).")
]


@kb_app.command("ingest")
def kb_ingest(
    tenant_id: str,
    source: Annotated[
        str,
        typer.Argument(
            help="A file or a folder (FAQ .json/.csv, Markdown, HTML, PDF, DOCX, .txt), "
            "or an http(s) URL of a page or a sitemap.",
            metavar="PATH|URL",
        ),
    ],
    max_pages: MaxPages = 100,
    max_depth: MaxDepth = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ingest files or web pages into a tenant's knowledge base (TENANT `_platform`: the
    shared platform knowledge base). Unchanged ones are skipped."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.knowledge import service as knowledge_service
    from libriassist.knowledge.sources import SourceError

    settings = _settings()
    is_url = source.startswith(("http://", "https://"))
    path = Path(source)
    if not is_url and not path.exists():
        _fail(f"no such file or folder: {source}")
    embedder = embedder_from_settings(settings)

    progress = StageProgress(enabled=not as_json)
    try:
        if is_url:
            report = _with_kb(
                tenant_id,
                lambda maker: knowledge_service.ingest_url(
                    maker,
                    tenant_id,
                    embedder,
                    source,
                    max_pages=max_pages,
                    max_depth=max_depth,
                    progress=progress,
                ),
            )
        else:
            report = _with_kb(
                tenant_id,
                lambda maker: knowledge_service.ingest_path(
                    maker, tenant_id, embedder, path, progress
                ),
            )
    except SourceError as exc:
        _fail(str(exc))
    finally:
        progress.close()
    _print_report(report, as_json)


@kb_app.command("sync")
def kb_sync(
    tenant_id: str,
    source: Annotated[
        str,
        typer.Argument(help="The folder, file or http(s) URL to mirror.", metavar="PATH|URL"),
    ],
    max_pages: MaxPages = 100,
    max_depth: MaxDepth = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make the knowledge base match a source: add and update what changed, remove what
    the source no longer has, embed nothing that did not change. TENANT `_platform` is
    the shared platform knowledge base that tenants may opt into."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.knowledge import service as knowledge_service

    settings = _settings()
    if not source.startswith(("http://", "https://")) and not Path(source).exists():
        _fail(f"no such file or folder: {source}")
    embedder = embedder_from_settings(settings)
    progress = StageProgress(enabled=not as_json)
    try:
        report = _with_kb(
            tenant_id,
            lambda maker: knowledge_service.sync_source(
                maker,
                tenant_id,
                embedder,
                source,
                max_pages=max_pages,
                max_depth=max_depth,
                progress=progress,
            ),
        )
    finally:
        progress.close()
    _print_report(report, as_json)


@kb_app.command("pin")
def kb_pin(
    tenant_id: str,
    question: Annotated[
        str | None, typer.Option(help="The question the answer is pinned to.")
    ] = None,
    answer: Annotated[str | None, typer.Option(help="The exact answer to reply with.")] = None,
    paraphrase: Annotated[
        list[str] | None,
        typer.Option("--paraphrase", help="Another wording or language (repeatable, 20 at most)."),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="fr, en, es, ar or ary; detected when left out.")
    ] = None,
    url: Annotated[str | None, typer.Option(help="A page shown as the answer's source.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help='A JSON list of {"question", "answer", "paraphrases"?, "language"?, "url"?, '
            '"enabled"?} objects, all pinned or none.',
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pin exact answers to questions: a close enough visitor question gets the answer as is."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.curated import service as curated_service
    from libriassist.curated.schemas import CuratedAnswerOut

    items = _pins_from_options(question, answer, paraphrase, language, url, file)
    embedder = embedder_from_settings(_settings())
    rows = _in_transaction(lambda s: curated_service.create_answers(s, tenant_id, embedder, items))
    out = [CuratedAnswerOut.model_validate(r).model_dump(mode="json") for r in rows]
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for row in out:
        typer.echo(f"pinned {row['id']}  [{row['language']}] {row['question']}")


def _pins_from_options(
    question: str | None,
    answer: str | None,
    paraphrases: list[str] | None,
    language: str | None,
    url: str | None,
    file: Path | None,
) -> list[Any]:
    from libriassist.curated.schemas import CuratedAnswerIn

    if file is not None:
        if question or answer or paraphrases or language or url:
            _fail("give either --file or --question/--answer, not both")
        try:
            raw = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {file}: {exc}")
        except json.JSONDecodeError as exc:
            _fail(f"{file} is not valid JSON: {exc}")
        if not isinstance(raw, list) or not raw:
            _fail(f"{file} must hold a non-empty JSON list of curated answers")
        entries: list[Any] = raw
    else:
        if not question or not answer:
            _fail("--question and --answer are required (or --file)")
        entries = [
            {
                "question": question,
                "answer": answer,
                "paraphrases": paraphrases or [],
                **({"language": language} if language else {}),
                **({"url": url} if url else {}),
            }
        ]
    items = []
    for number, entry in enumerate(entries, start=1):
        try:
            items.append(CuratedAnswerIn.model_validate(entry))
        except ValidationError as exc:
            where = f"entry {number}: " if file is not None else ""
            _fail(where + "; ".join(_validation_message(e) for e in exc.errors()))
    return items


def _validation_message(error: Any) -> str:
    loc = ".".join(map(str, error["loc"]))
    return f"{loc}: {error['msg']}" if loc else str(error["msg"])


@kb_app.command("pins")
def kb_pins(tenant_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List a tenant's curated answers."""
    from libriassist.curated import service as curated_service
    from libriassist.curated.schemas import CuratedAnswerOut
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant_id)
        rows = await curated_service.list_answers(
            session, tenant_id, curated_service.MAX_PER_TENANT
        )
        return [CuratedAnswerOut.model_validate(r).model_dump(mode="json") for r in rows]

    out = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not out:
        typer.echo(f"no curated answers: libriassist kb pin {tenant_id} --question … --answer …")
    for row in out:
        state = "" if row["enabled"] else "  (disabled)"
        extra = f" +{len(row['paraphrases'])} paraphrases" if row["paraphrases"] else ""
        typer.echo(f"{row['id']}  [{row['language']}] {row['question']}{extra}{state}")


@kb_app.command("unpin")
def kb_unpin(tenant_id: str, answer_id: str) -> None:
    """Delete a curated answer."""
    from libriassist.curated import service as curated_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await curated_service.delete_answer(session, tenant_id, answer_id)

    _in_transaction(work)
    typer.echo(f"unpinned {answer_id}")


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        for f in report.files:
            if f.status == "error":
                detail = f.error
            elif f.status == "removed":
                detail = "no longer in the source"
            else:
                detail = f"{f.chunks} chunks, {f.embedded} embedded"
            typer.echo(f"{f.status:<9} {f.source_uri}: {detail}")
    if report.failed:
        raise typer.Exit(2)


# --- intents --------------------------------------------------------------------------


@intents_app.command("add")
def intents_add(
    tenant_id: str,
    name: Annotated[str | None, typer.Option(help="The intent's name, e.g. wholesale.")] = None,
    example: Annotated[
        list[str] | None,
        typer.Option("--example", help="A phrase a visitor would write (repeatable)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What the intent is about.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help='A JSON list of {"name", "examples", "description"?, "enabled"?} objects, '
            "all added or none.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add intents; the tenant's next chat messages are classified with them."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.intents import service as intents_service
    from libriassist.intents.schemas import IntentIn, IntentOut

    if file is not None:
        if name or example or description:
            _fail("give either --file or --name/--example, not both")
        entries = _json_list(file, "intents")
    else:
        if not name or not example:
            _fail("--name and at least one --example are required (or --file)")
        entries = [{"name": name, "examples": example, "description": description}]
    items = _validated(IntentIn, entries, numbered=file is not None)
    embedder = embedder_from_settings(_settings())
    rows = _in_transaction(lambda s: intents_service.create_intents(s, tenant_id, embedder, items))
    out = [IntentOut.model_validate(r).model_dump(mode="json") for r in rows]
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for row in out:
        typer.echo(f"added {row['id']}  {row['name']} ({len(row['examples'])} examples)")


def _json_list(file: Path, what: str) -> list[Any]:
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {file}: {exc}")
    except json.JSONDecodeError as exc:
        _fail(f"{file} is not valid JSON: {exc}")
    if not isinstance(raw, list) or not raw:
        _fail(f"{file} must hold a non-empty JSON list of {what}")
    return raw


def _validated(model: Any, entries: list[Any], numbered: bool) -> list[Any]:
    items = []
    for number, entry in enumerate(entries, start=1):
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            where = f"entry {number}: " if numbered else ""
            _fail(where + "; ".join(_validation_message(e) for e in exc.errors()))
    return items


@intents_app.command("list")
def intents_list(tenant_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List a tenant's own intents."""
    from libriassist.intents import service as intents_service
    from libriassist.intents.schemas import IntentOut
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant_id)
        rows = await intents_service.list_intents(session, tenant_id, intents_service.MAX_INTENTS)
        return [IntentOut.model_validate(r).model_dump(mode="json") for r in rows]

    out = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not out:
        typer.echo(f"no intents: libriassist intents add {tenant_id} --name … --example …")
    for row in out:
        state = "" if row["enabled"] else "  (disabled)"
        typer.echo(f"{row['id']}  {row['name']}: {len(row['examples'])} examples{state}")


@intents_app.command("remove")
def intents_remove(tenant_id: str, intent_id: str) -> None:
    """Delete one of a tenant's intents."""
    from libriassist.intents import service as intents_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await intents_service.delete_intent(session, tenant_id, intent_id)

    _in_transaction(work)
    typer.echo(f"removed {intent_id}")


@intents_app.command("detect")
def intents_detect(
    tenant_id: str,
    message: str,
    language: Annotated[
        str | None, typer.Option(help="fr, en, es, ar or ary; detected when left out.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show what the chat would record for a message: intent, confidence, entities."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.intents import service as intents_service
    from libriassist.intents.matching import IntentCache
    from libriassist.kit.language import detect_language
    from libriassist.tenants import service as tenants_service

    settings = _settings()
    embedder = embedder_from_settings(settings)

    async def work(session: AsyncSession) -> dict[str, Any]:
        tenant = await tenants_service.get_tenant(session, tenant_id)
        lang = language or detect_language(message, default=tenant.default_language)
        found = await intents_service.detect(
            session,
            tenant_id,
            tenant.kb_revision,
            message,
            lang,
            embedder,
            IntentCache(cache_dir=settings.data_dir / "cache"),
        )
        return {
            "intent": found.intent,
            "confidence": found.confidence,
            "source": found.source,
            "language": lang,
            "entities": found.entities.as_dict(),
            "candidates": [asdict(c) for c in found.candidates],
        }

    out = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{out['intent']}  ({out['source']}, confidence {out['confidence']:.2f})")
    for kind, values in out["entities"].items():
        if values:
            typer.echo(f"{kind}: {', '.join(values)}")


# --- evaluation -----------------------------------------------------------------------


@eval_app.command("retrieval")
def eval_retrieval(
    directory: Annotated[
        Path, typer.Argument(help="A BEIR-layout folder: corpus.jsonl, queries.jsonl, qrels.tsv.")
    ],
    mode: Annotated[str, typer.Option(help="lexical, dense, hybrid, or all.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Load the corpus into a fresh tenant, run every query, print ranking quality and speed.

    The set gets a database of its own under DATA_DIR/eval, kept between runs, so running
    it again (another mode, say) embeds nothing new.
    """
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.knowledge import evaluation
    from libriassist.knowledge.retrieval import MODES, Mode

    modes: list[Mode] = [m for m in MODES if mode in (m, "all")]
    if not modes:
        _fail("--mode must be lexical, dense, hybrid or all")
    try:
        eval_set = evaluation.load_set(directory)
    except (evaluation.EvalSetError, OSError) as exc:
        _fail(str(exc))
    settings = _settings()
    # Keyed by the corpus, not the set: sets sharing a corpus share its embeddings.
    db = settings.data_dir / "eval" / f"corpus-{eval_set.fingerprint}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{db.resolve()}"
    migrate.upgrade(url)
    embedder = embedder_from_settings(settings)
    progress = StageProgress(enabled=not as_json)

    async def run() -> dict[str, dict[str, float]]:
        engine = create_engine(url)
        try:
            maker = create_sessionmaker(engine)
            tenant_id, embedded = await evaluation.prepare(maker, embedder, eval_set, progress)
            results = await evaluation.evaluate(
                maker, embedder, eval_set, tenant_id, modes, progress
            )
            for row in results.values():
                row["embedded"] = embedded
            return results
        finally:
            await engine.dispose()

    try:
        results = asyncio.run(run())
    finally:
        progress.close()
    if as_json:
        payload: dict[str, Any] = results[modes[0]] if len(modes) == 1 else results
        typer.echo(
            json.dumps(
                {
                    "set": eval_set.name,
                    **({"mode": modes[0]} if len(modes) == 1 else {}),
                    **payload,
                },
                indent=2,
            )
        )
        return
    typer.echo(
        f"{eval_set.name}: {len(eval_set.corpus)} documents, {len(eval_set.queries)} queries"
    )
    columns = [
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr@10",
        "ndcg@10",
        "latency_ms_p50",
        "latency_ms_p95",
    ]
    typer.echo(f"{'mode':<8} " + " ".join(f"{c:>14}" for c in columns))
    for name, row in results.items():
        typer.echo(f"{name:<8} " + " ".join(f"{row[c]:>14.3f}" for c in columns))


@eval_app.command("language")
def eval_language(
    file: Annotated[
        Path, typer.Argument(help='JSON lines with "text" and "lang" (+ "script", ...).')
    ],
    prior: Annotated[
        str | None, typer.Option(help="A prior language, as a widget would give (default none).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the language detector: accuracy, precision/recall/F1 per language, macro-F1,
    the confusion matrix, and the same by script when the file gives one."""
    from libriassist.chat import language_eval
    from libriassist.kit.language import LANGUAGES

    if prior is not None and prior not in LANGUAGES:
        _fail(f"--prior must be one of {', '.join(LANGUAGES)}")
    try:
        examples = language_eval.load_examples(file)
    except language_eval.EvalFileError as exc:
        _fail(str(exc))
    result = language_eval.evaluate(examples, prior)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo(language_eval.format_report(result))


@eval_app.command("intents")
def eval_intents(
    file: Annotated[
        Path, typer.Argument(help='JSON lines: {"text", "intent", "label"?, "lang"?}.')
    ],
    train: Annotated[
        Path | None,
        typer.Option(help="Examples, same format, registered as a fresh tenant's own intents."),
    ] = None,
    with_builtins: Annotated[
        bool, typer.Option(help="With --train: the built-in intents compete too, as in the chat.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Classify every line, compare with its `label` (else `intent`): accuracy, macro-F1,
    F1 per intent. Without --train, with the built-in intents only."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.intents import evaluation

    if with_builtins and train is None:
        _fail("--with-builtins needs --train")
    try:
        test = evaluation.load_rows(file)
        examples = evaluation.load_rows(train) if train is not None else None
    except evaluation.EvalFileError as exc:
        _fail(str(exc))
    settings = _settings()
    progress = StageProgress(enabled=not as_json)
    try:
        result = evaluation.evaluate(
            test,
            embedder_from_settings(settings),
            train=examples,
            with_builtins=with_builtins,
            cache_dir=settings.data_dir / "cache",
            progress=progress,
        )
    except evaluation.EvalFileError as exc:
        _fail(str(exc))
    finally:
        progress.close()
    if as_json:
        typer.echo(json.dumps({"set": file.name, **result}, indent=2, ensure_ascii=False))
    else:
        typer.echo(evaluation.report(result, file.name))


# --- servers --------------------------------------------------------------------------


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

    settings = _settings()
    if settings.migrate_on_start:
        _upgrade(settings)
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

    settings = _settings()
    if not settings.redis_url:
        _fail(
            "set LIBRIASSIST_REDIS_URL: without Redis, jobs run inside the server processes "
            "and no worker is needed"
        )
    configure_logging(settings.log_level, settings.log_json)
    if asyncio.run(migrate.pending(settings.resolved_database_url)):
        _fail("the database schema is missing or out of date: run `libriassist db upgrade`")
    try:
        run_worker(settings, burst=burst)
    except RedisError as exc:
        _fail(f"cannot use Redis at {_host_only(settings.redis_url)}: {exc}")


@app.command("demo")
def demo(
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    setup_only: Annotated[
        bool, typer.Option("--setup-only", help="Create the demo data, do not serve.")
    ] = False,
) -> None:
    """Create the demo tenants and their knowledge (idempotent), then serve them."""
    import uvicorn

    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.demo import service as demo_service
    from libriassist.kit.logging import configure_logging

    settings = _settings()
    port = port or settings.port
    host = host or settings.host
    base = settings.base_url(port) if not host or host == settings.host else f"http://{host}:{port}"
    _upgrade(settings)
    typer.echo("Preparing the demo tenants (first run embeds their knowledge bases)…", err=True)
    embedder = embedder_from_settings(settings)
    origins = sorted({base, f"http://localhost:{port}", f"http://127.0.0.1:{port}"})

    async def work(maker: Maker) -> list[tuple[str, dict[str, str], Any]]:
        out = []
        for tenant_id in demo_service.demo_tenant_ids():
            keys, report = await demo_service.setup_tenant(
                maker, tenant_id, origins, settings, embedder
            )
            out.append((tenant_id, keys, report))
        return out

    results = _with_database(work)
    typer.echo("")
    typer.echo(f"LibriAssist demo  {base}/demo")
    typer.echo(f"API docs          {base}/docs")
    for tenant_id, keys, report in results:
        changed = sum(1 for f in report.files if f.status in ("ingested", "updated"))
        typer.echo(f"\n  {tenant_id}: {base}/demo/{tenant_id}")
        typer.echo(f"    logged in        {base}/demo/{tenant_id}/shopper")
        typer.echo(f"    publishable key  {keys['publishable_key']}")
        typer.echo(f"    secret key       {keys['secret_key']}")
        typer.echo(f"    knowledge        {len(report.files)} files ({changed} new or changed)")
        for failed in report.failed:
            typer.echo(f"    ! {failed.source_uri}: {failed.error}")
    typer.echo(
        f"\nKeys are kept in {settings.data_dir / demo_service.KEYS_FILE}. "
        "Ctrl+C stops the server.\n"
    )
    sys.stdout.flush()
    if setup_only:
        return
    os.environ.setdefault("LIBRIASSIST_LOG_JSON", "false")
    configure_logging(settings.log_level, as_json=False)
    from libriassist.main import create_app

    uvicorn.run(create_app(settings, embedder), host=host, port=port, log_config=None)


@llm_app.command("show")
def llm_show(tenant_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A tenant's model settings and what its next reply will use."""
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    settings = _settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        row = await llm_service.get_row(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        return llm_service.describe(row, settings, box).model_dump(mode="json")

    shown = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
        return
    effective = shown["effective"]
    uses = (
        f"{effective['model']} at {effective['base_url']} ({effective['source']})"
        if effective["source"] != "none"
        else "no model: answers quote the knowledge base"
    )
    key = (
        f"set (…{shown['api_key_hint']})"
        if shown["api_key_hint"]
        else ("set" if shown["api_key_set"] else "none")
    )
    typer.echo(f"mode      {shown['mode']}\nuses      {uses}\napi key   {key}")
    for name in ("temperature", "max_tokens", "timeout"):
        if shown[name] is not None:
            typer.echo(f"{name:<9} {shown[name]}")


@llm_app.command("set")
def llm_set(
    tenant_id: str,
    mode: Annotated[str, typer.Option(help="platform | custom | off")] = "custom",
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL (custom).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name (custom).")] = None,
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read the API key from standard input.")
    ] = False,
    forget_key: Annotated[bool, typer.Option("--forget-key", help="Erase the stored key.")] = False,
    temperature: Annotated[float | None, typer.Option()] = None,
    max_tokens: Annotated[int | None, typer.Option()] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds to the first token.")] = None,
) -> None:
    """Replace a tenant's model settings (the key is stored encrypted; omitted = kept).

    The operator may point a tenant at private addresses (a local Ollama, vLLM...).
    """
    from libriassist.llm_config import service as llm_service
    from libriassist.llm_config.schemas import LLMSettingsIn
    from libriassist.tenants import service as tenants_service

    if api_key_stdin and forget_key:
        _fail("--api-key-stdin and --forget-key do not go together")
    fields: dict[str, Any] = {
        "mode": mode,
        "base_url": base_url,
        "model": model,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "timeout": timeout,
    }
    if api_key_stdin:
        key = sys.stdin.readline().strip()
        if not key:
            _fail("no API key on standard input")
        fields["api_key"] = key
    elif forget_key:
        fields["api_key"] = None
    try:
        body = LLMSettingsIn.model_validate(fields)
    except ValidationError as exc:
        _fail("; ".join(_validation_message(e) for e in exc.errors()))
    settings = _settings().model_copy(update={"llm_allow_private": True})

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        await llm_service.save(session, tenant_id, body, box, settings)

    _in_transaction(work)
    typer.echo(f"saved: libriassist llm test {tenant_id} checks it")


@llm_app.command("reset")
def llm_reset(tenant_id: str) -> None:
    """Back to the platform's default model; the stored key is erased."""
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await llm_service.reset(session, tenant_id)

    _in_transaction(work)
    typer.echo("reset to the platform default")


@llm_app.command("test")
def llm_test(tenant_id: str) -> None:
    """Send one tiny request to the model the tenant's next reply would use."""
    from libriassist.ai.llm import LLMClients
    from libriassist.kit.secrets import SecretUnreadable
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    settings = _settings()

    async def work(session: AsyncSession) -> Any:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        try:
            config = await llm_service.config_for(session, tenant_id, settings, box)
        except SecretUnreadable as exc:
            _fail(str(exc))
        clients = LLMClients(retries=0)
        try:
            return await llm_service.try_model(config, clients)
        finally:
            await clients.close()

    result = _in_transaction(work)
    if not result.ok:
        _fail(f"{result.error_message} ({result.error_code})")
    typer.echo(f"ok: {result.model} answered {result.reply!r} in {result.latency_ms} ms")


@identity_app.command("show")
def identity_show(tenant_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A tenant's shopper-token settings (the secret is never shown, only its last 4)."""
    from libriassist.identity import service as identity_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        row = await identity_service.get_row(session, tenant_id)
        return identity_service.describe(row).model_dump(mode="json")

    shown = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
        return
    if not shown["configured"]:
        typer.echo("not configured: shopper tokens are refused (identity_not_configured)")
        return
    typer.echo(f"mode       {shown['mode']}\nalgorithm  {shown['algorithm']}")
    if shown["mode"] == "hs256":
        typer.echo(f"secret     set (…{shown['secret_hint']})")
    else:
        typer.echo(f"jwks url   {shown['jwks_url']}")
    typer.echo(f"audience   {shown['audience'] or 'not checked'}")
    typer.echo(f"issuer     {shown['issuer'] or 'not checked'}")
    typer.echo(f"leeway     {shown['leeway_seconds']} s")


@identity_app.command("set")
def identity_set(
    tenant_id: str,
    mode: Annotated[str, typer.Option(help="hs256 (shared secret) | jwks (public keys)")],
    algorithm: Annotated[
        str | None, typer.Option(help="HS256 (hs256); RS256 (default) or ES256 (jwks).")
    ] = None,
    secret_stdin: Annotated[
        bool,
        typer.Option("--secret-stdin", help="Read the shared secret (hs256) from standard input."),
    ] = False,
    jwks_url: Annotated[str | None, typer.Option(help="The site's JWKS URL (jwks).")] = None,
    audience: Annotated[str | None, typer.Option(help="Required `aud` claim, if any.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Required `iss` claim, if any.")] = None,
    leeway: Annotated[
        int, typer.Option(help="Clock leeway in seconds for exp, nbf and iat (0-300).")
    ] = 30,
) -> None:
    """Replace a tenant's shopper-token settings (hs256 without --secret-stdin keeps the
    stored secret).

    The operator may use a JWKS URL on a private address or over http.
    """
    from libriassist.identity import service as identity_service
    from libriassist.identity.schemas import IdentitySettingsIn
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    fields: dict[str, Any] = {
        "mode": mode,
        "algorithm": algorithm,
        "jwks_url": jwks_url,
        "audience": audience,
        "issuer": issuer,
        "leeway_seconds": leeway,
    }
    if secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            _fail("no secret on standard input")
        fields["secret"] = secret
    try:
        body = IdentitySettingsIn.model_validate(fields)
    except ValidationError as exc:
        _fail("; ".join(_validation_message(e) for e in exc.errors()))
    settings = _settings().model_copy(update={"identity_allow_private": True})

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        await identity_service.save(session, tenant_id, body, box, settings)

    _in_transaction(work)
    typer.echo(f"saved: libriassist identity show {tenant_id}")


@identity_app.command("reset")
def identity_reset(tenant_id: str) -> None:
    """Forget the settings and the secret: the tenant's shopper tokens are refused."""
    from libriassist.identity import service as identity_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await identity_service.reset(session, tenant_id)

    _in_transaction(work)
    typer.echo("identity settings removed")


# --- orders ---------------------------------------------------------------------------

orders_app = typer.Typer(
    help="A tenant's orders in the built-in table (for shops without an order API).",
    no_args_is_help=True,
)
app.add_typer(orders_app, name="orders")


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(help="A .csv, .json (array) or .jsonl file.")],
    tenant_id: Annotated[str, typer.Option("--tenant", help="The tenant's id.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace all the tenant's orders (default: upsert).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import orders; all or nothing (a bad row imports nothing and is listed)."""
    from libriassist.orders import service as orders_service
    from libriassist.orders.errors import InvalidOrdersFile
    from libriassist.orders.importing import format_for
    from libriassist.tenants import service as tenants_service

    fmt = format_for(None, file.name)
    if fmt is None:
        _fail("the file must end in .csv, .json, .jsonl or .ndjson")
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc}")
    settings = _settings()
    try:
        orders = orders_service.parse_file(data, fmt, settings)
    except InvalidOrdersFile as exc:
        for problem in exc.details or []:
            where = f"row {problem['row']}" if problem.get("row") else "file"
            field = f" {problem['field']}" if problem.get("field") else ""
            typer.secho(f"{where}{field}: {problem['message']}", err=True)
        _fail(f"{exc.message} ({exc.code})")
    except AppError as exc:
        _fail(f"{exc.message} ({exc.code})")

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        result = await orders_service.import_orders(session, tenant_id, orders, replace)
        return result.model_dump()

    _emit(_in_transaction(work), as_json)


@orders_app.command("list")
def orders_list(
    tenant_id: Annotated[str, typer.Option("--tenant", help="The tenant's id.")],
    customer: Annotated[str | None, typer.Option(help="Only this customer's orders.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The tenant's imported orders, most recent first."""
    from libriassist.orders import service as orders_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant_id)
        rows = await orders_service.list_orders(session, tenant_id, customer, limit, 0)
        return [row.model_dump(mode="json") for row in rows]

    rows = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        placed = (row["placed_at"] or "")[:10]
        number, status = row["order_number"], row["status"]
        typer.echo(f"{number:<16} {status:<17} {placed:<10} {row['customer_id']}")


# --- customers ------------------------------------------------------------------------

TenantOption = Annotated[str, typer.Option("--tenant", help="The tenant's id.")]


@customers_app.command("list")
def customers_list(
    tenant: TenantOption,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The tenant's most recently seen customers."""
    from libriassist.customers import service as customers_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant)
        page = await customers_service.list_profiles(session, tenant, limit)
        return [p.model_dump(mode="json") for p in page.customers]

    profiles = _in_transaction(work)
    if as_json:
        typer.echo(json.dumps(profiles, indent=2, ensure_ascii=False))
        return
    for p in profiles:
        typer.echo(
            f"{p['customer_id']}  {p['tier']:<8}  {p['orders_count']:>4} orders  "
            f"{p['orders_value']:>10}  last seen {p['last_seen_at']}"
        )


@customers_app.command("show")
def customers_show(customer_id: str, tenant: TenantOption) -> None:
    """Export everything kept about a customer, as JSON: the profile and every
    conversation with its messages."""
    from libriassist.customers import service as customers_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> str:
        await tenants_service.get_tenant(session, tenant)
        exported = await customers_service.export(session, tenant, customer_id)
        return exported.model_dump_json(indent=2)

    typer.echo(_in_transaction(work))


@customers_app.command("erase")
def customers_erase(
    customer_id: str,
    tenant: TenantOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a customer's profile and conversations (with their messages), at once."""
    from libriassist.customers import service as customers_service
    from libriassist.tenants import service as tenants_service

    if not yes:
        typer.confirm(
            f"Erase customer '{customer_id}' of '{tenant}' and all their conversations?",
            abort=True,
        )

    async def work(session: AsyncSession) -> Any:
        await tenants_service.get_tenant(session, tenant)
        return await customers_service.erase(session, tenant, customer_id)

    erased = _in_transaction(work)
    typer.echo(
        f"erased {customer_id}: profile {'deleted' if erased.profile_deleted else 'absent'}, "
        f"{erased.conversations_deleted} conversation(s), {erased.messages_deleted} message(s)"
    )


def main() -> None:  # pragma: no cover - console entry point
    app()
