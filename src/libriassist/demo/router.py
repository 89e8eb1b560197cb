"""Demo pages: each looks like the shop's own site and embeds the widget as a customer would."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from libriassist.api import AppResources
from libriassist.demo import service as demo_service
from libriassist.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/demo")


@router.get("/demo")
async def demo_index() -> HTMLResponse:
    return HTMLResponse(demo_service.page_template("index") or "")


@router.get("/demo/{tenant_id}")
async def demo_page(tenant_id: str, request: Request, resources: AppResources) -> HTMLResponse:
    template = (
        demo_service.page_template(tenant_id)
        if tenant_id in demo_service.demo_tenant_ids()
        else None
    )
    keys = demo_service.read_keys(resources.settings.data_dir).get(tenant_id)
    if template is None or keys is None:
        raise NotFound(
            f"No demo page '{tenant_id}'. Run `libriassist demo` to create the demo tenants."
        )
    backend = str(request.base_url).rstrip("/")
    html = template.replace("{{PUBLISHABLE_KEY}}", keys["publishable_key"]).replace(
        "{{BACKEND_URL}}", backend
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
