"""Chat models behind one small interface: any OpenAI-compatible Chat Completions endpoint
(OpenAI, Azure OpenAI, Mistral, Groq, OpenRouter, Ollama, vLLM, llama.cpp server) through
the official ``openai`` SDK.

What the answering step gets is a stream of text pieces and, at the end, the usage. This
module owns what can go wrong on the way:

- retries with exponential backoff on 429, 5xx, timeouts and refused connections, but only
  before the first token: once text has reached the visitor, a retry would repeat it;
- a circuit breaker per endpoint and key (base URL + model + API key), so a provider that
  is down costs one fast failure per message instead of a timeout each, and one tenant's
  revoked or rate-limited key pauses that tenant's calls only;
- a deadline for the first chunk, retries included, and for every gap between chunks
  (``timeout``), and one for the whole reply (``max_duration``): a stream that trickles
  forever is cut;
- usage as the API reports it, or estimated from the text when it reports none.
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import random
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger("libriassist.llm")

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.2
    max_tokens: int = 512
    timeout: float = 20.0  # seconds to the first chunk, retries included, and between two
    max_duration: float = 120.0  # seconds for the whole reply

    @property
    def endpoint(self) -> str:
        """One model at one address (as logs and errors name it)."""
        return f"{self.base_url.rstrip('/')}#{self.model}"

    @property
    def account(self) -> str:
        """What a circuit breaker watches: one model at one address, called with one key.
        Tenants with keys of their own at the same provider are separate accounts: one
        tenant's revoked or rate-limited key must not pause the model for the others."""
        return f"{self.endpoint}#{key_fingerprint(self.api_key)}"


def key_fingerprint(api_key: str | None) -> str:
    return hashlib.sha256((api_key or "").encode()).hexdigest()


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False


class LLMError(Exception):
    """The model gave no usable reply. ``code`` is stable and goes into the message row."""

    code = "llm_failed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class LLMUnavailable(LLMError):
    """Nothing was streamed: the caller can answer another way."""

    code = "llm_unavailable"


class LLMInterrupted(LLMError):
    """The stream broke after text was sent: the reply is partial."""

    code = "llm_interrupted"


def estimate_tokens(text: str) -> int:
    """About four characters per token in Latin scripts, fewer in Arabic: a rough figure
    kept only for providers that report no usage."""
    if not text:
        return 0
    arabic = sum(1 for ch in text if "\u0600" <= ch <= "\u06ff")
    return max(1, math.ceil((len(text) - arabic) / 4 + arabic / 2.5))


class CircuitBreaker:
    """Closed → open after ``threshold`` consecutive failures → after ``cooldown`` seconds one
    trial call is let through (half-open): its success closes the breaker, its failure opens
    it again. Per process: each worker learns on its own, which costs a few calls at most."""

    def __init__(self, threshold: int = 5, cooldown: float = 30.0) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self.opened_at is None:
            return "closed"
        if time.monotonic() - self.opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def succeeded(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._trial_running = False

    def failed(self) -> None:
        self.failures += 1
        if self._trial_running or self.failures >= self.threshold:
            self.opened_at = time.monotonic()
        self._trial_running = False

    def released(self) -> None:
        """A trial call ended with neither verdict (e.g. the visitor left)."""
        self._trial_running = False


_RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    TimeoutError,
)


