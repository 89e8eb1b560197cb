from dataclasses import dataclass, field

from libriassist.kit.settings_cache import NO_CACHE, SettingsView
from libriassist.tenants.models import Tenant
from libriassist.tenants.schemas import KeyKind


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved once per request from the credential, then passed down."""

    tenant_id: str
    kind: KeyKind
    key_id: str
    # The browser origin the request came from, when it was checked against the tenant.
    origin: str | None = None
    # The tenant row, when checking the origin read it (detached; as of this request).
    tenant: Tenant | None = field(default=None, compare=False, repr=False)
    # Keys, tenants, model settings and quotas as of this request (kit/settings_cache.py).
    settings: SettingsView = field(default=NO_CACHE, compare=False, repr=False)
