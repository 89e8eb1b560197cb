"""Monthly quotas: what each tenant used per calendar month (UTC), and the caps on it.

A message is counted when it is accepted, before it is stored: over quota, nothing is
stored. A new conversation counts as a session at the same moment, and a reply's tokens
(prompt + completion) when it is closed. The effective cap of each counter is the lower
of the platform's (settings) and the tenant's own (admin API); none at all = unlimited.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.config import Settings
from libriassist.db import utcnow
from libriassist.kit.repository import Executor
from libriassist.kit.settings_cache import NO_CACHE, SettingsView
from libriassist.usage_limits.errors import QuotaExceeded
from libriassist.usage_limits.models import TenantQuota
from libriassist.usage_limits.repository import COUNTERS, QuotaRepository, UsageRepository
from libriassist.usage_limits.schemas import (
    Counter,
    QuotasIn,
    QuotasOut,
    QuotaValues,
    UsageOut,
)

log = logging.getLogger("libriassist.usage_limits")

Clock = Callable[[], datetime]


def period_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m")


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The first instant of the month, and of the next one."""
    year, month = (int(p) for p in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass(frozen=True)
class Quotas:
    messages: int | None = None
    sessions: int | None = None
    tokens: int | None = None

    def of(self, counter: str) -> int | None:
        value: int | None = getattr(self, counter)
        return value


def platform_quotas(settings: Settings) -> Quotas:
    return Quotas(
        settings.quota_messages_per_month,
        settings.quota_sessions_per_month,
        settings.quota_tokens_per_month,
    )


def _own_quotas(row: TenantQuota | None) -> Quotas:
    if row is None:
        return Quotas()
    return Quotas(row.messages_per_month, row.sessions_per_month, row.tokens_per_month)


def _lower(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return b if a is None else a
    return min(a, b)


def _effective(own: Quotas, platform: Quotas) -> Quotas:
    return Quotas(*(_lower(own.of(c), platform.of(c)) for c in COUNTERS))


async def effective_quotas(
    session: AsyncSession, tenant_id: str, settings: Settings, cache: SettingsView = NO_CACHE
) -> Quotas:
    current = QuotaRepository(session, tenant_id).current
    row = await cache.get("quotas", tenant_id, current, session=session)
    return _effective(_own_quotas(row), platform_quotas(settings))


async def admit_message(
    session: AsyncSession,
    tenant_id: str,
    settings: Settings,
    *,
    new_session: bool,
    now: datetime | None = None,
    cache: SettingsView = NO_CACHE,
) -> str:
    """``count_message`` against the tenant's quotas as they are now."""
    quotas = await effective_quotas(session, tenant_id, settings, cache)
    return await count_message(session, tenant_id, quotas, new_session=new_session, now=now)


async def count_message(
    executor: Executor,
    tenant_id: str,
    quotas: Quotas,
    *,
    new_session: bool,
    now: datetime | None = None,
) -> str:
    """Counts one visitor message (and a session when it starts a conversation), or
    raises ``QuotaExceeded`` counting nothing. The check and the increment are one
    conditional UPDATE, so concurrent workers cannot both take the last unit. Returns
    the period it was counted in. ``executor``: the write transaction that stores the
    message (a session or a ``DirectTransaction``); ``quotas``: ``effective_quotas``."""
    now = now or utcnow()
    period = period_of(now)
    usage = UsageRepository(executor, tenant_id)
    room: dict[str, tuple[int, int]] = {}  # counter: (needed, cap)
    if quotas.messages is not None:
        room["messages"] = (1, quotas.messages)
    if new_session and quotas.sessions is not None:
        room["sessions"] = (1, quotas.sessions)
    if quotas.tokens is not None:
        # Tokens are only known once a reply is written: a new message is refused once
        # the month's tokens are spent (one token left is enough).
        room["tokens"] = (1, quotas.tokens)
    checked = ("messages", "sessions", "tokens") if new_session else ("messages", "tokens")
    for counter in checked:
        # A cap of 0 refuses even the month's first message (whose row the upsert creates
        # without checking anything).
        if quotas.of(counter) == 0:
            raise QuotaExceeded(counter, 0, 0, period, period_bounds(period)[1], now)
    for _ in range(3):
        if await usage.add_to(period, room=room, messages=1, sessions=int(new_session)):
            return period
        counters = await usage.counters(period)
        assert counters is not None
        for counter, used in zip(COUNTERS, counters, strict=True):
            limit = quotas.of(counter)
            if counter in checked and limit is not None and used >= limit:
                raise QuotaExceeded(counter, limit, used, period, period_bounds(period)[1], now)
        # Nothing spent after all: a concurrent message was given back meanwhile.
    raise QuotaExceeded("messages", quotas.messages or 0, 0, period, period_bounds(period)[1], now)


async def record_tokens(
    session: Executor,
    tenant_id: str,
    tokens: int,
    now: datetime | None = None,
    *,
    period: str | None = None,
) -> None:
    """Adds a reply's tokens (prompt + completion) to ``period``'s usage (default: this
    month's). The chat passes the period its question was counted in."""
    if tokens > 0:
        period = period or period_of(now or utcnow())
        await UsageRepository(session, tenant_id).add_to(period, tokens=tokens)


async def usage_report(
    session: AsyncSession,
    tenant_id: str,
    settings: Settings,
    period: str | None = None,
    now: datetime | None = None,
) -> UsageOut:
    now = now or utcnow()
    current = period_of(now)
    period = period or current
    row = await UsageRepository(session, tenant_id).of_period(period)
    quotas = await effective_quotas(session, tenant_id, settings)
    starts_at, resets_at = period_bounds(period)
    counters = {}
    for counter in COUNTERS:
        used = getattr(row, counter) if row is not None else 0
        limit = quotas.of(counter)
        remaining = None if limit is None else max(0, limit - used)
        counters[counter] = Counter(used=used, quota=limit, remaining=remaining)
    return UsageOut(
        period=period,
        current=period == current,
        starts_at=starts_at,
        resets_at=resets_at,
        **counters,
    )


def _values(quotas: Quotas) -> QuotaValues:
    return QuotaValues(
        messages_per_month=quotas.messages,
        sessions_per_month=quotas.sessions,
        tokens_per_month=quotas.tokens,
    )


async def describe_quotas(session: AsyncSession, tenant_id: str, settings: Settings) -> QuotasOut:
    own = _own_quotas(await QuotaRepository(session, tenant_id).current())
    platform = platform_quotas(settings)
    return QuotasOut(
        tenant=_values(own),
        platform=_values(platform),
        effective=_values(_effective(own, platform)),
    )


async def set_quotas(
    session: AsyncSession, tenant_id: str, body: QuotasIn, settings: Settings
) -> QuotasOut:
    repository = QuotaRepository(session, tenant_id)
    row = await repository.current() or repository.add(TenantQuota())
    row.messages_per_month = body.messages_per_month
    row.sessions_per_month = body.sessions_per_month
    row.tokens_per_month = body.tokens_per_month
    await session.flush()
    return await describe_quotas(session, tenant_id, settings)
