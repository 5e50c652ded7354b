"""Plausibility: warnings, not errors, against the previous confirmed version (Art. 22 校核 aid):
a row count halved, keys that vanished, amounts grown tenfold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .cells import FieldSpec
from .rows import KEY_SEPARATOR


def decimal_jumps(
    before: Mapping[str, str], values: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """The amounts of one record that grew tenfold or more since the previous version, as
    (field, old text, new text)."""
    jumps = []
    for field_key, now_text in values.items():
        old_text = before.get(field_key)
        if old_text is None:
            continue
        old, now = abs(Decimal(old_text)), abs(Decimal(now_text))
        if old and now >= old * 10:
            jumps.append((field_key, old_text, now_text))
    return jumps


def plausibility_warnings(
    *,
    specs: list[FieldSpec],
    row_count: int,
    keys: AbstractSet[str],
    decimals: dict[str, dict[str, str]],
    previous_count: int,
    previous_keys: set[str],
    previous_decimals: dict[str, dict[str, str]],
    describe: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """Warnings (not errors) against the previous confirmed version: Art. 22 校核 aid.

    `describe` turns a key into what the warning shows (a hashed key into its masked form).
    """
    describe = describe or (lambda k: k.replace(KEY_SEPARATOR, " / "))
    warnings: list[dict[str, Any]] = []
    if previous_count and row_count * 2 < previous_count:
        warnings.append(
            {
                "code": "row_count_drop",
                "message": _("本次 %(now)s 行，比上一期确认的 %(before)s 行减少超过一半，请核实。")
                % {"now": row_count, "before": previous_count},
            }
        )
    vanished = previous_keys - keys if previous_keys else set()
    if vanished:
        sample = "；".join(describe(k) for k in sorted(vanished)[:10])
        warnings.append(
            {
                "code": "keys_vanished",
                "message": _("上一期有、本期没有的记录 %(n)s 条，例如：%(sample)s")
                % {"n": len(vanished), "sample": sample},
            }
        )
    labels = {s.key: s.label for s in specs}
    jumps: list[tuple[str, str, str, str]] = []
    for key, values in decimals.items():
        before = previous_decimals.get(key)
        if before:
            jumps.extend((key, *jump) for jump in decimal_jumps(before, values))
    if jumps:
        key, field_key, old_text, now_text = jumps[0]
        warnings.append(
            {
                "code": "amount_jump",
                "message": _(
                    "%(n)s 处金额比上一期增长十倍以上，"
                    "例如 %(key)s 的“%(label)s”由 %(old)s 变为 %(new)s。"
                )
                % {
                    "n": len(jumps),
                    "key": describe(key),
                    "label": labels.get(field_key, field_key),
                    "old": old_text,
                    "new": now_text,
                },
            }
        )
    return warnings
