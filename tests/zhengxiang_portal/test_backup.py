"""The documented backup and restore procedure works and the restored ledger verifies."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require
from tests.factories import UserFactory
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _db_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_backup_then_restore_into_a_fresh_database_verifies_the_ledger(tmp_path):
    require(connection.vendor == "postgresql", "backup test needs PostgreSQL (DATABASE_URL)")
    require(shutil.which("pg_dump") is not None, "pg_dump is not installed")
    actor = UserFactory()
    for action in (LedgerAction.UPLOAD, LedgerAction.CONFIRM, LedgerAction.DOWNLOAD):
        ledger_append(action=action, actor=actor, digest="c" * 64)
    media = tmp_path / "media"
    (media / "submissions").mkdir(parents=True)
    (media / "submissions" / "file.csv").write_text("统一社会信用代码\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": _db_url(), "PORTAL_MEDIA_ROOT": str(media)}

    subprocess.run(
        [ROOT / "scripts" / "backup.sh", tmp_path / "bk"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    restore_url = _db_url().rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"] + "_restore"
    restored_media = tmp_path / "restored"
    result = subprocess.run(
        [ROOT / "scripts" / "restore_check.sh", tmp_path / "bk"],
        env={
            **env,
            "RESTORE_DATABASE_URL": restore_url,
            "RESTORE_MEDIA_ROOT": str(restored_media),
            "DJANGO_SETTINGS_MODULE": "zhengxiang_portal.settings.local",
            # The chain's key the entries were written with (issue 15): verifying needs it.
            "LEDGER_HMAC_KEY": settings.LEDGER_HMAC_KEY,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ledger intact: 3 entries verified" in result.stdout
    assert (restored_media / "submissions" / "file.csv").read_text(
        encoding="utf-8"
    ) == "统一社会信用代码\n"
