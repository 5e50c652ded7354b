"""Masking of sensitive values for people who do not need to see them (Art. 24, 27).

`mask_value(field_type, value)`:
- "id_number" (resident ID, GB 11643): first 4 and last 4 kept — 4304**********1234
- "phone" (mobile or fixed line): first 3 and last 4 kept — 138****1234
- "bank_account": last 4 kept — ************5678
- "credit_code" (unified social credit code): first 8 and last 2 kept
- "name" (person's name): the family name kept — 王**
- anything else: returned unchanged; None/"" stay as they are.
Showing the clear value is an unmasking and must be logged with `audit_unmask` (security.audit).
"""

from __future__ import annotations

MASK = "*"


def _keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        # Too short to show anything and still hide something: hide all but the last character.
        return MASK * max(len(value) - 1, 0) + value[-1:]
    return value[:head] + MASK * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_value(field_type: str, value: object) -> object:
    """Return `value` masked according to `field_type` (see the module docstring)."""
    if value is None or value == "":
        return value
    text = str(value).strip()
    if field_type == "id_number":
        return _keep(text, 4, 4)
    if field_type == "phone":
        digits = text.replace(" ", "").replace("-", "")
        return _keep(digits, 3, 4)
    if field_type == "bank_account":
        compact = text.replace(" ", "")
        return _keep(compact, 0, 4)
    if field_type == "credit_code":
        return _keep(text, 8, 2)
    if field_type == "name":
        return text[:1] + MASK * max(len(text) - 1, 1)
    return value


MASKED_TYPES = frozenset({"id_number", "phone", "bank_account", "credit_code", "name"})
