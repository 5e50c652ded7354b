"""Masking of sensitive values for people who do not need to see them (脱敏, Art. 24, 27).

The one masking function of the portal: `mask_value(value, field_type)`, where the field type is
a schema field's type (sharing_catalog's `FieldType`) or one of the kinds below.
- "id_number" (resident ID, GB 11643): first 4 and last 4 kept — 4304**********1234
- "phone" (mobile or fixed line): first 3 and last 4 kept — 138****1234
- "credit_code" (unified social credit code): first 8 and last 2 kept — 91430400********XY
- "name" (person's name): the family name kept — 王**
- "bank_account" and any other type: only the last 4 kept — ************5678. A value given to
  this function is sensitive by the caller's decision, so no type passes it through in clear.
None and "" give "". Showing the clear value is an unmasking and must be logged with
`audit_unmask` (security.audit); who sees what in clear is decided by the read path.
"""

from __future__ import annotations

MASK = "*"


def _keep(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        # Too short to show anything and still hide something: hide all but the last character.
        return MASK * max(len(value) - 1, 0) + value[-1:]
    return value[:head] + MASK * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_value(value: object, field_type: str) -> str:
    """Return `value` masked according to `field_type` (see the module docstring)."""
    if value is None or value == "":
        return ""
    text = str(value).strip()
    if field_type == "id_number":
        return _keep(text, 4, 4)
    if field_type == "phone":
        return _keep(text.replace(" ", "").replace("-", ""), 3, 4)
    if field_type == "credit_code":
        return _keep(text, 8, 2)
    if field_type == "name":
        return text[:1] + MASK * max(len(text) - 1, 1)
    return _keep(text.replace(" ", ""), 0, 4)
