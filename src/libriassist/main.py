"""The ASGI application: ``create_app()`` wires settings, resources, middlewares and routers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from threadpoolctl import threadpool_limits

from libriassist import __version__
from libriassist.ai.embedder import Embedder, embedder_from_settings
from libriassist.ai.llm import LLMClients
from libriassist.analytics.router import EVENTS_PATH, MAX_EVENTS_BYTES
from libriassist.analytics.router import router as analytics_router
from libriassist.api import Resources
from libriassist.chat.router import router as chat_router
from libriassist.config import Settings
from libriassist.curated.router import router as curated_router
from libriassist.customers.router import router as customers_router
from libriassist.db import create_engine, create_sessionmaker, session_scope
from libriassist.demo.router import router as demo_router
from libriassist.errors import install_error_handlers
from libriassist.feedback.router import router as feedback_router
from libriassist.identity.jwks import JwksCache
from libriassist.identity.router import router as identity_router
from libriassist.intents import builtin as intents_builtin
from libriassist.intents.matching import IntentCache
from libriassist.intents.router import router as intents_router
from libriassist.jobs.runner import job_runner
from libriassist.jobs.service import JobRuntime
from libriassist.kit.cors import TenantCorsMiddleware
from libriassist.kit.logging import configure_logging
from libriassist.kit.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    UnhandledErrorMiddleware,
)
from libriassist.kit.settings_cache import SettingsCache
from libriassist.knowledge import background, pgvector_search
from libriassist.knowledge.index import IndexCache
from libriassist.knowledge.router import UPLOAD_PATH
from libriassist.knowledge.router import router as knowledge_router
from libriassist.llm_config import service as llm_service
from libriassist.llm_config.router import router as llm_config_router
from libriassist.ops import router as ops_router
from libriassist.orders.router import IMPORT_PATH as ORDERS_IMPORT_PATH
from libriassist.orders.router import MULTIPART_OVERHEAD
from libriassist.orders.router import router as orders_router
from libriassist.platform import service as platform_service
from libriassist.tenants.router import router as tenants_router
from libriassist.usage_limits.rates import RateLimits
from libriassist.usage_limits.router import router as usage_limits_router
from libriassist.widget.router import router as widget_router

log = logging.getLogger("libriassist")


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One BLAS thread per server process. Its matrix products are small (a question
        # against a tenant's chunks), and OpenBLAS's other threads spin after each one:
        # that spinning doubled the CPU of a quoted answer. Scale out with workers instead.
        # Set here rather than by OPENBLAS_NUM_THREADS, which only works when it is set
        # before numpy is first imported. (The bundled embedder's own threads stay.)
        threadpool_limits(1, user_api="blas")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url)
        maker = create_sessionmaker(engine)
        model = embedder or embedder_from_settings(settings)
        runner = job_runner(settings, JobRuntime(maker, model, settings))
        app.state.resources = Resources(
            settings=settings,
            engine=engine,
            sessionmaker=maker,
            embedder=model,
            job_runner=runner,
            secret_box=llm_service.secret_box_for(settings),
            order_http=httpx.AsyncClient(follow_redirects=False),
            jwks_cache=JwksCache(allow_private=settings.identity_allow_private),
            rate_limits=RateLimits.from_settings(settings),
            llm_clients=LLMClients(
                retries=settings.llm_retries,
                breaker_threshold=settings.llm_breaker_threshold,
                breaker_cooldown=settings.llm_breaker_cooldown,
            ),
            index_cache=IndexCache(max_chunks=settings.index_cache_chunks),
            intent_cache=IntentCache.from_settings(settings),
            settings_cache=SettingsCache(settings.settings_cache_seconds),
        )
        intents_builtin.warm_up(model, app.state.resources.intent_cache.cache_dir)
        background.warm_up(model)
        if settings.search_backend == "pgvector":
            # Fails start-up with the fix when the server has no pgvector.
            await pgvector_search.ensure_schema(engine, model.model_id, model.dim)
        await _close_stale_replies(app.state.resources)
        await runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await app.state.resources.rate_limits.close()
            await app.state.resources.llm_clients.close()
            await app.state.resources.jwks_cache.close()
            await app.state.resources.order_http.aclose()
            await engine.dispose()

    # The docs pages' scripts are served from the package, not a CDN: they work offline.
    app = FastAPIOffline(
        title="LibriAssist",
        version=__version__,
        summary="Multi-tenant customer-support assistant",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Outermost last: the request id wraps everything, CORS headers reach error replies too.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={
            UPLOAD_PATH: settings.max_upload_bytes,
            ORDERS_IMPORT_PATH: settings.orders_import_max_bytes + MULTIPART_OVERHEAD,
            EVENTS_PATH: MAX_EVENTS_BYTES,  # smaller: a public endpoint, small batches
        },
    )
    app.add_middleware(TenantCorsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    for router in (
        ops_router,
        chat_router,
        widget_router,
        tenants_router,
        knowledge_router,
        curated_router,
        llm_config_router,
        identity_router,
        customers_router,
        intents_router,
        orders_router,
        usage_limits_router,
        feedback_router,
        analytics_router,
        demo_router,
    ):
        app.include_router(router)
    return app


async def _close_stale_replies(resources: Resources) -> None:
    try:
        async with session_scope(resources.sessionmaker) as session:
            closed = await platform_service.interrupt_stale_replies(session)
        if closed:
            log.warning(
                "closed replies left streaming by a stopped worker", extra={"count": closed}
            )
    except Exception:  # a database that is down or not migrated yet must not stop start-up
        log.exception("could not check for stale replies")


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory`` (each worker builds its own app)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    freeze_start_up_objects()
    return app


def freeze_start_up_objects() -> None:
    """Take what is alive now out of the garbage collector's full collections.

    For a serving process only, once its app is built (what its start-up then makes, a few
    thousand objects, is walked as before). Importing the libraries leaves about
    250,000 objects that live as long as the process, and every full collection walked
    them all: 125-165 ms during which no reply moved, twice in 3,000 answers at the demo
    (bench/start_under_load.py). Frozen, they are never walked again (those collections
    took 22-52 ms, for what was made since); they are never freed either, as modules,
    classes and functions would not have been anyway.
    """
    gc.collect()  # what is already garbage is freed, not frozen
    gc.freeze()
