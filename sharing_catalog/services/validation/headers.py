"""Header matching: the sheet's first row mapped to the schema's fields by label or key, in any
order; a missing required or repeated column is one error, an unknown one a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from .cells import FieldSpec, error

HEADER_SUFFIXES = ("（必填）", "(必填)", "*", "＊")


def _normalise_header(value: Any) -> str:
    text = str(value if value is not None else "").strip().replace("\n", "")
    for suffix in HEADER_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    return text


@dataclass
class HeaderMatch:
    columns: list[tuple[int, FieldSpec]]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


def match_headers(header: list[Any], specs: list[FieldSpec]) -> HeaderMatch:
    """Map columns to fields by Chinese label or key, in any order.

    A missing required column is one error, not one per row.
    """
    by_name: dict[str, FieldSpec] = {}
    for spec in specs:
        by_name[spec.label] = spec
        by_name[spec.key.lower()] = spec
    columns: list[tuple[int, FieldSpec]] = []
    seen: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for idx, raw in enumerate(header):
        name = _normalise_header(raw)
        if not name:
            continue
        found = by_name.get(name) or by_name.get(name.lower())
        if found is None:
            warnings.append(
                {
                    "code": "unknown_column",
                    "message": _("第 %(col)s 列“%(name)s”不在字段规范中，已忽略。")
                    % {"col": get_column_letter(idx + 1), "name": name},
                }
            )
            continue
        spec = found
        if spec.key in seen:
            errors.append(
                error(
                    row=1,
                    col=idx,
                    label=spec.label,
                    value=name,
                    message=_("“%(label)s”列重复出现（另见第 %(col)s 列）")
                    % {"label": spec.label, "col": get_column_letter(seen[spec.key] + 1)},
                )
            )
            continue
        seen[spec.key] = idx
        columns.append((idx, spec))
    if not columns:
        errors.append(
            error(
                row=1,
                col=None,
                message=_("第一行未找到任何字段名称。请使用平台下载的模板，第一行为字段中文名称。"),
            )
        )
        return HeaderMatch(columns, errors, warnings)
    for spec in specs:
        if spec.required and spec.key not in seen:
            errors.append(
                error(
                    row=1,
                    col=None,
                    label=spec.label,
                    message=_("缺少必填列“%(label)s”，请按模板补充该列后重新上传。")
                    % {"label": spec.label},
                )
            )
    return HeaderMatch(columns, errors, warnings)
