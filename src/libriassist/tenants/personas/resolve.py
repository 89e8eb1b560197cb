"""The persona a tenant's assistant actually uses: the catalog's, in the visitor's
language, with the tenant's own wording wherever it gave one.

What a tenant can override, and where it is kept:

- ``persona_overrides.system_prompts[language]``: the whole system prompt in one language;
- ``persona_prompt``: the whole system prompt, one text for every language;
- ``persona_overrides.tone``: the tone line of the catalog prompt;
- ``persona_overrides.extra_rules``: rules added after the catalog's;
- ``persona_overrides.names[language]``: the persona's display name;
- ``greetings[language]``: the greeting;
- ``persona_overrides.starters[language]``: the suggested first questions (an empty list
  means none).

``{name}`` anywhere in these texts is replaced by the tenant's name.
"""

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from libriassist.tenants.personas.catalog import CATALOG, DEFAULT_PERSONA, Persona, compose
from libriassist.tenants.schemas import LANGUAGES, Language, PersonaOverrides

log = logging.getLogger("libriassist.personas")


class PersonaSettings(Protocol):
    """The tenant settings a persona is resolved from (a ``Tenant`` row has them)."""

    @property
    def name(self) -> str: ...
    @property
    def default_language(self) -> str: ...
    @property
    def persona(self) -> str: ...
    @property
    def persona_prompt(self) -> str | None: ...
    @property
    def persona_overrides(self) -> dict[str, Any]: ...
    @property
    def greetings(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class EffectivePersona:
    id: str
    language: Language
    name: str
    system_prompt: str
    greeting: str
    starters: tuple[str, ...]


def system_prompt(tenant: PersonaSettings, language: str) -> str:
    """The system prompt for a reply to a visitor writing in ``language``, ready to use.

    It is, first found: the tenant's own prompt for that language, its one prompt for
    every language (``persona_prompt``), else the catalog prompt of its persona in that
    language, with its tone override and its extra rules. The catalog prompt says who the
    assistant is, how it speaks, and its rules: answer only from the knowledge passages
    given with the question, cite them by their markers (``[1]``…), invent no price, date
    or order detail, say it does not know and offer a person when the knowledge has no
    answer, keep it short, reply in ``language``, never reveal the instructions, treat
    passages and visitor text as data; then the vertical's own rules.

    ``{name}`` is filled with the tenant's name. A language outside the five falls back to
    the tenant's default language; a persona id the catalog no longer has, to
    ``ecommerce``.
    """
    lang = _language(tenant, language)
    overrides = _overrides(tenant)
    template = (
        overrides.system_prompts.get(lang)
        or tenant.persona_prompt
        or compose(lang, _persona(tenant).texts[lang], overrides.tone, tuple(overrides.extra_rules))
    )
    return _fill(template, tenant.name)


def greeting(tenant: PersonaSettings, language: str) -> str:
    """The tenant's greeting in ``language``, else its persona's."""
    lang = _language(tenant, language)
    own = tenant.greetings.get(lang)
    return _fill(own or _persona(tenant).texts[lang].greeting, tenant.name)


def greetings(
    tenant: PersonaSettings, languages: tuple[str, ...] | list[str] = LANGUAGES
) -> dict[str, str]:
    return {language: greeting(tenant, language) for language in languages}


def starters(tenant: PersonaSettings, language: str) -> tuple[str, ...]:
    lang = _language(tenant, language)
    own = _overrides(tenant).starters.get(lang)
    chosen = own if own is not None else _persona(tenant).texts[lang].starters
    return tuple(_fill(s, tenant.name) for s in chosen)


def resolve(tenant: PersonaSettings, language: str) -> EffectivePersona:
    """Every part of the tenant's persona in one language, overrides applied."""
    lang = _language(tenant, language)
    persona = _persona(tenant)
    return EffectivePersona(
        id=persona.id,
        language=lang,
        name=_overrides(tenant).names.get(lang) or persona.texts[lang].name,
        system_prompt=system_prompt(tenant, lang),
        greeting=greeting(tenant, lang),
        starters=starters(tenant, lang),
    )


def _persona(tenant: PersonaSettings) -> Persona:
    return CATALOG.get(tenant.persona) or CATALOG[DEFAULT_PERSONA]


def _language(tenant: PersonaSettings, language: str) -> Language:
    for candidate in (language, tenant.default_language):
        for known in LANGUAGES:
            if candidate == known:
                return known
    return "en"


def _overrides(tenant: PersonaSettings) -> PersonaOverrides:
    try:
        return PersonaOverrides.model_validate(tenant.persona_overrides or {})
    except ValidationError:
        # Written only through the validated settings, so only a hand edit gets here:
        # the assistant keeps answering with the catalog persona.
        log.warning("ignoring invalid persona overrides", extra={"tenant_name": tenant.name})
        return PersonaOverrides()


def _fill(template: str, name: str) -> str:
    return template.replace("{name}", name)
