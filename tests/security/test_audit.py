"""Audit trail (等保 8.1.4.3) through the ledger: who, when, from where, what, outcome."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from zhengxiang_portal.ledger.actions import LedgerCategory
from zhengxiang_portal.ledger.chain import preferred_algorithm
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.security.audit import audit_export, audit_unmask

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_login_and_logout_are_recorded_with_address(client):
    user = UserFactory()
    client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.9.8.7")
    login = LedgerEntry.objects.get(action="login")
    logout = LedgerEntry.objects.get(action="logout")
    for entry in (login, logout):
        assert entry.category == LedgerCategory.AUDIT
        assert entry.actor == user and entry.ip_address == "10.9.8.7"
        assert entry.outcome == "success" and entry.created_at is not None


def test_failed_login_records_the_attempted_name_and_outcome(client):
    client.post(reverse("login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    entry = LedgerEntry.objects.get(action="login_failed")
    assert entry.outcome == "failure" and entry.actor is None
    assert entry.actor_label == "nobody" and entry.ip_address == "10.1.1.1"


def test_export_and_unmask_helpers_write_audit_entries(rf):
    user = UserFactory()
    request = rf.get("/", REMOTE_ADDR="10.2.2.2")
    request.user = user
    audit_export(actor=user, what="纳税人名单", rows=12, digest="ab" * 32, request=request)
    audit_unmask(actor=user, field="id_number", purpose="欠税追缴", request=request, what="行 5")
    export = LedgerEntry.objects.get(action="export")
    unmask = LedgerEntry.objects.get(action="unmask")
    assert export.details["rows"] == 12 and export.digest == "ab" * 32
    assert unmask.details == {"field": "id_number", "purpose": "欠税追缴"}
    assert {export.ip_address, unmask.ip_address} == {"10.2.2.2"}


def test_audit_entries_are_chained_with_the_platform_hash(client):
    UserFactory(username="chained")
    client.post(reverse("login"), {"username": "chained", "password": PASSWORD})
    entry = LedgerEntry.objects.get(action="login")
    assert entry.hash_algo == preferred_algorithm()  # SM3 where OpenSSL has it
    assert entry.hash_algo == "hmac-sm3"  # keyed with LEDGER_HMAC_KEY (issue 15)


def test_account_changes_are_recorded(security_admin):
    from zhengxiang_portal.security.services import password_reset_by_admin

    user = UserFactory()
    password_reset_by_admin(actor=security_admin, user=user, new_password="Temp#Passw0rd9")
    entry = LedgerEntry.objects.get(action="account", details__event="password_reset")
    assert entry.actor == security_admin and entry.target_id == str(user.pk)


# --- auditor pages ------------------------------------------------------------------------


def _seed_events(client):
    for name in ("alice", "bob"):
        UserFactory(username=name)
    client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "bob", "password": "bad"}, REMOTE_ADDR="10.0.0.2")


def test_auditor_filters_by_user_action_outcome_and_address(client, auditor):
    _seed_events(client)
    client.force_login(auditor)
    url = reverse("security:audit_list")
    rows = client.get(url, {"user": "alice"}).context["page"].object_list
    assert {e.actor_label for e in rows} == {"alice"}
    rows = client.get(url, {"outcome": "failure"}).context["page"].object_list
    assert [e.action for e in rows] == ["login_failed"]
    rows = client.get(url, {"ip": "10.0.0.2"}).context["page"].object_list
    assert [e.actor_label for e in rows] == ["bob"]
    rows = client.get(url, {"action": "logout"}).context["page"].object_list
    assert [e.action for e in rows] == ["logout"]


def test_auditor_filters_by_date_range(client, auditor):
    from django.utils import timezone

    _seed_events(client)
    client.force_login(auditor)
    today = timezone.localdate().isoformat()
    url = reverse("security:audit_list")
    assert (
        client.get(url, {"date_from": today, "date_to": today}).context["page"].paginator.count >= 3
    )
    assert client.get(url, {"date_to": "2020-01-01"}).context["page"].paginator.count == 0


def test_auditor_api_filters(client, auditor):
    _seed_events(client)
    client.force_login(auditor)
    data = client.get("/api/audit-entries/", {"outcome": "failure"}).json()
    assert [r["action"] for r in data["results"]] == ["login_failed"]
    assert client.get("/api/audit-entries/", {"ip": "nonsense"}).status_code == 400


def test_export_csv_is_complete_safe_and_itself_audited(client, auditor):
    UserFactory(username="=HYPERLINK(1)")
    client.post(reverse("login"), {"username": "=HYPERLINK(1)", "password": "bad"})
    client.force_login(auditor)
    response = client.get(reverse("security:audit_export", args=["csv"]), {"outcome": "failure"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "序号" and len(rows) == 2
    assert rows[1][2] == "'=HYPERLINK(1)"  # formula neutralised
    export = LedgerEntry.objects.get(action="export")
    assert export.actor == auditor and export.details["rows"] == 1 and len(export.digest) == 64


def test_export_with_a_wrong_filter_exports_nothing_and_says_why(client, auditor):
    _seed_events(client)
    client.force_login(auditor)
    exports_before = LedgerEntry.objects.filter(action="export").count()
    query = {"outcome": "failure", "date_from": "2026-13-45"}
    response = client.get(reverse("security:audit_export", args=["csv"]), query, follow=True)
    # Back on the list with the same query: the wrong field is named, nothing was downloaded.
    assert response.redirect_chain[0][0].startswith(reverse("security:audit_list") + "?")
    assert "attachment" not in response.get("Content-Disposition", "")
    page = response.content.decode()
    assert "筛选条件有误，未导出：起始日期：" in page
    assert response.context["form"].errors["date_from"]
    # the valid filter still applies to the list shown
    assert [e.action for e in response.context["page"].object_list] == ["login_failed"]
    assert LedgerEntry.objects.filter(action="export").count() == exports_before


def test_export_xlsx_opens_and_has_text_cells(client, auditor):
    from openpyxl import load_workbook

    _seed_events(client)
    client.force_login(auditor)
    response = client.get(reverse("security:audit_export", args=["xlsx"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[:4] == ["序号", "时间", "操作人", "动作"]
    assert ws.max_row >= 4


def test_auditor_runs_the_chain_verification(client, auditor):
    _seed_events(client)
    client.force_login(auditor)
    response = client.post(reverse("security:audit_verify"), follow=True)
    assert "台账链完整" in response.content.decode()


def test_chain_verification_reports_tampering(client, auditor):
    from django.db import connection

    _seed_events(client)
    with connection.cursor() as cursor:  # an attacker with database access, beneath the app
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS ledger_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")  # triggers off (superuser)
        cursor.execute("UPDATE ledger_ledgerentry SET actor_label = 'mallory' WHERE seq = 1")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    client.force_login(auditor)
    html = client.post(reverse("security:audit_verify"), follow=True).content.decode()
    assert "台账链校验失败" in html


# --- retention ≥ 180 days -----------------------------------------------------------------


def test_no_schedule_deletes_audit_records():
    """No registered periodic task prunes the ledger or axes' logs (retention ≥ 180 days)."""
    from zhengxiang_portal.core.schedules import registered_schedules

    for schedule in registered_schedules():
        name = f"{schedule.name} {schedule.task}".lower()
        assert "axes" not in name and "reset_logs" not in name, schedule
        assert not ("ledger" in name and ("delete" in name or "purge" in name or "clean" in name))


