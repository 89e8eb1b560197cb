"""The persona catalog is complete in every language, and a tenant's overrides win."""

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from libriassist.tenants import personas
from libriassist.tenants.personas.catalog import TEXTS
from libriassist.tenants.schemas import LANGUAGES

VERTICALS = {
    "ecommerce",
    "bookshop_printing",
    "restaurant",
    "clinic",
    "real_estate",
    "travel",
    "telecom",
    "software",
}
PLACEHOLDER = re.compile(r"\{[^}]*\}")
# Words a prompt in Arabic script may keep in Latin letters.
LATIN_TERMS = re.compile(
    r"(?<![A-Za-z])(?:API|ISBN|PIN|PUK|SIM|endpoint)(?![A-Za-z])|\{name\}|\[1\]"
)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_catalog_has_every_vertical_in_every_language() -> None:
    assert set(personas.CATALOG) >= VERTICALS
    for persona in personas.CATALOG.values():
        assert set(persona.texts) == set(LANGUAGES), persona.id
        assert re.fullmatch(r"[a-z0-9_]{1,64}", persona.id)


@pytest.mark.parametrize("persona_id", sorted(VERTICALS))
def test_every_part_is_written_in_every_language(persona_id: str) -> None:
    texts = personas.CATALOG[persona_id].texts
    for language, text in texts.items():
        where = f"{persona_id}/{language}"
        for part in (text.name, text.role, text.tone, text.greeting):
            assert part.strip(), where
        assert 2 <= len(text.rules) <= 4, where
        assert text.starters, where
        assert all(rule.strip() for rule in text.rules), where
        assert all(starter.strip() for starter in text.starters), where
        assert placeholders(text.role) == {"{name}"}, where
        assert placeholders(text.greeting) == {"{name}"}, where
        for part in (text.name, text.tone, *text.rules, *text.starters):
            assert not placeholders(part), where
    english = texts["en"]
    for language, text in texts.items():
        assert len(text.rules) == len(english.rules), f"{persona_id}/{language}"
        assert len(text.starters) == len(english.starters), f"{persona_id}/{language}"


def test_the_shared_rules_say_the_same_in_every_language() -> None:
    english = TEXTS["en"]
    for language, texts in TEXTS.items():
        assert texts.tone_label.strip() and texts.rules_label.strip(), language
        assert len(texts.common_rules) == len(english.common_rules), language
        for ours, theirs in zip(texts.common_rules, english.common_rules, strict=True):
            assert ours.strip(), language
            assert placeholders(ours) == placeholders(theirs), (language, ours)
        # The citation rule shows the marker the answering step uses.
        assert any("[1]" in rule for rule in texts.common_rules), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_written_in_its_own_script(language: str) -> None:
    arabic_script = language in ("ar", "ary")
    for persona in personas.CATALOG.values():
        text = persona.texts[language]
        for part in (text.name, text.role, text.tone, *text.rules, text.greeting, *text.starters):
            letters = [c for c in LATIN_TERMS.sub("", part) if c.isalpha()]
            arabic = sum("\u0600" <= c <= "\u06ff" for c in letters)
            share = arabic / len(letters)
            assert share > 0.95 if arabic_script else share == 0, (persona.id, language, part)


