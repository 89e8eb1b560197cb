"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from libriassist import migrate
from libriassist.api import AppResources
from libriassist.errors import error_body

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
            revision = await conn.run_sync(migrate.current_revision)
    except Exception as exc:  # any failure means "not ready", with the reason
        return _not_ready("database_unavailable", f"Database unreachable: {type(exc).__name__}")
    if revision != migrate.head_revision():
        return _not_ready("schema_out_of_date", "Run `libriassist db upgrade`.")
    return JSONResponse({"status": "ready", "database": resources.engine.dialect.name})


def _not_ready(code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=503)
