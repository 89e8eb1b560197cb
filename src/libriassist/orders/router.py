"""Orders admin API (secret key): the built-in table and where orders come from."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile

from libriassist.api import AppResources, DbSession, WriteSession
from libriassist.auth.dependencies import SecretKey
from libriassist.errors import ERROR_RESPONSES, ERROR_SCHEMA, InvalidRequest
from libriassist.orders import service as orders_service
from libriassist.orders.errors import UnsupportedOrdersFormat
from libriassist.orders.importing import FileFormat, format_for
from libriassist.orders.schemas import (
    ImportResult,
    OrderSourceIn,
    OrderSourceOut,
    SourceTestIn,
    SourceTestResult,
    StoredOrderOut,
)

router = APIRouter(prefix="/api/v1/admin/orders", tags=["orders"], responses=ERROR_RESPONSES)

IMPORT_PATH = "/api/v1/admin/orders/import"
# Room for the multipart framing around a file of the largest accepted size.
MULTIPART_OVERHEAD = 64 * 1024

_FILE_BODY = {"schema": {"type": "string", "format": "binary"}}
_IMPORT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": _FILE_BODY,
        "application/json": _FILE_BODY,
        "application/x-ndjson": _FILE_BODY,
    },
}


# The source routes come before /{order_number}, so that "source" is never read as a number.
@router.get("/source", response_model=OrderSourceOut)
async def get_source(
    principal: SecretKey, session: DbSession, resources: AppResources
) -> OrderSourceOut:
    """Where the tenant's orders come from (the secret is never shown)."""
    row = await orders_service.get_source_row(session, principal.tenant_id)
    return orders_service.describe_source(row, resources.settings)


@router.put("/source", response_model=OrderSourceOut)
async def put_source(
    body: OrderSourceIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> OrderSourceOut:
    """Replace the setting: the built-in table, or the shop's own order API."""
    row = await orders_service.save_source(
        session, principal.tenant_id, body, resources.secret_box, resources.settings
    )
    return orders_service.describe_source(row, resources.settings)


@router.delete("/source", status_code=204)
async def delete_source(principal: SecretKey, session: WriteSession) -> Response:
    """Back to the built-in table (the API's settings and secret are forgotten)."""
    await orders_service.reset_source(session, principal.tenant_id)
    return Response(status_code=204)


@router.post("/source/test", response_model=SourceTestResult)
async def test_source(
    body: SourceTestIn, principal: SecretKey, session: DbSession, resources: AppResources
) -> SourceTestResult:
    """Look up one customer's orders through the configured source, and report."""
    return await orders_service.try_source(
        session,
        principal.tenant_id,
        body.customer_id,
        resources.settings,
        resources.secret_box,
        resources.order_http,
    )


@router.post(
    "/import",
    response_model=ImportResult,
    responses={
        415: {
            "description": "Neither CSV nor JSON",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
    },
    openapi_extra={
        "requestBody": _IMPORT_BODY,
        "description": "CSV or JSON (an array or JSON lines), as the raw body or as a "
        "multipart field 'file'. All or nothing: a bad row refuses the whole file "
        "(invalid_orders_file, with each row, field and reason).",
    },
)
async def import_orders(
    request: Request,
    principal: SecretKey,
    session: DbSession,
    resources: AppResources,
    replace: Annotated[
        bool, Query(description="Replace all the tenant's orders instead of upserting.")
    ] = False,
) -> ImportResult:
    """Import orders into the built-in table (upsert by order number by default)."""
    data, fmt = await _read_file(request, resources.settings.orders_import_max_bytes)
    orders = orders_service.parse_file(data, fmt, resources.settings)
    return await orders_service.import_orders(session, principal.tenant_id, orders, replace)


async def _read_file(request: Request, max_bytes: int) -> tuple[bytes, FileFormat]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidRequest("Send the orders file in a multipart field named 'file'.")
            data = await upload.read(max_bytes + 1)
            fmt = format_for(upload.content_type, upload.filename)
    else:
        data = await request.body()
        fmt = format_for(content_type, None)
    if fmt is None:
        raise UnsupportedOrdersFormat()
    return data, fmt


@router.get("", response_model=list[StoredOrderOut])
async def list_orders(
    principal: SecretKey,
    session: DbSession,
    customer_id: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[StoredOrderOut]:
    """Imported orders, most recent first; one customer's with ``customer_id``."""
    return await orders_service.list_orders(
        session, principal.tenant_id, customer_id, limit, offset
    )


@router.delete("/{order_number}", status_code=204)
async def delete_order(order_number: str, principal: SecretKey, session: WriteSession) -> Response:
    """Delete one imported order (its number compared as orders/numbers.py says)."""
    await orders_service.delete_order(session, principal.tenant_id, order_number)
    return Response(status_code=204)
