"""Local development / `make run`: the embedded default, debug pages on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Serve static files straight from the app folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# `make run` is the demo: demo accounts keep their documented password (docs/SECURITY.md).
PORTAL_DEMO_MODE = env.bool("PORTAL_DEMO_MODE", default=True)
# Development-only field keys; production has no default (FIELD_ENCRYPTION_KEYS is required).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="]
)
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="dev-only-field-hash-key")
LEDGER_HMAC_KEY = env("LEDGER_HMAC_KEY", default="dev-only-ledger-hmac-key")
