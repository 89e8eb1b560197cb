"""``libriassist orders …``: the built-in orders table, for shops without an order API."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.errors import AppError
from libriassist.kit.cli import TenantOption, emit, fail, in_transaction, load_settings

orders_app = typer.Typer(
    help="A tenant's orders in the built-in table (for shops without an order API).",
    no_args_is_help=True,
)


@orders_app.command("import")
def orders_import(
    file: Annotated[Path, typer.Argument(help="A .csv, .json (array) or .jsonl file.")],
    tenant_id: TenantOption,
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
        fail("the file must end in .csv, .json, .jsonl or .ndjson")
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc}")
    settings = load_settings()
    try:
        orders = orders_service.parse_file(data, fmt, settings)
    except InvalidOrdersFile as exc:
        for problem in exc.details or []:
            where = f"row {problem['row']}" if problem.get("row") else "file"
            field = f" {problem['field']}" if problem.get("field") else ""
            typer.secho(f"{where}{field}: {problem['message']}", err=True)
        fail(f"{exc.message} ({exc.code})")
    except AppError as exc:
        fail(f"{exc.message} ({exc.code})")

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        result = await orders_service.import_orders(session, tenant_id, orders, replace)
        return result.model_dump()

    emit(in_transaction(work), as_json)


@orders_app.command("list")
def orders_list(
    tenant_id: TenantOption,
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

    rows = in_transaction(work)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        placed = (row["placed_at"] or "")[:10]
        number, status = row["order_number"], row["status"]
        typer.echo(f"{number:<16} {status:<17} {placed:<10} {row['customer_id']}")
