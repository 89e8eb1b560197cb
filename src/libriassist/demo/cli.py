"""``libriassist demo``: the demo tenants, set up and served."""

import os
import sys
from typing import Annotated, Any

import typer

from libriassist.kit.cli import Maker, load_settings, upgrade_database, with_database


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

    settings = load_settings()
    port = port or settings.port
    host = host or settings.host
    base = settings.base_url(port) if not host or host == settings.host else f"http://{host}:{port}"
    upgrade_database(settings)
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

    results = with_database(work)
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
    from libriassist.main import create_app, freeze_start_up_objects

    application = create_app(settings, embedder)
    freeze_start_up_objects()
    uvicorn.run(application, host=host, port=port, log_config=None)
