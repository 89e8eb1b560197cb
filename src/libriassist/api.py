"""Dependencies shared by every router: the app's resources and the request's session.

Resources are created once in ``main.lifespan`` and kept on ``app.state.resources``;
FastAPI ``Depends`` is the only way code reaches them.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder
from libriassist.ai.llm import LLMClients
from libriassist.config import Settings
from libriassist.curated.matching import CuratedCache
from libriassist.db import session_scope, write_scope
from libriassist.identity.jwks import JwksCache
from libriassist.intents.matching import IntentCache
from libriassist.jobs.runner import JobRunner
from libriassist.kit.secrets import SecretBox
from libriassist.kit.settings_cache import SettingsCache
from libriassist.knowledge.index import IndexCache
from libriassist.usage_limits.rates import RateLimits


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    embedder: Embedder
    job_runner: JobRunner
    secret_box: SecretBox
    # Calls to shops' order APIs (no redirects followed: an address was checked, not its
    # redirect's).
    order_http: httpx.AsyncClient
    rate_limits: RateLimits
    llm_clients: LLMClients = field(default_factory=LLMClients)
    index_cache: IndexCache = field(default_factory=IndexCache)
    curated_cache: CuratedCache = field(default_factory=CuratedCache)
    intent_cache: IntentCache = field(default_factory=IntentCache)
    # Shops' public signing keys (shopper tokens), per JWKS URL.
    jwks_cache: JwksCache = field(default_factory=JwksCache)
    # Keys, tenants, model settings and quotas, read by every message (kit/settings_cache.py).
    settings_cache: SettingsCache = field(default_factory=lambda: SettingsCache(0))


# Dependencies are ``async def`` even when they do not await: FastAPI runs a plain ``def``
# one in a worker thread, a hop that cost more than what they do.
async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


AppResources = Annotated[Resources, Depends(get_resources)]


async def get_session(resources: AppResources) -> AsyncIterator[AsyncSession]:
    # A plain (deferred) transaction: some admin routes also open transactions of their
    # own (a job is committed before it is queued), which would wait forever behind a
    # write lock taken here up front.
    async with session_scope(resources.sessionmaker) as session:
        yield session


async def get_write_session(resources: AppResources) -> AsyncIterator[AsyncSession]:
    # A writer from its first statement, for changes that read, then write: on SQLite a
    # deferred transaction whose snapshot another writer (a visitor's message) committed
    # past cannot write any more ("database is locked"). Not for routes that open
    # transactions of their own, nor for ones that call the network: the write lock is
    # held until the handler returns.
    async with write_scope(resources.sessionmaker) as session:
        yield session


# scope="function": the transaction commits when the handler returns, before the response
# is sent, so a failed commit is reported to the client instead of silently lost.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(get_write_session, scope="function")]
