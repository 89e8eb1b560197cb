"""``libriassist kb pin|pins|unpin``: curated answers, listed under ``kb`` for the operator."""

import json
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
    as_json: AsJson = False,
) -> None:
    """Pin exact answers to questions: a close enough visitor question gets the answer as is."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.curated import service as curated_service
    from libriassist.curated.schemas import CuratedAnswerOut

    items = _pins_from_options(question, answer, paraphrase, language, url, file)
    embedder = embedder_from_settings(load_settings())
    rows = in_transaction(lambda s: curated_service.create_answers(s, tenant_id, embedder, items))
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
            fail("give either --file or --question/--answer, not both")
        entries = json_list(file, "curated answers")
    else:
        if not question or not answer:
            fail("--question and --answer are required (or --file)")
        entries = [
            {
                "question": question,
                "answer": answer,
                "paraphrases": paraphrases or [],
                **({"language": language} if language else {}),
                **({"url": url} if url else {}),
            }
        ]
    return validated_list(CuratedAnswerIn, entries, numbered=file is not None)


def kb_pins(tenant_id: str, as_json: AsJson = False) -> None:
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

    out = in_transaction(work)
    if as_json:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not out:
        typer.echo(f"no curated answers: libriassist kb pin {tenant_id} --question … --answer …")
    for row in out:
        state = "" if row["enabled"] else "  (disabled)"
        extra = f" +{len(row['paraphrases'])} paraphrases" if row["paraphrases"] else ""
        typer.echo(f"{row['id']}  [{row['language']}] {row['question']}{extra}{state}")


def kb_unpin(tenant_id: str, answer_id: str) -> None:
    """Delete a curated answer."""
    from libriassist.curated import service as curated_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await curated_service.delete_answer(session, tenant_id, answer_id)

    in_transaction(work)
    typer.echo(f"unpinned {answer_id}")
