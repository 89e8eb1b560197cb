"""``libriassist kb ingest|sync`` and ``libriassist eval retrieval``."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from libriassist import migrate
from libriassist.db import create_engine, create_sessionmaker, write_scope
from libriassist.kit.cli import AsJson, Maker, fail, load_settings, with_database
from libriassist.kit.progress import StageProgress

T = TypeVar("T")

kb_app = typer.Typer(help="Manage a tenant's knowledge base.", no_args_is_help=True)


def _with_kb(tenant_id: str, work: Callable[[Maker], Awaitable[T]]) -> T:
    """``with_database`` for knowledge-base work; the platform's shared knowledge base
    (``_platform``) is created on first use."""
    from libriassist.platform import service as platform_service

    async def run(maker: Maker) -> T:
        if tenant_id == platform_service.PLATFORM_KB_ID:
            async with write_scope(maker) as session:
                await platform_service.ensure_platform_kb(session)
        return await work(maker)

    return with_database(run)


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
    as_json: AsJson = False,
) -> None:
    """Ingest files or web pages into a tenant's knowledge base (TENANT `_platform`: the
    shared platform knowledge base). Unchanged ones are skipped."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.knowledge import service as knowledge_service
    from libriassist.knowledge.sources import SourceError

    settings = load_settings()
    is_url = source.startswith(("http://", "https://"))
    path = Path(source)
    if not is_url and not path.exists():
        fail(f"no such file or folder: {source}")
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
        fail(str(exc))
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
    as_json: AsJson = False,
) -> None:
    """Make the knowledge base match a source: add and update what changed, remove what
    the source no longer has, embed nothing that did not change. TENANT `_platform` is
    the shared platform knowledge base that tenants may opt into."""
    from libriassist.ai.embedder import embedder_from_settings
    from libriassist.knowledge import service as knowledge_service

    settings = load_settings()
    if not source.startswith(("http://", "https://")) and not Path(source).exists():
        fail(f"no such file or folder: {source}")
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
        fail("--mode must be lexical, dense, hybrid or all")
    try:
        eval_set = evaluation.load_set(directory)
    except (evaluation.EvalSetError, OSError) as exc:
        fail(str(exc))
    settings = load_settings()
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
