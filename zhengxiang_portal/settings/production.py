"""Production: PostgreSQL, Redis, HTTPS behind a proxy. Secrets have no defaults here."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Persistent connections: a new PostgreSQL connection per request costs more than the page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Security (docs/SECURITY.md): no demo mode, field keys required (checked by the security app).
# Off unless explicitly set (benchmarks against demo data); `check --deploy` fails while it is on.
PORTAL_DEMO_MODE = env.bool("PORTAL_DEMO_MODE", default=False)
SESSION_COOKIE_HTTPONLY = True
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
