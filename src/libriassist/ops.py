"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from libriassist.api import AppResources

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(resources: AppResources) -> JSONResponse:
    """The database answers."""
    try:
        async with resources.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", with the reason
        return JSONResponse(
            {
                "error": {
                    "code": "database_unavailable",
                    "message": f"Database unreachable: {type(exc).__name__}",
                }
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "database": resources.engine.dialect.name})
