"""System checks of the agencies app: a unit with duties and nobody to tell (issue 14).

A fact about the data, not about the code or the settings: like the default-password check
(security.E010), it is a deployment check of the database, listed by
`manage.py check --deploy --database default` and shown to the working group on its home page
and on /units/ — not repeated by every `migrate`, `seed_demo` or other command, which run the
ordinary checks, nor by a settings-only `check --deploy`.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils.translation import gettext as _

from .selectors import units_unreachable

UNREACHABLE_UNITS = "agencies.W001"
DATA_TAG = "portal_data"


@register(Tags.database, DATA_TAG, deploy=True)
def units_without_anyone_to_tell(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[Warning]:
    """Warn about units that have open duties but no active liaison (or tax staff).

    Their reminders and notices go to the working group instead (Art. 3: every unit names its
    liaison). Before the first migration there is nothing to check.
    """
    if not databases:
        return []

    try:
        names = list(units_unreachable().values_list("name", flat=True))
    except DatabaseError:
        return []
    if not names:
        return []
    text = _("%(n)d 个有待办职责的单位无在岗联络员或税务人员，通知改发专项工作组：%(names)s")
    return [
        Warning(
            text % {"n": len(names), "names": "、".join(names)},
            hint=_("请安全管理员为这些单位登记在岗联络员（第三条）。"),
            id=UNREACHABLE_UNITS,
        )
    ]
