"""Tenant settings and keys, for a tenant acting on itself (admin API) or the operator."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from libriassist.customers import tiers as customer_tiers
from libriassist.db import utcnow
from libriassist.errors import AppError, InvalidRequest, NotFound, TenantNotFound
from libriassist.kit.ids import SLUG_RE, hash_secret, new_id, new_secret
from libriassist.kit.settings_cache import NO_CACHE, SettingsView
from libriassist.tenants import personas
from libriassist.tenants.models import ApiKey, Tenant
from libriassist.tenants.repository import (
    ApiKeyRepository,
    TenantRowRepository,
    find_key_by_hash,
    touch_key,
)
from libriassist.tenants.schemas import (
    LANGUAGES,
    Branding,
    IssuedKey,
    KeyKind,
    PersonaOut,
    PersonaOverrides,
    PersonaSummary,
    PersonaTextOut,
    TenantUpdate,
)

KEY_PREFIXES: dict[str, str] = {"publishable": "pk_", "secret": "sk_"}
# last_used_at is a hint for admins, not an audit trail: write it at most this often.
_TOUCH_EVERY = timedelta(minutes=1)


class CannotRevokeLastKey(AppError):
    status_code = 409
    code = "last_secret_key"
    message = "Revoking this key would leave the tenant without a secret key; rotate instead."


async def get_tenant(session: AsyncSession, tenant_id: str) -> Tenant:
    tenant = await TenantRowRepository(session, tenant_id).get()
    if tenant is None:
        raise TenantNotFound()
    return tenant


async def cached_tenant(session: AsyncSession, tenant_id: str, cache: SettingsView) -> Tenant:
    """``get_tenant`` through the settings cache: a detached row shared by the requests of
    the next few seconds, to read and never to modify."""
    return await cache.get(
        "tenant", tenant_id, lambda: get_tenant(session, tenant_id), session=session
    )


async def update_tenant(session: AsyncSession, tenant_id: str, changes: TenantUpdate) -> Tenant:
    tenant = await get_tenant(session, tenant_id)
    data = changes.model_dump(exclude_unset=True, mode="json")
    if "persona" in data:
        check_persona(data["persona"])
    if "branding" in data:
        merged = {**tenant.branding, **data.pop("branding")}
        tenant.branding = Branding.model_validate(merged).model_dump(mode="json")
    if "persona_overrides" in data:
        # Merged like branding; null puts every part back to the catalog's.
        changed = data.pop("persona_overrides")
        merged = {**tenant.persona_overrides, **changed} if changed is not None else {}
        tenant.persona_overrides = PersonaOverrides.model_validate(merged).model_dump(mode="json")
    retier = "customer_tiers" in data
    if retier:
        given = data.pop("customer_tiers")
        tenant.customer_tiers = customer_tiers.checked_thresholds(given) if given else None
    for field, value in data.items():
        setattr(tenant, field, value)
    if tenant.default_language not in tenant.enabled_languages:
        tenant.enabled_languages = [tenant.default_language, *tenant.enabled_languages]
    await session.flush()
    if retier:
        thresholds = customer_tiers.thresholds_of(tenant.customer_tiers)
        await customer_tiers.retier(session, tenant_id, thresholds)
    return tenant


def list_personas() -> list[PersonaSummary]:
    return [
        PersonaSummary(id=p.id, names=p.names, languages=list(p.texts))
        for p in personas.CATALOG.values()
    ]


def describe_persona(persona_id: str) -> PersonaOut:
    """A catalog persona with all its texts, as templates (``{name}`` not filled)."""
    try:
        persona = personas.get_persona(persona_id)
    except personas.UnknownPersona as exc:
        raise NotFound(exc.message) from None
    return PersonaOut(
        id=persona.id,
        languages=list(persona.texts),
        texts={
            language: PersonaTextOut(
                name=text.name,
                system_prompt=persona.prompt_template(language),
                greeting=text.greeting,
                starters=list(text.starters),
            )
            for language, text in persona.texts.items()
        },
    )


def check_persona(persona_id: str) -> None:
    """Raises ``UnknownPersona`` (422 ``unknown_persona``) for an id not in the catalog."""
    personas.get_persona(persona_id)


def greetings(tenant: Tenant, languages: tuple[str, ...] | list[str] = LANGUAGES) -> dict[str, str]:
    """The tenant's greeting in each language: its own, else its persona's."""
    return personas.greetings(tenant, languages)


def starters(
    tenant: Tenant, languages: tuple[str, ...] | list[str] = LANGUAGES
) -> dict[str, list[str]]:
    """Suggested first questions in each language: the tenant's, else its persona's."""
    return {language: list(personas.starters(tenant, language)) for language in languages}


def effective_persona(tenant: Tenant, language: str | None = None) -> personas.EffectivePersona:
    """The tenant's persona in ``language`` (default: its default language), overrides
    applied; ``.system_prompt`` is what an LLM writer starts from."""
    return personas.resolve(tenant, language or tenant.default_language)


async def current_kb_revision(session: AsyncSession, tenant_id: str) -> str:
    revision = await TenantRowRepository(session, tenant_id).kb_revision()
    if revision is None:
        raise TenantNotFound()
    return revision


async def new_kb_revision(session: AsyncSession, tenant_id: str) -> None:
    await TenantRowRepository(session, tenant_id).set_kb_revision(new_id())


async def issue_key(session: AsyncSession, tenant_id: str, kind: KeyKind) -> IssuedKey:
    if not SLUG_RE.fullmatch(tenant_id):  # the platform knowledge base ("_platform") has none
        raise InvalidRequest(f"'{tenant_id}' is not a tenant that can have keys.")
    value = new_secret(KEY_PREFIXES[kind])
    row = ApiKey(id=new_id(), kind=kind, key_hash=hash_secret(value), display_prefix=value[:10])
    ApiKeyRepository(session, tenant_id).add(row)
    await session.flush()
    return IssuedKey(id=row.id, kind=kind, key=value)


async def rotate_key(session: AsyncSession, tenant_id: str, kind: KeyKind) -> IssuedKey:
    """Revoke every active key of this kind at once and issue a new one."""
    await ApiKeyRepository(session, tenant_id).revoke_kind(kind, utcnow())
    return await issue_key(session, tenant_id, kind)


async def list_keys(session: AsyncSession, tenant_id: str) -> list[ApiKey]:
    return await ApiKeyRepository(session, tenant_id).all_keys()


async def revoke_key(session: AsyncSession, tenant_id: str, key_id: str) -> ApiKey:
    repo = ApiKeyRepository(session, tenant_id)
    key = await repo.get(key_id)
    if key is None:
        raise NotFound("No such key.")
    if key.revoked_at is None:
        if key.kind == "secret" and len(await repo.lock_active("secret")) <= 1:
            raise CannotRevokeLastKey()
        key.revoked_at = utcnow()
        await session.flush()
    return key


async def resolve_key(
    session: AsyncSession, value: str, cache: SettingsView = NO_CACHE
) -> ApiKey | None:
    """The active key with this value, or None. Reads only: see ``touch_due``. With
    ``cache``, a known key may come from it (detached; never modify it)."""
    key_hash = hash_secret(value)
    return await cache.get(
        "api_key",
        key_hash,
        lambda: find_key_by_hash(session, key_hash),
        keep_none=False,
        session=session,
    )


def touch_due(key: ApiKey) -> bool:
    """Whether the key's last use should be written now (at most once a minute, so that
    answering a question does not cost a write transaction each time)."""
    now = utcnow()
    last = key.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite drops the zone
        last = last.replace(tzinfo=now.tzinfo)
    return last is None or now - last > _TOUCH_EVERY


async def record_use(session: AsyncSession, key: ApiKey) -> None:
    await touch_key(session, key.id, utcnow())
