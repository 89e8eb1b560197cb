"""Per-tenant CORS.

A preflight carries no API key, so it cannot be checked against a tenant: it is answered
for any origin, and the real request is then checked (``auth.dependencies``). Only a
response whose origin passed that check gets ``Access-Control-Allow-Origin``; errors get
it too so the widget can read the error code (they contain no tenant data).
"""

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_HEADERS = "Content-Type, X-API-Key, X-Session-Token, Authorization, X-Request-ID"
EXPOSED_HEADERS = "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"


def allow_origin(request: Request, origin: str) -> None:
    request.state.cors_origin = origin


class TenantCorsMiddleware:
    def __init__(self, app: ASGIApp, path_prefix: str = "/api/") -> None:
        self.app = app
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE, OPTIONS",
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and origin:
                out = MutableHeaders(scope=message)
                out.append("Vary", "Origin")
                state = scope.get("state") or {}
                allowed = state.get("cors_origin")
                error_readable = message["status"] >= 400
                if allowed or error_readable:
                    out["Access-Control-Allow-Origin"] = origin
                    out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)
