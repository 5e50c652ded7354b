"""The one rule that keeps a spreadsheet from running a downloaded cell as a formula.

Every writer of .xlsx or CSV (`exports`, `xlsx_stream`, the audit trail's export) applies it;
it imports nothing of the portal, so each of them can.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

# Characters that make a spreadsheet treat the text as a formula (or as a DDE payload).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\x00")
# Characters a spreadsheet skips before deciding the cell is a formula.
LEADING_BLANKS = " \u00a0\u3000"


def safe_cell(value: Any) -> Any:
    """Return `value` ready for a spreadsheet cell; text that could run as a formula is quoted.

    Numbers, dates, booleans and None pass through unchanged (they are typed, never formulas).
    A string whose first non-blank character (after spaces, NBSP or ideographic spaces) is
    one of ``= + - @`` or a tab, CR, LF or NUL gets a leading ``'`` and loses its NUL bytes.
    """
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        return value
    text = value if isinstance(value, str) else str(value)
    stripped = text.lstrip(LEADING_BLANKS)
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + text.replace("\x00", "")
    if "\x00" in text:
        return text.replace("\x00", "")
    return text