def test_no_code_prunes_axes_logs_younger_than_180_days():
    """Any call of axes' log cleanup in the project passes an age of at least 180 days."""
    offenders = []
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/")):
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"axes_reset_(?:failure_)?logs|reset_(?:failure_)?logs\(", text):
            tail = text[match.end() : match.end() + 200]
            age = re.search(r"age(?:_days)?\D{0,5}(\d+)", tail)
            if age is None or int(age.group(1)) < 180:
                offenders.append(rel)
    assert offenders == []


def test_no_code_deletes_ledger_entries():
    offenders = []
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/")) or "/migrations/" in rel:
            continue
        if re.search(r"LedgerEntry\.objects[^\n]*\.delete\(", path.read_text(encoding="utf-8")):
            offenders.append(rel)
    assert offenders == []


def test_ledger_refuses_deletion_of_recent_entries(client):
    from zhengxiang_portal.ledger.models import AppendOnlyError

    _seed_events(client)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(action="login").delete()


def test_retention_setting_is_at_least_180_days(settings):
    assert settings.AUDIT_RETENTION_DAYS >= 180


# --- axes' access log ---------------------------------------------------------------------


def test_auditor_reads_the_access_log_and_failure_log(client, auditor, settings):
    settings.AXES_ENABLED = True  # axes writes the access log
    UserFactory(username="carol")
    login = reverse("login")
    client.post(login, {"username": "carol", "password": "bad"}, REMOTE_ADDR="10.7.7.8")
    client.post(login, {"username": "carol", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7")
    client.force_login(auditor)
    log = client.get(reverse("security:access_log"), {"username": "carol"})
    assert [r.ip_address for r in log.context["page"].object_list] == ["10.7.7.7"]
    fails = client.get(reverse("security:access_log"), {"kind": "failures", "ip": "10.7.7.8"})
    assert [r.username for r in fails.context["page"].object_list] == ["carol"]


def test_access_log_is_the_auditors_only(client, security_admin, system_admin):
    for user in (security_admin, system_admin):
        client.force_login(user)
        assert client.get(reverse("security:access_log")).status_code == 403


def test_a_non_auditor_is_refused_the_export_before_its_filters_are_read(client, security_admin):
    client.force_login(security_admin)
    url = reverse("security:audit_export", args=["csv"])
    assert client.get(url, {"date_from": "2026-13-01"}).status_code == 403
    assert client.get(url).status_code == 403


def test_audit_list_query_count_stays_flat(client, auditor, django_assert_max_num_queries):
    for i in range(30):
        UserFactory(username=f"u{i}")
        client.post(reverse("login"), {"username": f"u{i}", "password": "bad"})
    client.force_login(auditor)
    with django_assert_max_num_queries(13):  # +1: the top bar's unread count (issue 14)
        response = client.get(reverse("security:audit_list"))
    assert len(response.context["page"].object_list) == 31  # 30 failures + the auditor's login
