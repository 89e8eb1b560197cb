"""Imports every ORM model so ``Base.metadata`` knows all tables (migrations, tests)."""


def load_all_models() -> None:
    from libriassist.analytics import models as _analytics  # noqa: F401
    from libriassist.chat import models as _chat  # noqa: F401
    from libriassist.curated import models as _curated  # noqa: F401
    from libriassist.customers import models as _customers  # noqa: F401
    from libriassist.identity import models as _identity  # noqa: F401
    from libriassist.intents import models as _intents  # noqa: F401
    from libriassist.jobs import models as _jobs  # noqa: F401
    from libriassist.kit import settings_cache as _settings_revision  # noqa: F401
    from libriassist.knowledge import models as _knowledge  # noqa: F401
    from libriassist.llm_config import models as _llm_config  # noqa: F401
    from libriassist.orders import models as _orders  # noqa: F401
    from libriassist.tenants import models as _tenants  # noqa: F401
    from libriassist.usage_limits import models as _usage_limits  # noqa: F401