class LLMClients:
    """One SDK client per endpoint and key, each with its own connection pool (and cookie
    jar: nothing one tenant's provider sets travels with another tenant's requests), one
    breaker per endpoint and key. Lives as long as the process."""

    def __init__(
        self,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 30.0,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.breaker_threshold = breaker_threshold
        self.breaker_cooldown = breaker_cooldown
        self._clients: dict[tuple[str, str, float], AsyncOpenAI] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        # One TLS set-up for all of them. Each client built its own trust store: 20 ms of
        # the event loop (no other reply moved meanwhile) on the first question of every
        # tenant with its own key, in every worker. The system's store, as the SDK reads
        # it (SSL_CERT_FILE and SSL_CERT_DIR are honoured).
        self._tls: ssl.SSLContext | None = None

    def breaker(self, config: LLMConfig) -> CircuitBreaker:
        found = self._breakers.get(config.account)
        if found is None:
            found = CircuitBreaker(self.breaker_threshold, self.breaker_cooldown)
            self._breakers[config.account] = found
        return found

    def client(self, config: LLMConfig) -> AsyncOpenAI:
        slot = (config.base_url, key_fingerprint(config.api_key), config.timeout)
        found = self._clients.get(slot)
        if found is None:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            found = AsyncOpenAI(
                base_url=config.base_url,
                # Local servers (Ollama, vLLM, llama.cpp) take any key; the SDK needs one.
                api_key=config.api_key or "not-needed",
                timeout=openai.Timeout(config.timeout, connect=min(config.timeout, 5.0)),
                max_retries=0,  # ours are aware of the first token; the SDK's are not
                http_client=openai.DefaultAsyncHttpxClient(verify=self._tls),  # SDK defaults
            )
            self._clients[slot] = found
        return found

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()

    def stream(self, config: LLMConfig, messages: list[ChatMessage]) -> "ReplyStream":
        return ReplyStream(self, config, messages)


class ReplyStream:
    """``async for piece in stream`` yields text; ``stream.usage`` is set at the end.

    Raises ``LLMUnavailable`` when nothing was produced (breaker open, every try failed),
    ``LLMInterrupted`` when the stream broke after some text.
    """

    def __init__(self, clients: LLMClients, config: LLMConfig, messages: list[ChatMessage]):
        self.clients = clients
        self.config = config
        self.messages = messages
        self.usage = Usage()
        self.attempts = 0
        self.first_token_at: float | None = None
        self.produced: list[str] = []

    def __aiter__(self) -> AsyncIterator[str]:
        return self._run()

    def spent(self) -> Usage:
        """The usage as the API reported it, or estimated from the prompt and the text
        produced so far: a reply cut off, or dropped by the caller, reports none."""
        if self.usage.prompt_tokens or self.usage.completion_tokens:
            return self.usage
        prompt = "".join(m.content for m in self.messages)
        return Usage(estimate_tokens(prompt), estimate_tokens("".join(self.produced)), True)

    async def _run(self) -> AsyncIterator[str]:
        config = self.config
        breaker = self.clients.breaker(config)
        if not breaker.allow():
            raise LLMUnavailable(
                f"{config.endpoint} is failing; calls are paused", code="llm_circuit_open"
            )
        verdict: bool | None = None
        try:
            deadline = time.monotonic() + config.max_duration
            async for piece in self._with_retries(deadline, self.produced):
                yield piece
            verdict = True
        except LLMError:
            verdict = False
            raise
        finally:
            if verdict is True:
                breaker.succeeded()
            elif verdict is False:
                breaker.failed()
            else:  # cancelled: the visitor left; say nothing about the endpoint
                breaker.released()
        self.usage = self.spent()

    async def _with_retries(self, deadline: float, produced: list[str]) -> AsyncIterator[str]:
        last: BaseException | None = None
        # A model that sends nothing is given up ``timeout`` after the first attempt
        # began, retries included: after one attempt, not one per retry (3 × 20 s before
        # the quote). Retries are for the fast failures (429, 5xx, a dropped connection).
        # Once chunks come, words or not (a reasoning model's thoughts), the usual gap
        # limit applies instead.
        first_by = min(deadline, time.monotonic() + self.config.timeout)
        for attempt in range(self.clients.retries + 1):
            self.attempts = attempt + 1
            try:
                async for piece in self._once(deadline, first_by, produced):
                    yield piece
                return
            except _RETRYABLE as exc:
                if produced:
                    raise LLMInterrupted(
                        f"stream broke after the first token: {_why(exc)}"
                    ) from exc
                last = exc
                if attempt == self.clients.retries:
                    break
                delay = _retry_delay(exc, attempt, self.clients.backoff)
                if attempt == 0 and _stale_connection(exc):
                    # Most likely a pooled keep-alive connection the server had closed
                    # (Ollama, vLLM and uvicorn drop idle ones after seconds): try anew now.
                    delay = 0.0
                if time.monotonic() + delay >= first_by:
                    break
                log.warning(
                    "LLM call failed, retrying",
                    extra={"endpoint": self.config.endpoint, "error": _why(exc), "delay": delay},
                )
                await asyncio.sleep(delay)
            except openai.APIStatusError as exc:  # 400, 401, 404...: retrying will not help
                if produced:
                    raise LLMInterrupted(_why(exc)) from exc
                raise LLMUnavailable(_why(exc), code=_status_code(exc)) from exc
            except (openai.OpenAIError, ValueError, KeyError, TypeError) as exc:
                # A malformed chunk or answer: the server does not speak the protocol.
                if produced:
                    raise LLMInterrupted(f"malformed stream: {_why(exc)}") from exc
                raise LLMUnavailable(
                    f"malformed answer: {_why(exc)}", code="llm_bad_reply"
                ) from exc
        code = "llm_timeout" if isinstance(last, TimeoutError | openai.APITimeoutError) else None
        raise LLMUnavailable(f"no reply after {self.attempts} tries: {_why(last)}", code=code)

    async def _once(
        self, deadline: float, first_by: float, produced: list[str]
    ) -> AsyncIterator[str]:
        config = self.config
        client = self.clients.client(config)
        budget = max(0.1, first_by - time.monotonic())
        # The SDK sends the request and maps its errors; the chunks are read here. The
        # SDK's own chunk objects cost about 150 µs of CPU each (pydantic construction),
        # six times what the whole rest of a chunk's way costs, and a reply has hundreds.
        opened = client.chat.completions.with_streaming_response.create(
            model=config.model,
            # The messages go as they are, in the SDK's extra_body (which wins over the
            # named field): plain role/content strings, which the SDK's params transform
            # would walk field by field to change nothing, 70 µs of CPU per message.
            messages=[],
            extra_body={"messages": openai_messages(self.messages)},
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            stream=True,
            stream_options={"include_usage": True},
        )
        async with contextlib.AsyncExitStack() as stack:
            async with asyncio.timeout(budget):
                response = await stack.enter_async_context(opened)
            events = _sse_data(response.http_response)
            stack.push_async_callback(events.aclose)
            alive = False  # a chunk came, words or not (a reasoning model thinks aloud)
            while True:
                # No chunk within ``timeout`` (no chunk at all by ``first_by``, or past the
                # whole reply's deadline): give up.
                limit = deadline if alive else first_by
                wait = min(config.timeout, limit - time.monotonic())
                if wait <= 0:
                    raise TimeoutError("the reply took longer than its time limit")
                try:
                    async with asyncio.timeout(wait):
                        data = await anext(events)
                except StopAsyncIteration:
                    break
                alive = True
                for text in self._read_chunk(data):
                    if self.first_token_at is None:
                        self.first_token_at = time.monotonic()
                    produced.append(text)
                    yield text

    def _read_chunk(self, data: str) -> list[str]:
        """The text pieces of one ``chat.completion.chunk``; notes its usage if any.
        Raises ``ValueError`` on anything that is not such a chunk."""
        chunk = json.loads(data)
        if not isinstance(chunk, dict):
            raise ValueError("a chunk is not a JSON object")
        error = chunk.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else None
            raise ValueError(f"the stream carried an error: {message or error}"[:300])
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage(
                int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            )
        pieces = []
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") if isinstance(choice, dict) else None
            text = delta.get("content") if isinstance(delta, dict) else None
            if text:
                if not isinstance(text, str):
                    raise ValueError("a chunk's content is not text")
                pieces.append(text)
        return pieces


async def _sse_data(response: Any) -> AsyncGenerator[str, None]:
    """The ``data`` of each server-sent event up to ``[DONE]`` (comments, ``event`` and
    ``id`` fields aside). Transport failures become the SDK's own error types, so they are
    retried (before the first token) like the SDK's."""
    lines = aiter(response.aiter_lines())
    data: list[str] = []
    done = False
    while True:
        try:
            line = await anext(lines)
        except StopAsyncIteration:
            break
        except Exception as exc:
            if "Timeout" in type(exc).__name__:
                raise openai.APITimeoutError(request=response.request) from exc
            raise openai.APIConnectionError(request=response.request) from exc
        if done:
            continue  # read to the end: HTTP/1.1 can then reuse the connection
        if line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
        elif not line and data:
            event = "\n".join(data)
            data = []
            if event.startswith("[DONE]"):
                done = True
            else:
                yield event
    if data and not done and not data[0].startswith("[DONE]"):
        yield "\n".join(data)


def _retry_delay(exc: BaseException, attempt: int, backoff: float) -> float:
    """Exponential with jitter; a server's Retry-After wins when it is short."""
    if isinstance(exc, openai.APIStatusError):
        after = exc.response.headers.get("retry-after")
        try:
            if after is not None and 0 <= float(after) <= 10:
                return float(after)
        except ValueError:
            pass
    return float(backoff * (2**attempt) * (0.5 + random.random()))


def _stale_connection(exc: BaseException) -> bool:
    return isinstance(exc, openai.APIConnectionError) and not isinstance(
        exc, openai.APITimeoutError
    )


def _status_code(exc: openai.APIStatusError) -> str:
    if exc.status_code in (401, 403):
        return "llm_auth_failed"
    if exc.status_code == 404:
        return "llm_model_not_found"
    return "llm_rejected"


def _why(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    return f"{type(exc).__name__}: {exc}"[:300]


def openai_messages(messages: list[ChatMessage]) -> list[ChatCompletionMessageParam]:
    return [
        cast(ChatCompletionMessageParam, {"role": m.role, "content": m.content}) for m in messages
    ]
