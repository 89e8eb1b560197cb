"""``libriassist tenants …`` and ``libriassist personas``: the platform operator's tools."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.errors import AppError
from libriassist.kit.cli import AsJson, emit, fail, in_transaction, validated
from libriassist.tenants.schemas import KeyKind, TenantSettings

tenants_app = typer.Typer(
    help="Create and manage tenants (platform operator).", no_args_is_help=True
)


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

    settings = validated(
        TenantSettings,
        {
            "name": name,
            "allowed_origins": origin or [],
            "default_language": language,
            "persona": persona,
            "use_platform_kb": platform_kb,
        },
    )
    created = in_transaction(lambda s: platform_service.create_tenant(s, settings, tenant_id))
    emit(created.model_dump(), as_json)
    if not as_json:
        typer.echo("\nKeep the secret key now: it cannot be shown again.")


@tenants_app.command("list")
def tenants_list(as_json: AsJson = False) -> None:
    """List tenants."""
    from libriassist.platform import service as platform_service

    rows = in_transaction(platform_service.list_tenants)
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
def tenants_show(tenant_id: str, as_json: AsJson = False) -> None:
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

    data = in_transaction(work)
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
            fail(f"cannot read {overrides}: {exc}")
    if greeting:
        pairs = [g.partition("=") for g in greeting]
        if any(not sep for _, sep, _ in pairs):
            fail("--greeting must look like fr='Bonjour !'")
        changes["greetings"] = {lang.strip(): text for lang, _, text in pairs}
    if not changes:
        fail("nothing to change: give at least one option (see --help)")
    update = validated(TenantUpdate, changes)

    async def work(session: AsyncSession) -> dict[str, Any]:
        given = update
        if update.greetings is not None:  # add to the greetings, do not replace them all
            current = await tenants_service.get_tenant(session, tenant_id)
            merged = {**current.greetings, **changes["greetings"]}
            given = TenantUpdate.model_validate({**changes, "greetings": merged})
        tenant = await tenants_service.update_tenant(session, tenant_id, given)
        return TenantOut.model_validate(tenant).model_dump(mode="json")

    typer.echo(json.dumps(in_transaction(work), indent=2, ensure_ascii=False))


@tenants_app.command("persona")
def tenants_persona(
    tenant_id: str,
    language: Annotated[
        str | None, typer.Option(help="fr, en, es, ar or ary (default: the tenant's default).")
    ] = None,
    as_json: AsJson = False,
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

    persona = in_transaction(work)
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
    as_json: AsJson = False,
) -> None:
    """Revoke the tenant's active keys of this kind at once and print a new one."""
    from libriassist.tenants import service as tenants_service

    if kind not in ("publishable", "secret"):
        fail("--kind must be 'publishable' or 'secret'")
    key_kind: KeyKind = "secret" if kind == "secret" else "publishable"

    async def work(session: AsyncSession) -> Any:
        await tenants_service.get_tenant(session, tenant_id)
        return await tenants_service.rotate_key(session, tenant_id, key_kind)

    issued = in_transaction(work)
    emit({"id": tenant_id, f"{kind}_key": issued.key}, as_json)


@tenants_app.command("delete")
def tenants_delete(
    tenant_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a tenant and everything it owns (knowledge, conversations, keys)."""
    from libriassist.platform import service as platform_service

    if not yes:
        typer.confirm(f"Delete tenant '{tenant_id}' and all its data?", abort=True)
    in_transaction(lambda s: platform_service.delete_tenant(s, tenant_id))
    typer.echo(f"deleted {tenant_id}")


def personas(
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
        fail(exc.message)
    if as_json:
        typer.echo(persona.model_dump_json(indent=2))
        return
    text = {str(lang): t for lang, t in persona.texts.items()}.get(language)
    if text is None:
        fail("--language must be fr, en, es, ar or ary")
    typer.echo(f"{persona.id} ({text.name}), {language}; {{name}} is the tenant's name\n")
    typer.echo(f"greeting: {text.greeting}")
    for starter in text.starters:
        typer.echo(f"starter:  {starter}")
    typer.echo(f"\n{text.system_prompt}")
