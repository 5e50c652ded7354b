"""Object routes of the project package's own modules, for the generated cross-unit access tests
(tests/security/test_object_access.py; registry in tests/object_access.py)."""

from __future__ import annotations

from tests.factories import make_liaison
from tests.object_access import ObjectCase, exempt, object_factory
from zhengxiang_portal.notifications.services import notify


@object_factory("notifications:open")
def notification(unit):
    """A message is its recipient's alone: another unit's user opening it gets 404."""
    recipient = make_liaison(unit)
    (message,) = notify(
        recipients=[recipient], key=f"test-open-{unit.pk}", kind="test", subject="测试消息"
    )
    return ObjectCase(kwargs={"pk": message.pk}, owner=recipient)


exempt(
    "deadlines:schedule_detail",
    "a year's official holiday schedule belongs to no unit (it is the State Council's, the same "
    "for everyone); only the system and security admins may open it "
    "(test_official_calendar.py::test_the_page_is_refused_to_other_roles)",
)
exempt(
    "deadlines:override_delete",
    "a calendar override belongs to no unit; only the system and security admins may withdraw "
    "one (test_official_calendar.py::test_withdrawing_an_override_is_refused_to_other_roles)",
)
exempt(
    "ledger:table_export",
    "its argument is the file format, not an object; each caller exports the entries "
    "ledger_list scopes to them (tests/ledger/test_unit_ledger.py: a liaison never sees "
    "another unit's entries, the export holds the unit's own rows)",
)
