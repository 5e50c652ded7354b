"""Test settings: SQLite unless DATABASE_URL is set (CI sets PostgreSQL and Redis)."""

import os

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, REDIS_TRANSPORT_OPTIONS, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405

# Serve static files straight from the app folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Security (issue 7). Tests run the demo data; the security tests switch each guard on themselves.
PORTAL_DEMO_MODE = True
PORTAL_2FA_ENFORCED = False  # tests/security turn it on; other apps' tests log admins in directly
AXES_ENABLED = False  # Client.login() passes no request; tests/security enable axes explicitly
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcy1sbmc="]
FIELD_HASH_KEY = "test-only-field-hash-key"
LEDGER_HMAC_KEY = "test-only-ledger-hmac-key"
LEDGER_HEAD_LOG = ""  # the ledger tests give it a file of their own (one per test database)

# Parallel test workers (pytest-xdist, `make test`) each publish under their own Redis key
# prefix, as they each have their own test database (pytest-django's _gw0, _gw1 suffixes). The
# fault tests' private Redis servers keep REDIS_TRANSPORT_OPTIONS, as their spawned workers do.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **REDIS_TRANSPORT_OPTIONS,
        "global_keyprefix": f"test-{_XDIST_WORKER}:",
    }
