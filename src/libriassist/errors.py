"""One error base class and one JSON envelope: ``{"error": {"code", "message"}}``.

Codes are stable and machine-readable; messages are for humans and may change.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from libriassist.ai.embedder import EmbeddingError

log = logging.getLogger("libriassist.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request is invalid."

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details
        # Extra response headers (Retry-After and the like).
        self.headers: dict[str, str] | None = None


class InvalidApiKey(AppError):
    status_code = 401
    code = "invalid_api_key"
    message = "The API key is missing, unknown or revoked."


class WrongKeyKind(AppError):
    status_code = 403
    code = "wrong_key_kind"
    message = "This endpoint needs a different kind of key."


class OriginNotAllowed(AppError):
    status_code = 403
    code = "origin_not_allowed"
    message = "This website is not allowed to use this assistant."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    message = "No conversation with this id for this session token."


class TenantNotFound(NotFound):
    code = "tenant_not_found"
    message = "No such tenant."


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class MalformedJson(AppError):
    code = "malformed_json"
    message = "The request body is not valid JSON."


class MessageTooLong(AppError):
    status_code = 422
    code = "message_too_long"


class InvalidRequest(AppError):
    status_code = 422
    code = "invalid_request"
    message = "The request does not match the expected schema."


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


# Documented in every route's ``responses=`` so the OpenAPI schema shows the envelope.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    for status, text in [
        (400, "Malformed request"),
        (401, "Invalid API key"),
        (403, "Origin or key kind not allowed"),
        (404, "Not found (also: another tenant's data)"),
        (413, "Body too large"),
        (422, "Invalid input"),
    ]
}

_HTTP_CODES = {
    # FastAPI raises a bare 400 when it cannot read the body (bad encoding, absurd nesting).
    400: "malformed_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _validation_error(exc: RequestValidationError) -> AppError:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            return MalformedJson()
    details = [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type"),
        }
        for err in errors
    ]
    first = details[0] if details else {"loc": [], "msg": ""}
    where = ".".join(p for p in first["loc"] if p != "body") or "body"
    return InvalidRequest(f"Invalid field '{where}': {first['msg']}", details=details)


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return await app_error(request, _validation_error(exc))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def embedding_error(request: Request, exc: Exception) -> JSONResponse:
        # The embedding server's own message stays in the log, not in a visitor's widget.
        log.error("embedding failed: %s", exc, extra={"path": request.url.path})
        return JSONResponse(
            error_body("embedder_unavailable", "The search service is unavailable; try again."),
            status_code=503,
        )

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(EmbeddingError, embedding_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    # Unexpected exceptions: kit.middleware.UnhandledErrorMiddleware.
