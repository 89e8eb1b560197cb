"""``libriassist llm …``: which chat model writes a tenant's answers."""

import json
import sys
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.kit.cli import AsJson, fail, in_transaction, load_settings, validated

llm_app = typer.Typer(
    help="Which chat model writes a tenant's answers (the platform's, its own, or none).",
    no_args_is_help=True,
)


@llm_app.command("show")
def llm_show(tenant_id: str, as_json: AsJson = False) -> None:
    """A tenant's model settings and what its next reply will use."""
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    settings = load_settings()

    async def work(session: AsyncSession) -> dict[str, Any]:
        await tenants_service.get_tenant(session, tenant_id)
        row = await llm_service.get_row(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        return llm_service.describe(row, settings, box).model_dump(mode="json")

    shown = in_transaction(work)
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
        fail("--api-key-stdin and --forget-key do not go together")
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
            fail("no API key on standard input")
        fields["api_key"] = key
    elif forget_key:
        fields["api_key"] = None
    body = validated(LLMSettingsIn, fields)
    settings = load_settings().model_copy(update={"llm_allow_private": True})

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        await llm_service.save(session, tenant_id, body, box, settings)

    in_transaction(work)
    typer.echo(f"saved: libriassist llm test {tenant_id} checks it")


@llm_app.command("reset")
def llm_reset(tenant_id: str) -> None:
    """Back to the platform's default model; the stored key is erased."""
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    async def work(session: AsyncSession) -> None:
        await tenants_service.get_tenant(session, tenant_id)
        await llm_service.reset(session, tenant_id)

    in_transaction(work)
    typer.echo("reset to the platform default")


@llm_app.command("test")
def llm_test(tenant_id: str) -> None:
    """Send one tiny request to the model the tenant's next reply would use."""
    from libriassist.ai.llm import LLMClients
    from libriassist.kit.secrets import SecretUnreadable
    from libriassist.llm_config import service as llm_service
    from libriassist.tenants import service as tenants_service

    settings = load_settings()

    async def work(session: AsyncSession) -> Any:
        await tenants_service.get_tenant(session, tenant_id)
        box = llm_service.secret_box_for(settings)
        try:
            config = await llm_service.config_for(session, tenant_id, settings, box)
        except SecretUnreadable as exc:
            fail(str(exc))
        clients = LLMClients(retries=0)
        try:
            return await llm_service.try_model(config, clients)
        finally:
            await clients.close()

    result = in_transaction(work)
    if not result.ok:
        fail(f"{result.error_message} ({result.error_code})")
    typer.echo(f"ok: {result.model} answered {result.reply!r} in {result.latency_ms} ms")