def test_the_catalog_prompt_has_role_tone_and_rules() -> None:
    prompt = personas.CATALOG["clinic"].prompt_template("fr")
    text = personas.CATALOG["clinic"].texts["fr"]
    assert prompt.startswith(text.role)
    assert f"Ton : {text.tone}" in prompt
    bullets = [line for line in prompt.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(TEXTS["fr"].common_rules) + len(text.rules)
    assert "15" in prompt and "avis médical" in prompt


@dataclass
class Settings:
    """Stands in for a ``Tenant`` row: resolution reads nothing else."""

    name: str = "Chez Nour"
    default_language: str = "fr"
    persona: str = "restaurant"
    persona_prompt: str | None = None
    persona_overrides: dict[str, Any] = field(default_factory=dict)
    greetings: dict[str, str] = field(default_factory=dict)


def test_without_overrides_everything_comes_from_the_catalog() -> None:
    tenant = Settings()
    restaurant = personas.CATALOG["restaurant"].texts
    for language in LANGUAGES:
        prompt = personas.system_prompt(tenant, language)
        assert "{name}" not in prompt and "Chez Nour" in prompt
        assert prompt.startswith(restaurant[language].role.replace("{name}", "Chez Nour"))
        effective = personas.resolve(tenant, language)
        assert effective.id == "restaurant" and effective.language == language
        assert effective.name == restaurant[language].name
        assert effective.greeting == restaurant[language].greeting.replace("{name}", "Chez Nour")
        assert effective.starters == restaurant[language].starters
    assert "السلام" in personas.greeting(tenant, "ary")


def test_an_unknown_language_falls_back_to_the_default_one() -> None:
    tenant = Settings(default_language="es")
    assert personas.resolve(tenant, "de").language == "es"
    assert personas.system_prompt(tenant, "de") == personas.system_prompt(tenant, "es")


def test_a_persona_the_catalog_no_longer_has_falls_back_to_ecommerce() -> None:
    effective = personas.resolve(Settings(persona="bakery"), "en")
    assert effective.id == "ecommerce"
    assert "online shop" in effective.system_prompt


def test_tone_and_extra_rules_change_the_catalog_prompt() -> None:
    tenant = Settings(
        persona_overrides={
            "tone": "Familial et complice, avec une pointe d'humour.",
            "extra_rules": ["Mentionne la terrasse quand on parle de réservation."],
        }
    )
    prompt = personas.system_prompt(tenant, "fr")
    catalog_tone = personas.CATALOG["restaurant"].texts["fr"].tone
    assert "Ton : Familial et complice" in prompt and catalog_tone not in prompt
    assert prompt.rstrip().endswith("- Mentionne la terrasse quand on parle de réservation.")
    assert personas.CATALOG["restaurant"].texts["fr"].rules[0] in prompt


def test_a_whole_prompt_replaces_the_catalog_one() -> None:
    tenant = Settings(persona_prompt="You are the host of {name}. Be brief.")
    for language in LANGUAGES:
        assert (
            personas.system_prompt(tenant, language) == "You are the host of Chez Nour. Be brief."
        )
    tenant.persona_overrides = {"system_prompts": {"ar": "أنت مضيف {name}."}}
    assert personas.system_prompt(tenant, "ar") == "أنت مضيف Chez Nour."
    assert personas.system_prompt(tenant, "fr") == "You are the host of Chez Nour. Be brief."


def test_names_greetings_and_starters_are_overridden_per_language() -> None:
    tenant = Settings(
        greetings={"fr": "Bienvenue chez {name}, on vous attend !"},
        persona_overrides={
            "names": {"fr": "Bistrot"},
            "starters": {"fr": ["Le menu du jour ?"], "en": []},
        },
    )
    french = personas.resolve(tenant, "fr")
    assert french.name == "Bistrot"
    assert french.greeting == "Bienvenue chez Chez Nour, on vous attend !"
    assert french.starters == ("Le menu du jour ?",)
    english = personas.resolve(tenant, "en")
    assert english.name == "Restaurant" and english.starters == ()
    assert english.greeting.startswith("Hello and welcome to Chez Nour")
    assert personas.greetings(tenant, ["fr", "es"]) == {
        "fr": french.greeting,
        "es": personas.CATALOG["restaurant"].texts["es"].greeting.replace("{name}", "Chez Nour"),
    }


def test_overrides_edited_into_something_invalid_are_ignored() -> None:
    tenant = Settings(persona_overrides={"tone": 3, "colour": "red"})
    assert personas.system_prompt(tenant, "en") == personas.system_prompt(Settings(), "en")


def test_an_unknown_persona_id_names_the_valid_ones() -> None:
    with pytest.raises(personas.UnknownPersona) as raised:
        personas.get_persona("bakery")
    assert raised.value.code == "unknown_persona" and raised.value.status_code == 422
    assert "bakery" in raised.value.message
    for persona_id in VERTICALS:
        assert persona_id in raised.value.message
