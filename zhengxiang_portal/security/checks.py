"""System checks: production must not run with default passwords, superusers or missing keys.

`manage.py check --deploy` checks the keys; `manage.py check --deploy --database default` also
checks the accounts (database checks only run when a database is named).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register
from django.db.utils import DatabaseError

from agencies.demo import DEMO_PASSWORD

# Passwords seeded by the demo or commonly set by installers; never acceptable outside demo mode.
DEFAULT_PASSWORDS = ("Zhengxiang@2026", "admin", "password", "123456", "Admin@123")


def _demo_password() -> str:
    return DEMO_PASSWORD


def is_default_password(password: str) -> bool:
    return password in {_demo_password(), *DEFAULT_PASSWORDS}


@register(Tags.security, deploy=True)
def check_field_keys(app_configs, **kwargs):
    errors = []
    if not getattr(settings, "FIELD_ENCRYPTION_KEYS", None):
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is not set.",
                hint="Generate one: `manage.py rotate_field_keys --generate` (docs/SECURITY.md).",
                id="security.E001",
            )
        )
    if not getattr(settings, "FIELD_HASH_KEY", ""):
        errors.append(Error("FIELD_HASH_KEY is not set.", id="security.E002"))
    if not getattr(settings, "LEDGER_HMAC_KEY", ""):
        errors.append(
            Error(
                "LEDGER_HMAC_KEY is not set: the ledger cannot be written.",
                hint="Any long random string, kept outside the database (docs/SECURITY.md).",
                id="security.E004",
            )
        )
    if getattr(settings, "PORTAL_DEMO_MODE", False):
        errors.append(Error("PORTAL_DEMO_MODE is on in a deployment.", id="security.E003"))
    return errors


@register(Tags.database, deploy=True)
def check_default_accounts(app_configs, databases=None, **kwargs):
    """Fail when an active account still has a default password, or a superuser exists."""
    if not databases or getattr(settings, "PORTAL_DEMO_MODE", False):
        return []

    errors = []
    try:
        users = list(get_user_model().objects.filter(is_active=True))
    except DatabaseError:
        return []  # not migrated yet: nothing to check
    for user in users:
        if user.is_superuser:
            errors.append(
                Error(
                    f"Account {user.username!r} is a superuser (三员分立 forbids it).",
                    id="security.E010",
                )
            )
        if not user.has_usable_password():
            continue
        if any(check_password(p, user.password) for p in {_demo_password(), *DEFAULT_PASSWORDS}):
            errors.append(
                Error(
                    f"Account {user.username!r} still has a default password.",
                    hint="Change it, or deactivate the account (docs/SECURITY.md).",
                    id="security.E011",
                )
            )
    return errors
