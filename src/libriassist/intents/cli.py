"""``libriassist intents …`` and ``libriassist eval intents``."""

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.cli import (
    AsJson,
    fail,
    in_transaction,
    json_list,
    load_settings,
    validated_list,
)
from libriassist.kit.progress import StageProgress

intents_app = typer.Typer(
    help="A tenant's own intents: names and example phrases.", no_args_is_help=True
)


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
    as_json: AsJson = False,
) -> None:
    """Add intents; the tenant's next chat messages are classified with them."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.intents import service as intents_service
    from libriassist.intents.schemas import IntentIn, IntentOut

    if file is not None:
        if name or example or description:
            fail("give either --file or --name/--example, not both")
        entries = json_list(file, "intents")
    else:
        if not name or not example:
            fail("--name and at least one --example are required (or --file)")
        entries = [{"name": name, "examples": example, "description": description}]
    items = validated_list(IntentIn, entries, numbered=file is not None)
    embedder = embedder_from_settings(load_settings())
    rows = in_transaction(lambda s: intents_service.create_intents(s, tenant_id, embedder, items))
    out = [IntentOut.model_validate(r).model_dump(mode="json") for r in rows]
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    for row in out:
        typer.echo(f"added {row['id']}  {row['name']} ({len(row['examples'])} examples)")


@intents_app.command("list")
def intents_list(tenant_id: str, as_json: AsJson = False) -> None:
    """List a tenant's own intents."""
    from libriassist.intents import service as intents_service
    from libriassist.intents.schemas import IntentOut
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant_id)
        rows = await intents_service.list_intents(session, tenant_id, intents_service.MAX_INTENTS)
        return [IntentOut.model_validate(r).model_dump(mode="json") for r in rows]

    out = in_transaction(work)
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

    in_transaction(work)
    typer.echo(f"removed {intent_id}")


@intents_app.command("detect")
def intents_detect(
    tenant_id: str,
    message: str,
    language: Annotated[
        str | None, typer.Option(help="fr, en, es, ar or ary; detected when left out.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Show what the chat would record for a message: intent, confidence, entities."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.intents import service as intents_service
    from libriassist.intents.matching import IntentCache
    from libriassist.kit.language import detect_language
    from libriassist.tenants import service as tenants_service

    settings = load_settings()
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
            IntentCache.from_settings(settings),
        )
        return {
            "intent": found.intent,
            "confidence": found.confidence,
            "source": found.source,
            "language": lang,
            "entities": found.entities.as_dict(),
            "candidates": [asdict(c) for c in found.candidates],
        }

    out = in_transaction(work)
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{out['intent']}  ({out['source']}, confidence {out['confidence']:.2f})")
    for kind, values in out["entities"].items():
        if values:
            typer.echo(f"{kind}: {', '.join(values)}")


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
    from libriassist.intents.matching import IntentCache

    if with_builtins and train is None:
        fail("--with-builtins needs --train")
    try:
        test = evaluation.load_rows(file)
        examples = evaluation.load_rows(train) if train is not None else None
    except evaluation.EvalFileError as exc:
        fail(str(exc))
    settings = load_settings()
    progress = StageProgress(enabled=not as_json)
    try:
        result = evaluation.evaluate(
            test,
            embedder_from_settings(settings),
            train=examples,
            with_builtins=with_builtins,
            intent_cache=IntentCache.from_settings(settings),
            progress=progress,
        )
    except evaluation.EvalFileError as exc:
        fail(str(exc))
    finally:
        progress.close()
    if as_json:
        typer.echo(json.dumps({"set": file.name, **result}, indent=2, ensure_ascii=False))
    else:
        typer.echo(evaluation.report(result, file.name))
