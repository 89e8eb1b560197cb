"""The shape of the persona texts each language module fills in."""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonaText:
    """One persona in one language. ``role`` and ``greeting`` say ``{name}``, filled with
    the tenant's name."""

    name: str  # what the vertical is called, shown to admins choosing a persona
    role: str  # who the assistant is and what the business does, in general terms
    tone: str
    rules: tuple[str, ...]  # the vertical's own rules, after the shared ones
    greeting: str
    starters: tuple[str, ...]  # questions a visitor might start with


@dataclass(frozen=True)
class LanguageTexts:
    """Everything written in one language: the labels the prompt is laid out with, the
    rules every persona keeps, and each persona's own text."""

    tone_label: str
    rules_label: str
    common_rules: tuple[str, ...]
    personas: Mapping[str, PersonaText]
