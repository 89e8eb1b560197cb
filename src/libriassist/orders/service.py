"""A tenant's orders: imports into the built-in table, the order-source settings, and
``source_for``, the one way the rest of the product reaches a shopper's orders.

The order API's secret is stored encrypted (kit/secrets.py) and never returned. Its
address must resolve to public addresses unless the operator allows private ones
(LIBRIASSIST_ORDERS_ALLOW_PRIVATE): a tenant admin must not make the server call into its
own network.
"""

import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.config import Settings
from libriassist.errors import InvalidRequest
from libriassist.kit.secrets import SecretBox, SecretUnreadable
from libriassist.orders.errors import (
    OrderNotFound,
    OrderSourceError,
    OrderSourceHttpsRequired,
    OrderSourceKeyUnreadable,
)
from libriassist.orders.http_source import HttpOrderSource, HttpSourceConfig, check_public
from libriassist.orders.importing import FileFormat, ImportedOrder, parse_orders
from libriassist.orders.models import TenantOrderSource
from libriassist.orders.numbers import order_number_key
from libriassist.orders.repository import OrderRepository, OrderSourceRepository
from libriassist.orders.schemas import (
    ImportResult,
    OrderSourceIn,
    OrderSourceOut,
    SourceKind,
    SourceTestResult,
    StoredOrderOut,
)
from libriassist.orders.source import OrderSource, TableOrderSource, stored_columns, stored_to_order

# --- the built-in table ---------------------------------------------------------------


def parse_file(data: bytes, fmt: FileFormat, settings: Settings) -> list[ImportedOrder]:
    """Every row checked (``InvalidOrdersFile`` lists the bad ones); nothing written."""
    return parse_orders(
        data,
        fmt,
        max_rows=settings.orders_import_max_rows,
        max_bytes=settings.orders_import_max_bytes,
    )


async def import_orders(
    session: AsyncSession, tenant_id: str, orders: list[ImportedOrder], replace: bool
) -> ImportResult:
    """Upsert by order number, or (``replace``) swap all the tenant's orders for these.
    One transaction either way: the request's."""
    repository = OrderRepository(session, tenant_id)
    columns = [stored_columns(o.order, o.customer_id) for o in orders]
    deleted = updated = 0
    if replace:
        deleted = await repository.remove_all()
        fresh = columns
    else:
        existing = await repository.by_keys([str(c["number_key"]) for c in columns])
        fresh = []
        for values in columns:
            row = existing.get(str(values["number_key"]))
            if row is None:
                fresh.append(values)
                continue
            for name, value in values.items():
                setattr(row, name, value)
            updated += 1
        await session.flush()
    await repository.insert_many(fresh)
    return ImportResult(
        mode="replace" if replace else "upsert",
        created=len(fresh),
        updated=updated,
        deleted=deleted,
        total=await repository.count(),
    )


async def list_orders(
    session: AsyncSession, tenant_id: str, customer_id: str | None, limit: int, offset: int
) -> list[StoredOrderOut]:
    rows = await OrderRepository(session, tenant_id).page(customer_id, limit, offset)
    return [
        StoredOrderOut(**stored_to_order(row).model_dump(), customer_id=row.customer_id)
        for row in rows
    ]


async def delete_order(session: AsyncSession, tenant_id: str, order_number: str) -> None:
    """Deletes by exact number (rule 1 of orders/numbers.py only: never a guess)."""
    key = order_number_key(order_number)
    if not key or not await OrderRepository(session, tenant_id).remove(key):
        raise OrderNotFound()


# --- where orders come from -------------------------------------------------------------


async def get_source_row(session: AsyncSession, tenant_id: str) -> TenantOrderSource | None:
    return await OrderSourceRepository(session, tenant_id).current()


