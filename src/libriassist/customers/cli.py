"""``libriassist customers …``: list, export or erase a shopper's data."""

import asyncio
import json
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.config import Settings
from libriassist.kit.cli import AsJson, TenantOption, in_transaction, load_settings

customers_app = typer.Typer(
    help="A tenant's customer profiles: list, export or erase a shopper's data.",
    no_args_is_help=True,
)


@customers_app.command("list")
def customers_list(
    tenant: TenantOption,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 50,
    as_json: AsJson = False,
) -> None:
    """The tenant's most recently seen customers."""
    from libriassist.customers import service as customers_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await tenants_service.get_tenant(session, tenant)
        page = await customers_service.list_profiles(session, tenant, limit)
        return [p.model_dump(mode="json") for p in page.customers]

    profiles = in_transaction(work)
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

    typer.echo(in_transaction(work))


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

    erased = in_transaction(work)
    settings = load_settings()
    if settings.redis_url:
        # The order look-up counters kept under the customer's hashed id. (Without Redis
        # they live in each server process's memory and expire with their window.)
        asyncio.run(_forget_counters(settings, tenant, customer_id))
    typer.echo(
        f"erased {customer_id}: profile {'deleted' if erased.profile_deleted else 'absent'}, "
        f"{erased.conversations_deleted} conversation(s), {erased.messages_deleted} message(s)"
    )


async def _forget_counters(settings: Settings, tenant_id: str, customer_id: str) -> None:
    from libriassist.usage_limits.rates import RateLimits

    limits = RateLimits.from_settings(settings)
    try:
        await limits.forget_customer(tenant_id, customer_id)
    finally:
        await limits.close()
