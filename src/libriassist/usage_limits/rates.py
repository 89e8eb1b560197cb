"""Rate limits: moving windows kept in process memory, or in Redis so that every worker
(and every machine) counts against the same windows.

Limits are written in the ``limits`` notation (``20/minute``, ``5 per 10 minutes``,
``20/minute;200/hour``); an empty setting means no limit. A Redis that stops answering
lets requests through (logged): an outage of the counters must not take the chat down.
"""

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from libriassist.config import Settings
from libriassist.usage_limits.errors import RateLimited

log = logging.getLogger("libriassist.usage_limits")

# How long a request may wait for Redis before it is let through uncounted.
REDIS_TIMEOUT = 1.0
# One warning per this many seconds while Redis is unreachable, not one per request.
WARN_EVERY = 60.0


@dataclass(frozen=True)
class Window:
    """Where a caller stands in the tightest of the limits that applied to a request."""

    limit: int
    remaining: int
    reset_after: int  # seconds until a slot frees up

    def headers(self) -> dict[str, str]:
        # The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers).
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }


@dataclass(frozen=True)
class Check:
    """One limit applied to one key, e.g. 20/minute for a given conversation."""

    scope: str  # what the key stands for, shown in a refusal: session, ip, tenant, customer
    items: tuple[RateLimitItem, ...]
    key: tuple[str, ...]


def parse_limits(notation: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(notation)) if notation.strip() else ()