async def save_source(
    session: AsyncSession,
    tenant_id: str,
    body: OrderSourceIn,
    box: SecretBox,
    settings: Settings,
) -> TenantOrderSource | None:
    repository = OrderSourceRepository(session, tenant_id)
    if body.source == "table":
        # The built-in table is what no row means; the API's settings and secret go.
        await repository.remove()
        return None
    assert body.base_url is not None and body.auth is not None
    if not settings.orders_allow_private:
        # The operator's consent to private addresses (a shop API on the same network)
        # also allows plain http; otherwise a secret and customers' orders stay encrypted.
        if urlsplit(body.base_url).scheme != "https":
            raise OrderSourceHttpsRequired()
        await check_public(body.base_url)
    row = await repository.current()
    if row is None:
        row = repository.add(TenantOrderSource())
    row.source, row.base_url, row.auth = "http", body.base_url, body.auth
    row.timeout, row.retries = body.timeout, body.retries
    if "secret" in body.model_fields_set:
        row.secret_encrypted = box.encrypt(body.secret) if body.secret else None
        row.secret_hint = body.secret[-4:] if body.secret else None
    if row.secret_encrypted is None:
        raise InvalidRequest("The order API needs a secret (bearer token or HMAC key).")
    await session.flush()
    return row


async def reset_source(session: AsyncSession, tenant_id: str) -> None:
    await OrderSourceRepository(session, tenant_id).remove()


def describe_source(row: TenantOrderSource | None, settings: Settings) -> OrderSourceOut:
    return OrderSourceOut(
        source="http" if row is not None and row.source == "http" else "table",
        base_url=row.base_url if row else None,
        auth=row.auth if row else None,  # type: ignore[arg-type]
        secret_set=bool(row and row.secret_encrypted),
        secret_hint=row.secret_hint if row else None,
        timeout=row.timeout if row else None,
        retries=row.retries if row else None,
        effective_timeout=_timeout(row, settings),
        effective_retries=_retries(row, settings),
    )


def _timeout(row: TenantOrderSource | None, settings: Settings) -> float:
    if row is not None and row.timeout is not None:
        return min(row.timeout, settings.orders_timeout)
    return settings.orders_timeout


def _retries(row: TenantOrderSource | None, settings: Settings) -> int:
    return row.retries if row is not None and row.retries is not None else settings.orders_retries


async def source_for(
    session: AsyncSession,
    tenant_id: str,
    settings: Settings,
    secret_box: SecretBox,
    http_client: httpx.AsyncClient,
) -> OrderSource:
    """The tenant's order source: its own API when configured, else the built-in table.

    Raises ``OrderSourceKeyUnreadable`` when the API's secret was encrypted with another
    server key.
    """
    row = await get_source_row(session, tenant_id)
    if row is None or row.source != "http" or not row.base_url or not row.auth:
        return TableOrderSource(session, tenant_id)
    try:
        if row.secret_encrypted is None:
            raise SecretUnreadable("no secret stored")
        secret = secret_box.decrypt(row.secret_encrypted)
    except SecretUnreadable as exc:
        raise OrderSourceKeyUnreadable() from exc
    config = HttpSourceConfig(
        base_url=row.base_url,
        auth="hmac" if row.auth == "hmac" else "bearer",
        secret=secret,
        timeout=_timeout(row, settings),
        retries=_retries(row, settings),
        allow_private=settings.orders_allow_private,
    )
    return HttpOrderSource(config, http_client)


async def try_source(
    session: AsyncSession,
    tenant_id: str,
    customer_id: str,
    settings: Settings,
    secret_box: SecretBox,
    http_client: httpx.AsyncClient,
) -> SourceTestResult:
    """One real look-up for ``customer_id``, reported rather than raised."""
    row = await get_source_row(session, tenant_id)
    kind: SourceKind = "http" if row is not None and row.source == "http" else "table"
    started = time.perf_counter()
    try:
        source = await source_for(session, tenant_id, settings, secret_box, http_client)
        orders = await source.orders_for(customer_id)
    except OrderSourceError as exc:
        return SourceTestResult(
            ok=False,
            source=kind,
            customer_id=customer_id,
            latency_ms=_since(started),
            error_code=exc.code,
            error_message=exc.message,
        )
    return SourceTestResult(
        ok=True,
        source=kind,
        customer_id=customer_id,
        latency_ms=_since(started),
        orders_count=len(orders),
        orders=orders[:10],
    )


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
