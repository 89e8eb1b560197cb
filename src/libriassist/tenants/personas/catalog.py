"""The persona catalog: one persona per business vertical, written in the five languages.

A persona is what the assistant is for a kind of business: its role, its tone, the rules
it keeps, how it greets, and a few questions a visitor might start with. The texts live in
one module per language (``fr.py``, ``en.py``…) so that each reads as written in that
language, not translated line by line; this module puts them together.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from libriassist.errors import AppError
from libriassist.tenants.personas import ar, ary, en, es, fr
from libriassist.tenants.personas.texts import LanguageTexts, PersonaText
from libriassist.tenants.schemas import LANGUAGES, Language

DEFAULT_PERSONA = "ecommerce"

TEXTS: dict[Language, LanguageTexts] = {
    "fr": fr.TEXTS,
    "en": en.TEXTS,
    "es": es.TEXTS,
    "ar": ar.TEXTS,
    "ary": ary.TEXTS,
}


@dataclass(frozen=True)
class Persona:
    id: str
    texts: Mapping[Language, PersonaText]

    @property
    def names(self) -> dict[Language, str]:
        return {language: self.texts[language].name for language in LANGUAGES}

    def prompt_template(self, language: Language) -> str:
        """The system prompt in ``language``, ``{name}`` still to fill."""
        return compose(language, self.texts[language])


CATALOG: dict[str, Persona] = {
    persona_id: Persona(
        persona_id, {language: TEXTS[language].personas[persona_id] for language in LANGUAGES}
    )
    for persona_id in TEXTS["en"].personas
}


class UnknownPersona(AppError):
    status_code = 422
    code = "unknown_persona"


def get_persona(persona_id: str) -> Persona:
    persona = CATALOG.get(persona_id)
    if persona is None:
        raise UnknownPersona(
            f"Unknown persona '{persona_id}'. Valid personas: {', '.join(CATALOG)}."
        )
    return persona


def compose(
    language: Language,
    text: PersonaText,
    tone: str | None = None,
    extra_rules: tuple[str, ...] | list[str] = (),
) -> str:
    """Role, tone, then the rules every persona keeps, the vertical's own and the
    tenant's extra ones, as one bulleted list."""
    labels = TEXTS[language]
    rules = [*labels.common_rules, *text.rules, *extra_rules]
    bullets = "\n".join(f"- {rule}" for rule in rules)
    return (
        f"{text.role}\n\n{labels.tone_label} {tone or text.tone}\n\n{labels.rules_label}\n{bullets}"
    )
