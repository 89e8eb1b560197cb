from datetime import datetime
from typing import TYPE_CHECKING, Any

from libriassist.errors import ERROR_SCHEMA, AppError

if TYPE_CHECKING:
    from libriassist.usage_limits.rates import Window


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many requests. Try again later."

    def __init__(self, message: str | None = None, *, window: "Window", scope: str) -> None:
        super().__init__(message, details={"scope": scope, "retry_after": window.reset_after})
        self.window = window
        self.scope = scope
        self.headers = {"Retry-After": str(window.reset_after), **window.headers()}


class QuotaExceeded(AppError):
    status_code = 429
    code = "quota_exceeded"

    def __init__(
        self, quota: str, limit: int, used: int, period: str, resets_at: datetime, now: datetime
    ) -> None:
        when = resets_at.strftime("%Y-%m-%d %H:%M UTC")
        super().__init__(
            f"This assistant has used its monthly quota of {limit} {quota} for {period}; "
            f"it resets on {when}.",
            details={
                "quota": quota,
                "limit": limit,
                "used": used,
                "period": period,
                "resets_at": resets_at.isoformat().replace("+00:00", "Z"),
            },
        )
        self.quota = quota
        self.headers = {"Retry-After": str(max(1, int((resets_at - now).total_seconds())))}


LIMITED_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "`rate_limited` or `quota_exceeded`: try again after `Retry-After` "
        "seconds. Limited routes also send `RateLimit-Limit`, `RateLimit-Remaining` and "
        "`RateLimit-Reset` on every answer.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
}
