"""Settings come from the environment; production passes Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from agencies.models import Unit
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="zhengxiang_portal.settings.production",
        DJANGO_SECRET_KEY="x" * 64 + "-production-secret-from-the-environment",
        DJANGO_ALLOWED_HOSTS="portal.zhengxiang.gov.cn",
        # Field-encryption keys are required in production (docs/SECURITY.md).
        FIELD_ENCRYPTION_KEYS="cHJvZHVjdGlvbi1maWVsZC1rZXktMzItYnl0ZXMtbG4=",
        FIELD_HASH_KEY="production-field-hash-key-from-the-environment",
        # So is the ledger's chain key (issue 15).
        LEDGER_HMAC_KEY="production-ledger-hmac-key-from-the-environment",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="zhengxiang_portal.settings.production",
        DJANGO_ALLOWED_HOSTS="portal.zhengxiang.gov.cn",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_postgresql_plans_a_repeated_query_once_per_connection():
    """Server-side binding with psycopg's prepared statements: the fifth run of the same query
    on a connection prepares it, so PostgreSQL stops planning each page's joins per request."""
    require(connection.vendor == "postgresql", "prepared statements need PostgreSQL")
    for code in ("x1", "x2", "x3", "x4", "x5", "x6"):
        list(Unit.objects.filter(code=code))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "agencies_unit"' in text and "$1" in text for text in prepared), prepared
