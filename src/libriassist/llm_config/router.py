"""A tenant's chat model (secret key): which model writes its answers, and a live check."""

from fastapi import APIRouter, Response

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.kit.secrets import SecretUnreadable
from libriassist.llm_config import service as llm_service
from libriassist.llm_config.schemas import LLMSettingsIn, LLMSettingsOut, LLMTestResult

router = APIRouter(prefix="/api/v1/admin/llm", tags=["tenant"], responses=ERROR_RESPONSES)


@router.get("", response_model=LLMSettingsOut)
async def get_llm(
    principal: SecretKey, session: DbSession, resources: AppResources
) -> LLMSettingsOut:
    """The tenant's model settings and what the next reply will actually use."""
    row = await llm_service.get_row(session, principal.tenant_id)
    return llm_service.describe(row, resources.settings, resources.secret_box)


@router.put("", response_model=LLMSettingsOut)
async def put_llm(
    body: LLMSettingsIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> LLMSettingsOut:
    """Replace the settings. The API key is stored encrypted and never shown again."""
    row = await llm_service.save(
        session, principal.tenant_id, body, resources.secret_box, resources.settings
    )
    return llm_service.describe(row, resources.settings, resources.secret_box)


@router.delete("", status_code=204)
async def delete_llm(principal: SecretKey, session: WriteSession) -> Response:
    """Back to the platform's default model (and forget the stored key)."""
    await llm_service.reset(session, principal.tenant_id)
    return Response(status_code=204)


@router.post("/test", response_model=LLMTestResult)
async def test_llm(
    principal: SecretKey, session: DbSession, resources: AppResources
) -> LLMTestResult:
    """Send one tiny request to the model the next reply would use."""
    try:
        config = await llm_service.config_for(
            session, principal.tenant_id, resources.settings, resources.secret_box
        )
    except SecretUnreadable as exc:
        return LLMTestResult(
            ok=False,
            model=None,
            latency_ms=0,
            error_code="llm_key_unreadable",
            error_message=str(exc),
        )
    return await llm_service.try_model(config, resources.llm_clients)
