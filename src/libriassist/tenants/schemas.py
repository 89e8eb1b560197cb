"""Validated shapes of tenant settings, shared by the CLI, the admin API and the demo."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from libriassist.customers.tiers import CustomerTiers, thresholds_of
from libriassist.kit.ids import SLUG_RE
from libriassist.kit.text import CleanStr, HttpUrlStr

Language = Literal["fr", "en", "es", "ar", "ary"]
LANGUAGES: tuple[Language, ...] = ("fr", "en", "es", "ar", "ary")
RTL_LANGUAGES = frozenset({"ar", "ary"})
KeyKind = Literal["publishable", "secret"]


def normalise_origin(value: str) -> str:
    """``https://Shop.example:443/`` -> ``https://shop.example``; refuse paths and wildcards."""
    raw = value.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"origin must look like https://shop.example, got {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"origin must have no path, query or credentials: {value!r}")
    host = parts.hostname.lower()
    if "*" in host:
        raise ValueError(f"wildcard origins are not supported, list each site: {value!r}")
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{parts.scheme}://{host}{port}"


def _check_slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise ValueError(
            "tenant id must be 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
        )
    return value


def _check_color(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError("colour must be #RRGGBB")
    return value


TenantId = Annotated[str, AfterValidator(_check_slug)]
Origin = Annotated[str, AfterValidator(normalise_origin)]


class Branding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary_color: Annotated[str, AfterValidator(_check_color)] = "#1f4e79"
    position: Literal["bottom-right", "bottom-left"] = "bottom-right"
    title: CleanStr | None = Field(default=None, max_length=80)
    logo_url: HttpUrlStr | None = None
    voice: bool = Field(
        default=True,
        description="Offer the widget's microphone and spoken replies where the visitor's "
        "browser supports them.",
    )


class BrandingUpdate(BaseModel):
    """Branding fields to change; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    primary_color: Annotated[str, AfterValidator(_check_color)] | None = None
    position: Literal["bottom-right", "bottom-left"] | None = None
    title: CleanStr | None = Field(default=None, max_length=80)
    logo_url: HttpUrlStr | None = None
    voice: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _refuse_nulls(data, nullable={"title", "logo_url"})


def _refuse_nulls(data: Any, nullable: set[str]) -> Any:
    """In a partial update, null would mean "erase": only optional fields may be erased."""
    if isinstance(data, dict):
        for key, value in data.items():
            if value is None and key not in nullable:
                raise ValueError(f"'{key}' cannot be null; leave it out to keep it")
    return data


Greeting = Annotated[CleanStr, Field(min_length=1, max_length=500)]
PersonaId = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
PersonaName = Annotated[CleanStr, Field(min_length=1, max_length=80)]
PersonaRule = Annotated[CleanStr, Field(min_length=1, max_length=500)]
SystemPrompt = Annotated[CleanStr, Field(min_length=1, max_length=8000)]
Starters = Annotated[
    list[Annotated[CleanStr, Field(min_length=1, max_length=200)]], Field(max_length=6)
]


class PersonaOverrides(BaseModel):
    """The parts of its persona a tenant words itself; the rest comes from the catalog.

    The greeting is overridden in ``greetings`` and one system prompt for every language
    in ``persona_prompt``, next to these. ``{name}`` in any text is the tenant's name."""

    model_config = ConfigDict(extra="forbid")

    names: dict[Language, PersonaName] = Field(
        default_factory=dict, description="The persona's display name, per language."
    )
    tone: CleanStr | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Replaces the catalog tone line (one text, used in every language).",
    )
    extra_rules: list[PersonaRule] = Field(
        default_factory=list,
        max_length=20,
        description="Rules added after the catalog's, in every language.",
    )
    system_prompts: dict[Language, SystemPrompt] = Field(
        default_factory=dict,
        description="The whole system prompt for one language (wins over persona_prompt).",
    )
    starters: dict[Language, Starters] = Field(
        default_factory=dict,
        description="Suggested first questions, per language; an empty list means none.",
    )


