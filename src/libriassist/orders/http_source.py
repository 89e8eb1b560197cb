"""Orders read from the shop's own API (the contract: docs/integration-orders.md).

``GET {base_url}/customers/{customer_id}/orders`` answers ``{"orders": [...]}``. The request
carries a bearer secret or an HMAC-SHA256 signature; connection failures, timeouts and 5xx
answers are retried with exponential backoff, other answers are not. A 404 means the shop
does not know the customer: no orders.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from pydantic import ConfigDict, ValidationError

from libriassist import __version__
from libriassist.kit.network import IPAddress, pinned_request, public_address
from libriassist.orders.errors import (
    OrderSourceAddressNotAllowed,
    OrderSourceAddressUnresolvable,
    OrderSourceBadReply,
    OrderSourceRefused,
    OrderSourceUnavailable,
)
from libriassist.orders.numbers import pick
from libriassist.orders.records import Order, OrderRecord
from libriassist.orders.source import MAX_ORDERS_PER_CUSTOMER, usable_customer_id

log = logging.getLogger("libriassist.orders")

AuthKind = Literal["bearer", "hmac"]
TIMESTAMP_HEADER = "X-LibriAssist-Timestamp"
SIGNATURE_HEADER = "X-LibriAssist-Signature"
MAX_REPLY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class HttpSourceConfig:
    base_url: str
    auth: AuthKind
    secret: str
    timeout: float  # seconds per attempt, the whole answer included
    retries: int
    allow_private: bool = False
    backoff: float = 0.25  # seconds before the first retry, doubled for each next one


class ReplyOrder(OrderRecord):
    # Shops send more than we read (their own ids, addresses...): extra fields are ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def canonical_string(timestamp: str, method: str, target: str, body: bytes) -> bytes:
    """What an HMAC request signs: timestamp, method, path with query, body's SHA-256."""
    digest = hashlib.sha256(body).hexdigest()
    return f"{timestamp}\n{method.upper()}\n{target}\n{digest}".encode()


def signature(secret: str, timestamp: str, method: str, target: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), canonical_string(timestamp, method, target, body), "sha256")
    return f"sha256={mac.hexdigest()}"


def orders_url(base_url: str, customer_id: str) -> str:
    return f"{base_url.rstrip('/')}/customers/{quote(customer_id, safe='')}/orders"


async def check_public(url: str) -> IPAddress:
    """The address to connect to; raises unless every address ``url``'s host resolves to
    is public."""
    try:
        address = await public_address(url)
    except OSError as exc:
        raise OrderSourceAddressUnresolvable() from exc
    if address is None:
        raise OrderSourceAddressNotAllowed()
    return address


class HttpOrderSource:
    def __init__(
        self,
        config: HttpSourceConfig,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._client = client
        self._clock = clock

    async def orders_for(self, customer_id: str) -> list[Order]:
        if not usable_customer_id(customer_id):
            return []
        url = orders_url(self.config.base_url, customer_id)
        address = None
        if not self.config.allow_private:
            # Checked on every call too, and the connection goes to the address checked: a
            # name that resolved to a public address when saved may point inside since.
            try:
                address = await check_public(url)
            except (OrderSourceAddressNotAllowed, OrderSourceAddressUnresolvable) as exc:
                raise OrderSourceUnavailable(exc.message) from exc
        status, body = await self._get(url, address)
        if status == 404:
            return []
        if 300 <= status < 400:
            raise OrderSourceRefused(
                f"The shop's order API answered {status}: redirects are not followed, "
                "give its final address.",
                details={"status": status},
            )
        if status >= 400:
            raise OrderSourceRefused(
                f"The shop's order API answered {status} (check its address and the secret).",
                details={"status": status},
            )
        return parse_reply(body, customer_id)

    async def find(self, customer_id: str, order_number: str) -> Order | None:
        # The whole list, then matching here: the shop's API is only ever asked about the
        # token's customer, whatever number was typed.
        return pick(await self.orders_for(customer_id), order_number)

    async def _get(self, url: str, address: IPAddress | None = None) -> tuple[int, bytes]:
        attempts = self.config.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.config.backoff * 2 ** (attempt - 1))
            try:
                async with asyncio.timeout(self.config.timeout):
                    status, body = await self._once(url, address)
            except (TimeoutError, httpx.TimeoutException):
                problem = f"did not answer within {self.config.timeout:g} s"
                continue
            except (httpx.TransportError, httpx.DecodingError) as exc:
                problem = f"could not be reached ({type(exc).__name__})"
                continue
            if status >= 500:
                problem = f"answered {status}"
                continue
            return status, body
        host = urlsplit(url).hostname
        log.warning(
            "order source unavailable", extra={"host": host, "problem": problem, "tries": attempts}
        )
        raise OrderSourceUnavailable(
            f"The shop's order API {problem} ({attempts} attempt{'s' if attempts > 1 else ''})."
        )

    async def _once(self, url: str, address: IPAddress | None) -> tuple[int, bytes]:
        request = pinned_request(
            self._client,
            "GET",
            url,
            address,
            headers=self._headers(url),
            timeout=self.config.timeout,
        )
        response = await self._client.send(request, stream=True)
        try:
            if response.status_code >= 300:
                return response.status_code, b""
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise OrderSourceBadReply(
                        f"The shop's order API answered more than {MAX_REPLY_BYTES} bytes."
                    )
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)
        finally:
            await response.aclose()

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"LibriAssist/{__version__}"}
        if self.config.auth == "bearer":
            headers["Authorization"] = f"Bearer {self.config.secret}"
        else:
            timestamp = str(int(self._clock()))
            target = httpx.URL(url).raw_path.decode("ascii")
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = signature(self.config.secret, timestamp, "GET", target, b"")
        return headers


def parse_reply(body: bytes, customer_id: str) -> list[Order]:
    """The shop's answer, checked against the contract; most recent orders first."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OrderSourceBadReply("The shop's order API did not answer JSON.") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("orders"), list):
        raise OrderSourceBadReply(
            'The shop\'s order API must answer a JSON object with an "orders" array.'
        )
    orders: list[Order] = []
    for index, entry in enumerate(payload["orders"]):
        if isinstance(entry, dict) and "customer_id" in entry:
            # A reply naming another customer is a bug on the shop's side: better no
            # answer than someone else's orders.
            if str(entry["customer_id"]) != customer_id:
                raise OrderSourceBadReply(
                    f"orders[{index}] belongs to another customer than the one asked about."
                )
            entry = {k: v for k, v in entry.items() if k != "customer_id"}
        try:
            orders.append(ReplyOrder.model_validate(entry).to_order())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _dotted(first["loc"])
            reason = str(first["msg"]).removeprefix("Value error, ")
            raise OrderSourceBadReply(
                f"orders[{index}]{'.' + where if where else ''}: {reason}",
                details=[
                    {
                        "order": index,
                        "field": _dotted(e["loc"]),
                        "message": e["msg"],
                    }
                    for e in exc.errors()[:20]
                ],
            ) from exc
    orders.sort(key=_most_recent_first)
    return orders[:MAX_ORDERS_PER_CUSTOMER]


def _most_recent_first(order: Order) -> tuple[bool, float]:
    placed = order.placed_at
    return placed is None, -placed.timestamp() if placed is not None else 0.0


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)
