"""``libriassist identity …``: how a tenant's shopper tokens are checked."""

import json
import sys
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.cli import AsJson, fail, in_transaction, load_settings, validated

identity_app = typer.Typer(
    help="How a tenant's shopper tokens are checked (a shared secret or the site's JWKS).",
    no_args_is_help=True,
)


@identity_app.command("show")
def identity_show(tenant_id: str, as_json: AsJson = False) -> None:
    """A tenant's shopper-token settings (the secret is never shown, only its last 4)."""
    from libriassist.identity import service as identity_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        row = await identity_service.get_row(session, tenant_id)
        return identity_service.describe(row).model_dump(mode="json")

    shown = in_transaction(work)
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
            fail("no secret on standard input")
        fields["secret"] = secret
    body = validated(IdentitySettingsIn, fields)
    settings = load_settings().model_copy(update={"identity_allow_private": True})

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        await identity_service.save(session, tenant_id, body, box, settings)

    in_transaction(work)
    typer.echo(f"saved: libriassist identity show {tenant_id}")


@identity_app.command("reset")
def identity_reset(tenant_id: str) -> None:
    """Forget the settings and the secret: the tenant's shopper tokens are refused."""
    from libriassist.identity import service as identity_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await identity_service.reset(session, tenant_id)

    in_transaction(work)
    typer.echo("identity settings removed")
