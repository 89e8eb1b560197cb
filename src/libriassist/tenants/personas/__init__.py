"""Personas: what the assistant is for each kind of business, and a tenant's version of it.

``catalog`` holds the verticals (texts in ``fr.py``, ``en.py``, ``es.py``, ``ar.py``,
``ary.py``); ``resolve`` applies a tenant's overrides. The answering step needs one call:
``system_prompt(tenant, language)``.
"""

from libriassist.tenants.personas.catalog import (
    CATALOG,
    DEFAULT_PERSONA,
    Persona,
    UnknownPersona,
    get_persona,
)
from libriassist.tenants.personas.resolve import (
    EffectivePersona,
    PersonaSettings,
    greeting,
    greetings,
    resolve,
    starters,
    system_prompt,
)
from libriassist.tenants.personas.texts import LanguageTexts, PersonaText

__all__ = [
    "CATALOG",
    "DEFAULT_PERSONA",
    "EffectivePersona",
    "LanguageTexts",
    "Persona",
    "PersonaSettings",
    "PersonaText",
    "UnknownPersona",
    "get_persona",
    "greeting",
    "greetings",
    "resolve",
    "starters",
    "system_prompt",
]
