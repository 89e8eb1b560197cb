import pytest
from pydantic import ValidationError

from libriassist.config import Settings
from libriassist.usage_limits.rates import RateLimits, parse_limits


def test_the_defaults_limit_abuse_but_not_a_busy_shop() -> None:
    settings = Settings()
    limits = RateLimits.from_settings(settings)
    per_minute = {
        "session": limits.chat_per_session,
        "ip": limits.chat_per_ip,
        "tenant": limits.chat_per_tenant,
        "reads": limits.reads_per_ip,
    }
    assert {
        name: [(i.amount, i.get_expiry()) for i in items] for name, items in per_minute.items()
    } == {
        "session": [(20, 60)],
        "ip": [(60, 60)],
        "tenant": [(600, 60)],
        "reads": [(120, 60)],
    }
    assert [(i.amount, i.get_expiry()) for i in limits.order_misses] == [(10, 3600)]
    # Quotas: none unless the operator or the tenant sets them.
    assert (
        settings.quota_messages_per_month,
        settings.quota_sessions_per_month,
        settings.quota_tokens_per_month,
    ) == (None, None, None)


def test_limits_accept_the_usual_notations() -> None:
    items = parse_limits("5 per 10 minutes; 100/day")
    assert [(i.amount, i.get_expiry()) for i in items] == [(5, 600), (100, 86400)]
    assert parse_limits("  ") == ()


@pytest.mark.parametrize(
    "changes",
    [
        {"rate_limit_chat_per_ip": "lots"},
        {"rate_limit_chat_per_session": "20/fortnight"},
        {"trusted_proxies": "10.0.0.0/8, proxy.internal"},
        {"quota_tokens_per_month": -1},
    ],
)
def test_bad_limits_are_refused_at_start(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**changes)  # type: ignore[arg-type]


def test_an_empty_quota_variable_means_unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBRIASSIST_QUOTA_MESSAGES_PER_MONTH", "")
    monkeypatch.setenv("LIBRIASSIST_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
    settings = Settings()
    assert settings.quota_messages_per_month is None
    assert [str(n) for n in settings.trusted_proxy_networks] == ["127.0.0.1/32", "10.0.0.0/8"]
