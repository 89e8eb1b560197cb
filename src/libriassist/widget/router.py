"""Public embed endpoints: the widget script and the widget's per-tenant configuration."""

from functools import cache
from importlib import resources as package_files

from fastapi import APIRouter, Response
from pydantic import BaseModel

from libriassist.api import DbSession
from libriassist.auth.dependencies import AnyKey
from libriassist.errors import ERROR_RESPONSES
from libriassist.tenants import service as tenants_service
from libriassist.tenants.schemas import Branding, Language
from libriassist.usage_limits.dependencies import ReadRateLimit
from libriassist.usage_limits.errors import LIMITED_RESPONSES

router = APIRouter(tags=["widget"])


class WidgetTenant(BaseModel):
    id: str
    name: str


class WidgetConfig(BaseModel):
    tenant: WidgetTenant
    default_language: Language
    enabled_languages: list[Language]
    branding: Branding
    greetings: dict[str, str]
    # Questions a visitor might start with, per enabled language (the tenant's or its
    # persona's).
    starters: dict[str, list[str]]


@router.get(
    "/api/v1/widget/config",
    response_model=WidgetConfig,
    responses={**ERROR_RESPONSES, **LIMITED_RESPONSES},
)
async def widget_config(_: ReadRateLimit, principal: AnyKey, session: DbSession) -> WidgetConfig:
    """What the widget needs to look and speak like the tenant; changes apply without
    touching the site."""
    tenant = await tenants_service.get_tenant(session, principal.tenant_id)
    return WidgetConfig.model_validate(
        {
            "tenant": {"id": tenant.id, "name": tenant.name},
            "default_language": tenant.default_language,
            "enabled_languages": tenant.enabled_languages,
            "branding": tenant.branding,
            "greetings": tenants_service.greetings(tenant, tenant.enabled_languages),
            "starters": tenants_service.starters(tenant, tenant.enabled_languages),
        }
    )


@cache
def _widget_source() -> bytes:
    return (package_files.files("libriassist.widget") / "static" / "widget.js").read_bytes()


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> Response:
    return Response(
        _widget_source(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )
