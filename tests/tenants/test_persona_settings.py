"""A tenant picks a persona and overrides parts of it through the admin API; its assistant
greets with the persona's greeting unless it wrote its own."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.tenants import personas
from tests.factories import Tenant, create_tenant

TENANT = "/api/v1/admin/tenant"


def catalog_greeting(persona_id: str, language: str, name: str) -> str:
    text = personas.CATALOG[persona_id].texts[language].greeting
    return text.replace("{name}", name)


async def chat(client: httpx.AsyncClient, tenant: Tenant, message: str) -> dict[str, object]:
    response = await client.post(
        "/api/v1/chat", json={"message": message}, headers=tenant.widget_headers()
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_the_catalog_is_listed_for_admins(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/api/v1/admin/personas", headers=tenant.admin_headers())
    assert response.status_code == 200
    listed = {p["id"]: p for p in response.json()}
    assert set(listed) >= {"ecommerce", "clinic", "real_estate", "telecom", "software"}
    assert listed["clinic"]["languages"] == ["fr", "en", "es", "ar", "ary"]
    assert listed["clinic"]["names"]["en"] == "Clinic"

    one = await client.get("/api/v1/admin/personas/travel", headers=tenant.admin_headers())
    texts = one.json()["texts"]
    assert set(texts) == {"fr", "en", "es", "ar", "ary"}
    assert "{name}" in texts["es"]["system_prompt"] and texts["ar"]["starters"]

    missing = await client.get("/api/v1/admin/personas/bakery", headers=tenant.admin_headers())
    assert missing.status_code == 404 and "ecommerce" in missing.json()["error"]["message"]
    widget_key = await client.get("/api/v1/admin/personas", headers=tenant.widget_headers())
    assert widget_key.status_code == 403


async def test_an_unknown_persona_is_refused_with_the_valid_ids(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = (await client.get(TENANT, headers=tenant.admin_headers())).json()
    response = await client.patch(
        TENANT,
        json={"persona": "bakery", "name": "Renamed"},
        headers=tenant.admin_headers(),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_persona"
    assert "'bakery'" in error["message"] and "real_estate" in error["message"]
    assert (await client.get(TENANT, headers=tenant.admin_headers())).json() == before


async def test_a_tenant_cannot_be_created_with_an_unknown_persona(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(personas.UnknownPersona):
        await create_tenant(maker, "Nowhere", ["https://nowhere.example"], persona="bakery")


async def test_overrides_are_merged_and_shown_in_the_effective_persona(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    patched = await client.patch(
        TENANT,
        json={
            "persona": "bookshop_printing",
            "persona_overrides": {
                "tone": "Enjoué, passionné de beaux livres.",
                "extra_rules": ["Propose toujours le papier recyclé."],
                "starters": {"fr": ["Imprimez-vous des thèses ?"]},
            },
        },
        headers=tenant.admin_headers(),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["persona"] == "bookshop_printing"
    await client.patch(
        TENANT,
        json={"persona_overrides": {"names": {"en": "Book printer"}}},
        headers=tenant.admin_headers(),
    )
    overrides = (await client.get(TENANT, headers=tenant.admin_headers())).json()[
        "persona_overrides"
    ]
    assert overrides["tone"] == "Enjoué, passionné de beaux livres."
    assert overrides["names"] == {"en": "Book printer"}

    french = (await client.get(f"{TENANT}/persona", headers=tenant.admin_headers())).json()
    assert french["id"] == "bookshop_printing" and french["language"] == "fr"
    assert "Ton : Enjoué, passionné de beaux livres." in french["system_prompt"]
    assert french["system_prompt"].endswith("- Propose toujours le papier recyclé.")
    assert "Alpha Books" in french["system_prompt"] and "{name}" not in french["system_prompt"]
    assert french["starters"] == ["Imprimez-vous des thèses ?"]
    english = (
        await client.get(f"{TENANT}/persona?language=en", headers=tenant.admin_headers())
    ).json()
    assert english["name"] == "Book printer"
    assert english["greeting"] == catalog_greeting("bookshop_printing", "en", "Alpha Books")

    await client.patch(
        TENANT,
        json={"persona_overrides": {"tone": None}, "persona_prompt": "Tu es {name}, point."},
        headers=tenant.admin_headers(),
    )
    french = (await client.get(f"{TENANT}/persona", headers=tenant.admin_headers())).json()
    assert french["system_prompt"] == "Tu es Alpha Books, point."

    reset = await client.patch(
        TENANT,
        json={"persona_overrides": None, "persona_prompt": None},
        headers=tenant.admin_headers(),
    )
    assert reset.json()["persona_overrides"]["extra_rules"] == []
    french = (await client.get(f"{TENANT}/persona", headers=tenant.admin_headers())).json()
    catalog = personas.CATALOG["bookshop_printing"].prompt_template("fr")
    assert french["system_prompt"] == catalog.replace("{name}", "Alpha Books")


@pytest.mark.parametrize(
    "overrides",
    [
        {"tone": ""},
        {"names": {"de": "Buch"}},
        {"starters": {"fr": ["?"] * 7}},
        {"system_prompts": {"fr": "x" * 8001}},
        {"extra_rules": None},
        {"colour": "red"},
    ],
)
async def test_bad_overrides_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, overrides: dict[str, object]
) -> None:
    response = await client.patch(
        TENANT, json={"persona_overrides": overrides}, headers=tenant.admin_headers()
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


async def test_the_assistant_greets_with_its_personas_greeting(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await chat(client, tenant, "Bonjour !")
    assert body["intent"] == "greeting"
    assert body["answer"] == catalog_greeting("ecommerce", "fr", "Alpha Books")

    await client.patch(TENANT, json={"persona": "restaurant"}, headers=tenant.admin_headers())
    body = await chat(client, tenant, "Bonjour !")
    assert body["answer"] == catalog_greeting("restaurant", "fr", "Alpha Books")

    await client.patch(
        TENANT, json={"greetings": {"fr": "Salut, ici {name} !"}}, headers=tenant.admin_headers()
    )
    body = await chat(client, tenant, "Bonjour !")
    assert body["answer"] == "Salut, ici Alpha Books !"


async def test_the_widget_gets_the_persona_greetings_and_starters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await client.patch(
        TENANT,
        json={
            "persona": "clinic",
            "enabled_languages": ["fr", "ary"],
            "greetings": {"fr": "Bonjour de la part de {name}."},
        },
        headers=tenant.admin_headers(),
    )
    config = (await client.get("/api/v1/widget/config", headers=tenant.widget_headers())).json()
    assert config["greetings"] == {
        "fr": "Bonjour de la part de Alpha Books.",
        "ary": catalog_greeting("clinic", "ary", "Alpha Books"),
    }
    assert config["starters"]["ary"] == list(personas.CATALOG["clinic"].texts["ary"].starters)
