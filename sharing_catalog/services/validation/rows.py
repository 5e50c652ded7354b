"""Rows and keys: each data row checked field by field (or a clean batch column by column), its
unique key built, and a key seen twice reported with both rows; a row's key as stored and as
people read it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from ..masking import mask_value
from .cells import FORMULA_WITHOUT_VALUE, NUMBER_IN_TEXT, TEXT_LIKE, CellError, FieldSpec, error
from .headers import match_headers

KEY_SEPARATOR = "\x1f"  # cannot be typed into a cell, so it never collides with data


_MISSING = object()  # an empty optional cell in a column converted whole: left out of the row
_STR_ONLY = {str}
# Values `validate` treats one by one (empty, or a type the converters do not all take the same
# way): a column holding any of them goes through the row-by-row path.
_NEEDS_ROW_PATH = frozenset({str, type(None)})


def _convert_mixed(
    values: Sequence[Any], convert: Callable[[Any], Any], required: bool, text_like: bool
) -> list[Any] | None:
    """One column's values converted as `validate` does, empty ones as _MISSING; None when a
    value needs reporting (an empty required cell, a number in a text column). CellError
    propagates."""
    out: list[Any] = []
    append = out.append
    for value in values:
        cls = value.__class__
        if cls is str:
            value = value.strip()
            if not value:
                if required:
                    return None
                append(_MISSING)
                continue
        elif value is None:
            if required:
                return None
            append(_MISSING)
            continue
        elif text_like and (cls is float or cls is int):
            return None
        append(convert(value))
    return out


class RowValidator:
    """Validates data rows one by one; keeps the unique keys seen to catch duplicates."""

    def __init__(self, specs: list[FieldSpec], header: list[Any]) -> None:
        self.specs = specs
        match = match_headers(header, specs)
        self.columns = match.columns
        self.header_errors = match.errors
        self.header_warnings = match.warnings
        self.key_columns = [(i, s) for i, s in self.columns if s.is_unique_key]
        # A key column missing from the header is already one header error; comparing rows on
        # what is left of the key would report every row as a duplicate (issue 16).
        present = {s.key for _i, s in self.columns}
        self.key_complete = all(s.key in present for s in specs if s.is_unique_key)
        self.key_labels = "、".join(s.label for _i, s in self.key_columns)
        self.first_key_col = self.key_columns[0][0] if self.key_columns else None
        self.seen_keys: dict[str, int] = {}
        self._letters = {i: get_column_letter(i + 1) for i, _s in self.columns}
        # Flattened per-column tuples: the hot loop touches no attribute lookups.
        self._plan = [
            (idx, spec.key, spec.required, spec.field_type in TEXT_LIKE, spec.convert, spec)
            for idx, spec in self.columns
        ]
        self._single_key = self.key_columns[0][1].key if len(self.key_columns) == 1 else None
        self._key_fields = [s.key for _i, s in self.key_columns]
        # (row number, column) of formulas saved without their result: empty to the reader,
        # but not empty to the person who sees a value in Excel (issue 16 point 5).
        self.formula_cells: frozenset[tuple[int, int]] = frozenset()

    def validate(
        self, row: list[Any], row_number: int
    ) -> tuple[dict[str, Any] | None, str, list[dict[str, Any]]]:
        """Return (data by field key, unique key, errors) for one data row."""
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        width = len(row)
        for idx, key, required, text_like, convert, spec in self._plan:
            value: Any = row[idx] if idx < width else None
            cls = value.__class__
            if cls is str:
                value = value.strip()
                if not value:
                    if required or self.formula_cells:
                        self._empty(errors, row_number, idx, spec, required)
                    continue
            elif value is None:
                if required or self.formula_cells:
                    self._empty(errors, row_number, idx, spec, required)
                continue
            elif text_like and (cls is float or cls is int):
                errors.append(self._error(row_number, idx, spec, value, _(NUMBER_IN_TEXT)))
                continue
            try:
                data[key] = convert(value)
            except CellError as exc:
                errors.append(self._error(row_number, idx, spec, value, str(exc)))
        if errors:
            return None, "", errors
        if not self.key_complete:
            return data, "", errors
        key = str(data.get(self._single_key, "")) if self._single_key else self.unique_key(data)
        first = self.seen_keys.get(key)
        if first is not None and self.key_columns:
            col = self.first_key_col
            return (
                None,
                key,
                [
                    error(
                        row=row_number,
                        col=col,
                        label=self.key_labels,
                        value=key_display(data, [s for _i, s in self.key_columns]),
                        message=_("唯一键（%(labels)s）重复：第 %(first)s 行与第 %(row)s 行")
                        % {"labels": self.key_labels, "first": first, "row": row_number},
                    )
                ],
            )
        self.seen_keys[key] = row_number
        return data, key, errors

    def validate_batch(
        self, rows: Sequence[list[Any]], first_row: int
    ) -> tuple[list[dict[str, Any]], list[str]] | None:
        """The rows' data and unique keys, checked column by column (issue 16 point 6), or None
        when any row needs `validate`'s row-by-row path: an error, an empty cell that counts, a
        number in a text column, a blank or short row, a duplicate key. Then nothing was
        recorded, and `validate` gives every row its exact answer; otherwise the result equals
        what `validate` returns row by row, and the keys are recorded as seen.

        Column by column, each converter runs over a whole column in one `map`, with no
        per-cell dispatch on the value's type."""
        if self.formula_cells or not rows:
            return None
        plan = self._plan
        need = max((p[0] for p in plan), default=-1) + 1
        widths = set(map(len, rows))
        need = max(need, 1)
        if min(widths) < need:
            return None
        # every row is at least `need` long, so the transposed columns are all complete
        if len(widths) == 1:
            cols = list(zip(*rows, strict=True))
        else:
            cols = list(zip(*(r[:need] for r in rows), strict=True))
        first = cols[0]
        if "" in first or None in first:  # maybe a blank row: `validate`'s caller skips those
            return None
        converted: list[list[Any]] = []
        gaps = False
        try:
            for idx, _key, required, text_like, convert, _spec in plan:
                values = cols[idx]
                kinds = set(map(type, values))
                if kinds == _STR_ONLY:
                    stripped = list(map(str.strip, values))
                    if all(stripped):
                        converted.append(list(map(convert, stripped)))
                        continue
                    if required:
                        return None
                    gaps = True
                    converted.append([convert(v) if v else _MISSING for v in stripped])
                elif kinds.isdisjoint(_NEEDS_ROW_PATH) and not text_like:
                    converted.append(list(map(convert, values)))
                else:  # mixed: `validate`'s dispatch, cell by cell
                    column = _convert_mixed(values, convert, required, text_like)
                    if column is None:
                        return None
                    gaps = gaps or _MISSING in column
                    converted.append(column)
        except CellError:
            return None
        keys = [p[1] for p in plan]
        if gaps:
            data = [
                {k: v for k, v in zip(keys, values, strict=True) if v is not _MISSING}
                for values in zip(*converted, strict=True)
            ]
        else:  # the columns are of one length: dicts built by C-level maps, no frame per row
            by_row = zip(*converted, strict=True)
            data = list(map(dict, map(zip, itertools.repeat(keys), by_row)))
        if not self.key_complete:
            return data, [""] * len(data)
        if self._single_key is not None:
            column = converted[keys.index(self._single_key)]
            unique = ["" if v is _MISSING else v if v.__class__ is str else str(v) for v in column]
        else:
            unique = [self.unique_key(d) for d in data]
        seen = self.seen_keys
        if self.key_columns and (
            len(set(unique)) != len(unique) or not seen.keys().isdisjoint(unique)
        ):
            return None
        seen.update(zip(unique, itertools.count(first_row)))
        return data, unique

    def _empty(
        self, errors: list[dict[str, Any]], row_number: int, idx: int, spec: Any, required: bool
    ) -> None:
        if (row_number, idx) in self.formula_cells:
            message = _(FORMULA_WITHOUT_VALUE)
        elif required:
            message = _("必填项不能为空")
        else:
            return
        errors.append(self._error(row_number, idx, spec, "", message))

    def unique_key(self, data: dict[str, Any]) -> str:
        return record_key(data, self._key_fields)

    def _error(
        self, row_number: int, idx: int, spec: FieldSpec, value: Any, message: str
    ) -> dict[str, Any]:
        letter = self._letters[idx]
        text = "" if value is None else str(value)[:200]
        if spec.is_sensitive and text:
            # The error report is stored and shown; a sensitive value stays masked in it too.
            text = mask_value(text, spec.field_type)
        return {
            "row": row_number,
            "column": letter,
            "cell": f"{letter}{row_number}",
            "field_label": spec.label,
            "value": text,
            "message": message,
        }


def record_key(data: Mapping[str, Any], key_fields: Sequence[str]) -> str:
    """A row's unique key in clear: its key fields' values joined by KEY_SEPARATOR."""
    if key_fields:
        return KEY_SEPARATOR.join(str(data.get(k, "")) for k in key_fields)
    # Without a declared key, the whole row identifies itself (diffs show add/remove only).
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def key_display(data: Mapping[str, Any], key_specs: Sequence[Any], *, masked: bool = True) -> str:
    """A row's key as people read it ("A / B"); sensitive parts masked unless `masked` is False."""
    return " / ".join(
        mask_value(str(data.get(s.key, "")), s.field_type)
        if masked and s.is_sensitive
        else str(data.get(s.key, ""))
        for s in key_specs
    )


def is_blank_row(row: Iterable[Any]) -> bool:
    for value in row:
        if value is None:
            continue
        if value.__class__ is str:
            if value.strip():
                return False
            continue
        return False
    return True
