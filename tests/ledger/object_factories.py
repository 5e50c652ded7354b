"""Ledger routes for the generated cross-unit access tests (tests/security/test_object_access.py;
registry in tests/object_access.py).

Ledger entries are not unit-owned objects: the ledger, its exports, one object's history and
the daily digests are for the working group and the auditor only (Art. 22, 24, 27). So the
"other unit" user of the test — a liaison of another unit — must be refused every one of these
routes, even for entries about the liaison's own kind of objects; the positive control is an
auditor (who holds ledger.view_ledgerentry) or a working-group member. The entries made here are
about the given unit, so a leak of that unit's activity would show.
"""

from __future__ import annotations

from django.utils import timezone

from agencies.roles import Role
from tests.factories import UserFactory, WorkingGroupMemberFactory, make_liaison
from tests.object_access import ListCase, ObjectCase, list_factory, object_factory
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append, ledger_publish_daily_digest


def _auditor():
    return UserFactory(roles=[Role.AUDITOR])


def _entries(unit) -> list:
    """An upload and an access (view) of the unit's liaison, about the unit."""
    liaison = make_liaison(unit)
    return [
        ledger_append(action=action, actor=liaison, target=unit, details={"rows": 3})
        for action in (LedgerAction.UPLOAD, LedgerAction.VIEW)
    ]


@object_factory("ledger:export", "ledger:access_export")
def ledger_export(unit):
    _entries(unit)
    return ObjectCase(kwargs={"fmt": "csv"}, owner=_auditor())


@object_factory("ledger:history")
def object_history(unit):
    _entries(unit)
    return ObjectCase(kwargs={"type_label": "agencies.unit", "pk": str(unit.pk)}, owner=_auditor())


@object_factory("ledger:digest_print")
def digest_print(unit):
    _entries(unit)
    digest = ledger_publish_daily_digest(day=timezone.localdate())
    return ObjectCase(
        kwargs={"day": digest.day.isoformat()}, owner=WorkingGroupMemberFactory().user
    )


@list_factory("ledger-entry-list", "ledger-unit-entry-list")
def ledger_entries(unit):
    return ListCase(id_field="seq", ids={e.seq for e in _entries(unit)})


@list_factory("ledger-access-log")
def access_log(unit):
    view = next(e for e in _entries(unit) if e.action == LedgerAction.VIEW)
    return ListCase(id_field="seq", ids={view.seq})


@list_factory("ledger-digest-list")
def digests(unit):
    _entries(unit)
    digest = ledger_publish_daily_digest(day=timezone.localdate())
    return ListCase(id_field="day", ids={digest.day.isoformat()})
