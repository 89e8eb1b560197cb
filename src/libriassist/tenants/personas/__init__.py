"""Personas: what the assistant is for each kind of business.

``catalog`` holds the verticals (texts in ``fr.py``, ``en.py``, ``es.py``, ``ar.py``,
``ary.py``).
"""

from libriassist.tenants.personas.catalog import (
    CATALOG,
    DEFAULT_PERSONA,
    Persona,
    UnknownPersona,
    get_persona,
)
from libriassist.tenants.personas.texts import LanguageTexts, PersonaText

__all__ = [
    "CATALOG",
    "DEFAULT_PERSONA",
    "LanguageTexts",
    "Persona",
    "PersonaText",
    "UnknownPersona",
    "get_persona",
]
