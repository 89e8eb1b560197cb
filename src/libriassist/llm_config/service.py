"""Which chat model answers for a tenant: its own, the platform's default, or none.

The tenant's API key is stored encrypted (kit/secrets.py) and never returned. A custom
endpoint must resolve to public addresses unless the operator allows private ones
(LIBRIASSIST_LLM_ALLOW_PRIVATE): a tenant admin must not make the server call into its
own network.
"""

import dataclasses
import time

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.ai.llm import ChatMessage, LLMClients, LLMConfig, LLMError
from libriassist.config import Settings
from libriassist.errors import AppError
from libriassist.kit.network import public_address
from libriassist.kit.secrets import SecretBox, SecretUnreadable, secret_box
from libriassist.llm_config.models import TenantLLM
from libriassist.llm_config.repository import TenantLLMRepository
from libriassist.llm_config.schemas import (
    EffectiveLLM,
    LLMSettingsIn,
    LLMSettingsOut,
    LLMTestResult,
)


class LLMAddressNotAllowed(AppError):
    status_code = 422
    code = "llm_address_not_allowed"
    message = "The model's address is private or local; the operator does not allow that."


class LLMAddressUnresolvable(AppError):
    status_code = 422
    code = "llm_address_unresolvable"
    message = "The model's host name does not resolve."


def secret_box_for(settings: Settings) -> SecretBox:
    """The box that opens tenants' stored keys: the server and the CLI use the same one."""
    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return secret_box(configured, settings.data_dir)


async def get_row(session: AsyncSession, tenant_id: str) -> TenantLLM | None:
    return await TenantLLMRepository(session, tenant_id).current()


async def save(
    session: AsyncSession,
    tenant_id: str,
    body: LLMSettingsIn,
    box: SecretBox,
    settings: Settings,
) -> TenantLLM:
    if body.mode == "custom" and body.base_url and not settings.llm_allow_private:
        await _check_public(body.base_url)
    repository = TenantLLMRepository(session, tenant_id)
    row = await repository.current()
    if row is None:
        row = repository.add(TenantLLM())
    row.mode = body.mode
    row.base_url, row.model = body.base_url, body.model
    row.temperature, row.max_tokens, row.timeout = body.temperature, body.max_tokens, body.timeout
    if "api_key" in body.model_fields_set:
        row.api_key_encrypted = box.encrypt(body.api_key) if body.api_key else None
        row.api_key_hint = body.api_key[-4:] if body.api_key and len(body.api_key) >= 12 else None
    await session.flush()
    return row


async def reset(session: AsyncSession, tenant_id: str) -> None:
    await TenantLLMRepository(session, tenant_id).remove()


async def _check_public(url: str) -> None:
    try:
        address = await public_address(url)
    except OSError as exc:
        raise LLMAddressUnresolvable() from exc
    if address is None:
        raise LLMAddressNotAllowed()


def effective_config(row: TenantLLM | None, settings: Settings, box: SecretBox) -> LLMConfig | None:
    """The model a reply uses, or None for extractive answers.

    Raises ``SecretUnreadable`` when the tenant's key was encrypted with another key.
    """
    mode = row.mode if row else "platform"
    if mode == "off":
        return None
    if mode == "custom" and row is not None and row.base_url and row.model:
        base_url, model = row.base_url, row.model
        api_key = box.decrypt(row.api_key_encrypted) if row.api_key_encrypted else None
    elif settings.llm_base_url and settings.llm_model:
        base_url, model = settings.llm_base_url, settings.llm_model
        api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    else:
        return None
    # The tenant's own numbers, where it set them, apply to the platform model too.
    temperature = row.temperature if row and row.temperature is not None else None
    max_tokens = row.max_tokens if row and row.max_tokens is not None else None
    timeout = row.timeout if row and row.timeout is not None else None
    return LLMConfig(
        base_url=base_url,
        model=model,
        api_key=api_key,
        temperature=settings.llm_temperature if temperature is None else temperature,
        max_tokens=settings.llm_max_tokens if max_tokens is None else max_tokens,
        timeout=settings.llm_timeout if timeout is None else timeout,
        max_duration=settings.llm_max_duration,
    )


async def config_for(
    session: AsyncSession, tenant_id: str, settings: Settings, box: SecretBox
) -> LLMConfig | None:
    return effective_config(await get_row(session, tenant_id), settings, box)


def describe(row: TenantLLM | None, settings: Settings, box: SecretBox) -> LLMSettingsOut:
    try:
        config = effective_config(row, settings, box)
    except SecretUnreadable:
        config = None
    source = (
        "none" if config is None else ("tenant" if row and row.mode == "custom" else "platform")
    )
    return LLMSettingsOut(
        mode=row.mode if row else "platform",  # type: ignore[arg-type]
        base_url=row.base_url if row else None,
        model=row.model if row else None,
        api_key_set=bool(row and row.api_key_encrypted),
        api_key_hint=row.api_key_hint if row else None,
        temperature=row.temperature if row else None,
        max_tokens=row.max_tokens if row else None,
        timeout=row.timeout if row else None,
        effective=EffectiveLLM(
            source=source,  # type: ignore[arg-type]
            base_url=config.base_url if config else None,
            model=config.model if config else None,
        ),
    )


async def try_model(config: LLMConfig | None, clients: LLMClients) -> LLMTestResult:
    """One tiny real call, so an admin sees at once whether the settings work."""
    started = time.perf_counter()
    if config is None:
        return LLMTestResult(
            ok=False,
            model=None,
            latency_ms=0,
            error_code="llm_not_configured",
            error_message="No model is configured for this tenant (extractive answers).",
        )
    probe = dataclasses.replace(config, max_tokens=16)
    stream = clients.stream(probe, [ChatMessage("user", "Reply with the single word: OK")])
    words: list[str] = []
    try:
        async for piece in stream:
            words.append(piece)
    except LLMError as exc:
        return LLMTestResult(
            ok=False,
            model=config.model,
            latency_ms=int((time.perf_counter() - started) * 1000),
            error_code=exc.code,
            error_message=str(exc),
        )
    return LLMTestResult(
        ok=True,
        model=config.model,
        latency_ms=int((time.perf_counter() - started) * 1000),
        reply="".join(words)[:200],
    )