class PersonaOverridesUpdate(BaseModel):
    """Override fields to change; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    names: dict[Language, PersonaName] | None = None
    tone: CleanStr | None = Field(default=None, min_length=1, max_length=500)
    extra_rules: list[PersonaRule] | None = Field(default=None, max_length=20)
    system_prompts: dict[Language, SystemPrompt] | None = None
    starters: dict[Language, Starters] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _refuse_nulls(data, nullable={"tone"})


class TenantSettings(BaseModel):
    """Everything a tenant can configure; used to create and to update (all fields)."""

    model_config = ConfigDict(extra="forbid")

    name: CleanStr = Field(min_length=1, max_length=200)
    allowed_origins: list[Origin] = Field(default_factory=list, max_length=50)
    branding: Branding = Field(default_factory=Branding)
    default_language: Language = "fr"
    enabled_languages: list[Language] = Field(default_factory=lambda: list(LANGUAGES))
    persona: PersonaId = "ecommerce"
    persona_prompt: CleanStr | None = Field(default=None, max_length=8000)
    persona_overrides: PersonaOverrides = Field(default_factory=PersonaOverrides)
    greetings: dict[Language, Greeting] = Field(default_factory=dict)
    use_platform_kb: bool = Field(
        default=False,
        description="When the tenant's own knowledge has no answer, look in the platform's "
        "shared knowledge base.",
    )

    @model_validator(mode="after")
    def _default_is_enabled(self) -> "TenantSettings":
        self.enabled_languages = list(dict.fromkeys(self.enabled_languages))
        if self.default_language not in self.enabled_languages:
            self.enabled_languages.insert(0, self.default_language)
        self.allowed_origins = list(dict.fromkeys(self.allowed_origins))
        return self


class TenantUpdate(BaseModel):
    """A partial update: only the fields present are changed (``branding`` is merged)."""

    model_config = ConfigDict(extra="forbid")

    name: CleanStr | None = Field(default=None, min_length=1, max_length=200)
    allowed_origins: list[Origin] | None = Field(default=None, max_length=50)
    branding: BrandingUpdate | None = None
    default_language: Language | None = None
    enabled_languages: list[Language] | None = Field(default=None, min_length=1)
    persona: PersonaId | None = None
    persona_prompt: CleanStr | None = Field(default=None, max_length=8000)
    persona_overrides: PersonaOverridesUpdate | None = None
    greetings: dict[Language, Greeting] | None = None
    use_platform_kb: bool | None = None
    customer_tiers: CustomerTiers | None = Field(
        default=None,
        description="The orders value (whole units of the shop's currency) from which a "
        "customer is silver, gold, platinum, diamond; null puts the defaults back.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _refuse_nulls(
            data, nullable={"persona_prompt", "persona_overrides", "customer_tiers"}
        )

    @model_validator(mode="after")
    def _dedupe(self) -> "TenantUpdate":
        if self.enabled_languages is not None:
            self.enabled_languages = list(dict.fromkeys(self.enabled_languages))
        if self.allowed_origins is not None:
            self.allowed_origins = list(dict.fromkeys(self.allowed_origins))
        return self


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    allowed_origins: list[str]
    branding: Branding
    default_language: Language
    enabled_languages: list[Language]
    persona: str
    persona_prompt: str | None
    persona_overrides: PersonaOverrides
    greetings: dict[str, str]
    use_platform_kb: bool
    customer_tiers: CustomerTiers = Field(description="The thresholds in force.")
    kb_revision: str
    created_at: datetime

    @field_validator("customer_tiers", mode="before")
    @classmethod
    def _defaults_when_unset(cls, value: Any) -> Any:
        return thresholds_of(value) if value is None or isinstance(value, dict) else value


class PersonaSummary(BaseModel):
    id: str
    names: dict[Language, str]
    languages: list[Language]


class PersonaTextOut(BaseModel):
    """A catalog persona in one language; ``{name}`` stands for the tenant's name."""

    name: str
    system_prompt: str
    greeting: str
    starters: list[str]


class PersonaOut(BaseModel):
    id: str
    languages: list[Language]
    texts: dict[Language, PersonaTextOut]


class EffectivePersonaOut(BaseModel):
    """The tenant's persona in one language, its overrides applied and its name filled in."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    language: Language
    name: str
    system_prompt: str
    greeting: str
    starters: list[str]


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: KeyKind
    display_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedKey(BaseModel):
    """A key as issued: the only time its full value is ever shown."""

    id: str
    kind: KeyKind
    key: str


class TenantCreated(BaseModel):
    id: str
    publishable_key: str
    secret_key: str