def opaque(value: str) -> str:
    """Keys never hold a visitor's token or a customer id as such (Redis may be shared)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


class RateLimits:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.chat_per_session = parse_limits(settings.rate_limit_chat_per_session)
        self.chat_per_ip = parse_limits(settings.rate_limit_chat_per_ip)
        self.chat_per_tenant = parse_limits(settings.rate_limit_chat_per_tenant)
        self.reads_per_ip = parse_limits(settings.rate_limit_reads_per_ip)
        self.events_per_ip = parse_limits(settings.rate_limit_events_per_ip)
        self.order_lookups = parse_limits(settings.rate_limit_order_lookups_per_customer)
        self.order_misses = parse_limits(settings.rate_limit_order_misses)
        self._warned_at = -math.inf
        self._pool: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        if not settings.redis_url:
            return cls(settings, MemoryStorage())
        from redis.asyncio import ConnectionPool

        # Our own pool, so that it can be closed at shutdown; redis-py's asyncio client
        # (already a dependency) rather than the library's default, coredis.
        pool = ConnectionPool.from_url(
            settings.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
        )
        url = settings.redis_url
        scheme = "async+redis+" if url.startswith("unix://") else "async+"
        storage = RedisStorage(
            scheme + url,
            implementation="redispy",
            key_prefix=f"{settings.job_queue}:ratelimit",
            connection_pool=pool,  # type: ignore[arg-type]  # passed on to redis-py
        )
        limiter = cls(settings, storage)
        limiter._pool = pool
        return limiter

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        timer = getattr(self.storage, "timer", None)
        if isinstance(timer, asyncio.Task):
            timer.cancel()  # the in-memory storage's expiry sweep

    # -- the limits of each route -------------------------------------------------------

    async def chat(self, tenant_id: str, session_token: str | None, ip: str) -> Window | None:
        """A visitor message. The most specific key comes first, so that one abuser runs
        out of their own allowance before eating into the tenant's."""
        checks = []
        if session_token:
            # Keyed by the token, not the session id: only the visitor holding it can
            # spend a conversation's allowance.
            key = ("chat", "session", tenant_id, opaque(session_token))
            checks.append(Check("session", self.chat_per_session, key))
        checks.append(Check("ip", self.chat_per_ip, ("chat", "ip", ip_key(ip))))
        checks.append(Check("tenant", self.chat_per_tenant, ("chat", "tenant", tenant_id)))
        return await self.hit(checks)

    async def reads(self, ip: str) -> Window | None:
        """The widget's other public endpoints: its configuration, a conversation's history."""
        return await self.hit([Check("ip", self.reads_per_ip, ("reads", "ip", ip_key(ip)))])

    async def events(self, ip: str) -> Window | None:
        """What the widget reports back: analytics event batches and reply ratings."""
        return await self.hit([Check("ip", self.events_per_ip, ("events", "ip", ip))])

    async def hit_order_lookup(
        self, tenant_id: str, customer_id: str | None, session_id: str | None, ip: str
    ) -> Window | None:
        """Call before looking an order number up: refuses (``RateLimited``) a customer
        over their look-up allowance, or a customer, conversation or IP that recently
        asked for too many orders that were not found. Report each miss with
        ``record_order_miss``."""
        misses = self._miss_checks(tenant_id, customer_id, session_id, ip)
        try:
            for check in misses:
                for item in check.items:
                    if not await self.strategy.test(item, *check.key):
                        window = await self._window(item, check.key)
                        raise RateLimited(
                            f"Too many order numbers that match no order of yours. Try again "
                            f"in {_human(window.reset_after)}.",
                            window=window,
                            scope=f"order_misses_{check.scope}",
                        )
        except RateLimited:
            raise
        except Exception as exc:
            self._storage_failed(exc)
            return None
        if customer_id is None:
            return None
        key = ("orders", "customer", tenant_id, opaque(customer_id))
        return await self.hit([Check("customer", self.order_lookups, key)])

    async def record_order_miss(
        self, tenant_id: str, customer_id: str | None, session_id: str | None, ip: str
    ) -> None:
        """An order look-up found nothing for this customer (unknown number, or someone
        else's: the two are one case)."""
        try:
            for check in self._miss_checks(tenant_id, customer_id, session_id, ip):
                for item in check.items:
                    await self.strategy.hit(item, *check.key)
        except Exception as exc:
            self._storage_failed(exc)

    async def forget_customer(self, tenant_id: str, customer_id: str) -> None:
        """Erasure: the counters kept under this customer's hashed id go with the rest
        (a customer id is guessable, so its hash is not anonymous)."""
        hashed = opaque(customer_id)
        kept = [
            (self.order_lookups, ("orders", "customer", tenant_id, hashed)),
            (self.order_misses, ("order-misses", "customer", tenant_id, hashed)),
        ]
        try:
            for items, key in kept:
                for item in items:
                    await self.strategy.clear(item, *key)
        except Exception as exc:
            self._storage_failed(exc)

    def _miss_checks(
        self, tenant_id: str, customer_id: str | None, session_id: str | None, ip: str
    ) -> list[Check]:
        checks = []
        if customer_id is not None:
            key = ("order-misses", "customer", tenant_id, opaque(customer_id))
            checks.append(Check("customer", self.order_misses, key))
        if session_id:
            key = ("order-misses", "session", tenant_id, opaque(session_id))
            checks.append(Check("session", self.order_misses, key))
        # Per tenant: many shoppers behind one carrier NAT must not lock each other out of
        # every shop's order look-ups.
        key = ("order-misses", "ip", tenant_id, ip_key(ip))
        checks.append(Check("ip", self.order_misses, key))
        return checks

    # -- the mechanics -----------------------------------------------------------------

    async def hit(self, checks: list[Check]) -> Window | None:
        """Count one request against every check, in order; refuse at the first one that
        is full (the later ones are not counted). Returns the tightest window, for the
        response headers; None when no limit applies or the storage is unreachable."""
        try:
            counted: list[tuple[RateLimitItem, tuple[str, ...]]] = []
            for check in checks:
                for item in check.items:
                    if not await self.strategy.hit(item, *check.key):
                        window = await self._window(item, check.key)
                        raise RateLimited(
                            f"Too many requests. Try again in {_human(window.reset_after)}.",
                            window=window,
                            scope=check.scope,
                        )
                    counted.append((item, check.key))
            if not counted:
                return None
            windows = await asyncio.gather(*(self._window(i, k) for i, k in counted))
        except RateLimited:
            raise
        except Exception as exc:
            self._storage_failed(exc)
            return None
        return min(windows, key=lambda w: (w.remaining, -w.reset_after))

    async def _window(self, item: RateLimitItem, key: tuple[str, ...]) -> Window:
        stats = await self.strategy.get_window_stats(item, *key)
        reset_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Window(item.amount, max(0, stats.remaining), reset_after)

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning(
                "rate-limit counters unreachable; requests pass uncounted",
                extra={"error": f"{type(exc).__name__}: {exc}"},
            )


def _human(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def ip_key(ip: str) -> str:
    """What an IP limit counts: the address, or for IPv6 its /64 (one subscriber's
    network; an attacker holding a /64 must not get 2^64 fresh allowances)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
