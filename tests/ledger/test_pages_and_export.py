"""Ledger pages, API and exports for the working group and the auditor (Art. 22, 24, 27)."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from agencies.roles import Role
from tests.factories import PASSWORD, UnitFactory, UserFactory, make_liaison
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import ledger_history
from zhengxiang_portal.ledger.services import ledger_append

pytestmark = pytest.mark.django_db
KEY = settings.LEDGER_HMAC_KEY.encode("utf-8")  # the key the verifier is given (issue 15)
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_ledger_export.py"


def _verifier():
    spec = importlib.util.spec_from_file_location("verify_ledger_export", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def auditor(roles):
    return UserFactory(roles=[Role.AUDITOR])


@pytest.fixture
def entries():
    a, b = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
    ua, ub = UserFactory(unit=a), UserFactory(unit=b)
    made = []
    for i in range(6):
        actor = ua if i % 2 == 0 else ub
        made.append(
            ledger_append(
                action=LedgerAction.UPLOAD if i < 4 else LedgerAction.DOWNLOAD,
                actor=actor,
                target=actor.unit,
                target_label='=HYPERLINK("http://evil")' if i == 5 else "",
                details={"rows": i, "purpose_label": "税费征收管理"},
                digest="ab" * 32,
            )
        )
    return a, b, made


def test_auditor_filters_the_ledger_by_unit_and_action(client, auditor, entries):
    unit_a, _b, _made = entries
    client.login(username=auditor.username, password=PASSWORD)
    response = client.get(
        reverse("ledger:entry_list"), {"unit": unit_a.pk, "action": LedgerAction.UPLOAD}
    )
    assert response.status_code == 200
    seqs = [e.seq for e in response.context["entries"]]
    assert seqs == [3, 1]


def test_ledger_list_query_count_is_flat(client, auditor, entries, django_assert_max_num_queries):
    client.login(username=auditor.username, password=PASSWORD)
    client.get(reverse("ledger:entry_list"))
    views = [
        ledger_append(action=LedgerAction.VIEW, actor=auditor, details={"i": i}) for i in range(40)
    ]
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ledger:entry_list"))
    shown = [e.seq for e in response.context["entries"]]
    # every entry this test made is on the page (the 6 of the fixture and the 40 views) ...
    assert {e.seq for e in entries[2] + views} <= set(shown)
    # ... which is the whole ledger, newest first (the audited login of the client included)
    assert shown == list(LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True))


def test_keyset_pages_walk_back_through_the_ledger(client, auditor):
    made = [ledger_append(action=LedgerAction.VIEW, actor=auditor) for _ in range(60)]
    client.login(username=auditor.username, password=PASSWORD)  # audited: one more entry
    newest = LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True)
    first = client.get(reverse("ledger:entry_list"))
    page_one = [e.seq for e in first.context["entries"]]
    assert page_one == list(newest[:50])
    assert first.context["next_before"] == page_one[-1]
    second = client.get(reverse("ledger:entry_list"), {"before": page_one[-1]})
    page_two = [e.seq for e in second.context["entries"]]
    assert page_two == list(range(page_one[-1] - 1, 0, -1))
    assert second.context["next_before"] is None
    # the two pages walk back through the whole ledger, every entry made here included, once
    assert {e.seq for e in made} <= set(page_one + page_two)
    assert len(page_one + page_two) == len(set(page_one + page_two)) == len(newest)


def test_a_liaison_is_refused_the_whole_ledger_pages_and_api(client, roles, entries):
    # (issue 14: /ledger/ itself now shows a liaison their own unit's 台账; see test_unit_ledger)
    liaison = make_liaison(entries[0])
    client.login(username=liaison.username, password=PASSWORD)
    for name in ("ledger:access_log", "ledger:digest_list"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("ledger:export", args=["csv"])).status_code == 403
    response = client.get("/api/ledger/entries/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_api_lists_entries_with_their_hashes(client, auditor, entries):
    client.login(username=auditor.username, password=PASSWORD)
    response = client.get("/api/ledger/entries/", {"action": LedgerAction.DOWNLOAD})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["seq"] for r in rows] == [6, 5]
    assert rows[0]["prev_hash"] == entries[2][4].entry_hash
    assert rows[0]["target_type"] == "agencies.unit"


def test_object_history_shows_every_entry_about_the_object(client, auditor, entries):
    unit_a, _b, _made = entries
    client.login(username=auditor.username, password=PASSWORD)
    response = client.get(reverse("ledger:history", args=["agencies.unit", unit_a.pk]))
    assert response.status_code == 200
    assert [e.seq for e in response.context["entries"]] == [1, 3, 5]
    assert list(ledger_history(unit_a).values_list("seq", flat=True)) == [1, 3, 5]


def test_csv_export_reverifies_outside_the_portal(client, auditor, entries, tmp_path):
    # given an exported slice of the whole ledger
    client.login(username=auditor.username, password=PASSWORD)  # audited: one more entry
    in_ledger = LedgerEntry.objects.count()
    response = client.get(reverse("ledger:export", args=["csv"]))
    assert response.status_code == 200
    path = tmp_path / "ledger.csv"
    path.write_bytes(response.content)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # the slice holds every entry of the ledger, the six made by the fixture among them
    assert {int(r["seq"]) for r in rows} == set(range(1, in_ledger + 1))
    assert {e.seq for e in entries[2]} <= {int(r["seq"]) for r in rows}
    # then the standalone script (no Django) verifies it, contiguous from the genesis entry
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--contiguous"],
        env={**os.environ, "LEDGER_HMAC_KEY": settings.LEDGER_HMAC_KEY},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{in_ledger} entries verified" in done.stdout
    # and the formula-looking target is neutralised in the file, yet still verifies
    evil = next(r for r in rows if int(r["seq"]) == entries[2][5].seq)
    assert evil["target_repr"].startswith("'=")
    # the export itself is audited
    assert LedgerEntry.objects.filter(action=LedgerAction.EXPORT, actor=auditor).exists()


@pytest.mark.parametrize(
    ("export", "listing"),
    [("ledger:export", "ledger:entry_list"), ("ledger:access_export", "ledger:access_log")],
)
def test_an_export_with_a_wrong_filter_exports_nothing_and_says_why(
    client, auditor, entries, export, listing
):
    client.login(username=auditor.username, password=PASSWORD)
    before = LedgerEntry.objects.filter(action=LedgerAction.EXPORT).count()
    response = client.get(reverse(export, args=["csv"]), {"unit": "999999"}, follow=True)
    assert response.redirect_chain[0][0] == reverse(listing) + "?unit=999999"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert "筛选条件有误，未导出：单位：" in response.content.decode()
    assert LedgerEntry.objects.filter(action=LedgerAction.EXPORT).count() == before


def test_the_ledger_list_keeps_the_valid_filters_when_one_is_wrong(client, auditor, entries):
    unit_a, _b, _made = entries
    client.login(username=auditor.username, password=PASSWORD)
    response = client.get(reverse("ledger:entry_list"), {"unit": unit_a.pk, "start": "2026-02-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_start_error"' in html  # named next to its field
    assert '<input type="hidden" name="target_type" id="id_target_type">' in html
    assert 'for="id_target_type"' not in html  # the hidden filters carry no label
    shown = response.context["entries"]
    assert shown and {e.actor.unit_id for e in shown} == {unit_a.pk}


def test_the_verifier_names_an_altered_row_and_checks_anchors(client, auditor, entries, tmp_path):
    client.login(username=auditor.username, password=PASSWORD)
    unit_a = entries[0]
    text = client.get(reverse("ledger:export", args=["csv"]), {"unit": unit_a.pk}).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    verifier = _verifier()
    ok, checked, message = verifier.verify_rows(rows, key=KEY)
    assert (ok, checked) == (True, 3)
    assert "gap" in message
    assert not verifier.verify_rows(rows, contiguous=True, key=KEY)[0]
    last = entries[2][4]
    assert verifier.verify_rows(rows, key=KEY, anchors={5: last.entry_hash})[0]
    assert not verifier.verify_rows(rows, key=KEY, anchors={5: "0" * 64})[0]
    rows[1]["details"] = rows[1]["details"].replace('"rows":2', '"rows":20')
    ok, _n, message = verifier.verify_rows(rows, key=KEY)
    assert not ok
    assert "#3" in message


def test_pure_python_sm3_matches_the_standard_vector():
    verifier = _verifier()
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert verifier.sm3_hex(b"abc") == expected


def test_xlsx_export_carries_the_hashes_as_text(client, auditor, entries):
    client.login(username=auditor.username, password=PASSWORD)
    response = client.get(reverse("ledger:export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "entry_hash" in header
    assert "prev_hash" in header
    assert rows[1][header.index("entry_hash")] == entries[2][0].entry_hash
    assert rows[6][header.index("target_repr")].startswith("'=")
