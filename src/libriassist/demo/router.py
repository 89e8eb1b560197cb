"""Demo pages: each looks like the shop's own site and embeds the widget as a customer would.

``/demo/{tenant}`` is an anonymous visitor; ``/demo/{tenant}/shopper`` is the shop's demo
shopper, logged in, whose token the page passes to the widget.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from libriassist.api import AppResources, DbSession
from libriassist.demo import service as demo_service

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/demo")


@router.get("/demo")
async def demo_index() -> HTMLResponse:
    return HTMLResponse(demo_service.page_template("index") or "")


@router.get("/demo/{tenant_id}")
async def demo_page(
    tenant_id: str, request: Request, resources: AppResources, session: DbSession
) -> HTMLResponse:
    return await _page(tenant_id, request, resources, session, logged_in=False)


@router.get("/demo/{tenant_id}/shopper")
async def demo_shopper_page(
    tenant_id: str, request: Request, resources: AppResources, session: DbSession
) -> HTMLResponse:
    return await _page(tenant_id, request, resources, session, logged_in=True)


async def _page(
    tenant_id: str,
    request: Request,
    resources: AppResources,
    session: DbSession,
    *,
    logged_in: bool,
) -> HTMLResponse:
    html = await demo_service.render_page(
        session,
        tenant_id,
        resources.settings.data_dir,
        str(request.base_url).rstrip("/"),
        resources.secret_box,
        logged_in=logged_in,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
