"""Demo data as data: each app's demo reads a YAML file of named fields through this one loader.

A demo module declares what its file holds as frozen dataclasses (field names, types, defaults,
and `choices` in a field's metadata for a Django TextChoices); `load_demo_data` reads the file
and builds them, or raises `DemoDataError` naming the file, the place and what is wrong
("catalog.yaml → items[3] ZX-ML-004 → fields[2] id_no → field_type: 'txt' is not one of …"),
so a typo in the data stops `make demo` with a sentence instead of a KeyError in a service.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")

# The field that names an element of a list, to say which one is wrong.
_NAMING_FIELDS = ("code", "key", "username")


class DemoDataError(ValueError):
    """A demo data file does not hold what its loader declares."""


def load_demo_data(path: Path, schema: type[T]) -> T:
    """Read `path` (YAML) as an instance of the dataclass `schema`, checked field by field."""
    with path.open(encoding="utf-8") as handle:
        try:
            raw = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise DemoDataError(f"{path.name}: not valid YAML: {exc}") from exc
    return build(schema, raw, where=path.name)


def build(schema: type[T], raw: Any, *, where: str) -> T:
    """The dataclass `schema` built from the mapping `raw`; `where` names the place in errors."""
    if not isinstance(raw, dict):
        raise DemoDataError(f"{where}: expected a mapping, found {_kind(raw)}")
    declared = {f.name: f for f in dataclasses.fields(schema)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        raise DemoDataError(
            f"{where}: unknown field {', '.join(map(str, unknown))} "
            f"(the fields are: {', '.join(declared)})"
        )
    hints = typing.get_type_hints(schema)
    values = {}
    for name, spec in declared.items():
        if name in raw:
            values[name] = _value(hints[name], raw[name], f"{where} → {name}", spec.metadata)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise DemoDataError(f"{where} → {name}: missing (required)")
    return schema(**values)


def _value(hint: Any, value: Any, where: str, metadata: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _value(inner, value, where, metadata)
    if origin is tuple:
        if not isinstance(value, list):
            raise DemoDataError(f"{where}: expected a list, found {_kind(value)}")
        return tuple(
            _value(args[0], v, f"{where}[{i}]{_naming(v)}", metadata) for i, v in enumerate(value)
        )
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where=where)  # type: ignore[arg-type]
    if hint is bool and not isinstance(value, bool):
        raise DemoDataError(f"{where}: expected true or false, found {value!r}")
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise DemoDataError(f"{where}: expected a whole number, found {value!r}")
    if hint is str and not isinstance(value, str):
        raise DemoDataError(f"{where}: expected text, found {value!r} (quote it)")
    choices = metadata.get("choices")
    if choices is not None and value not in choices.values:
        raise DemoDataError(f"{where}: {value!r} is not one of {', '.join(choices.values)}")
    return value


def _naming(value: Any) -> str:
    if isinstance(value, dict):
        for name in _NAMING_FIELDS:
            if isinstance(value.get(name), str):
                return f" {value[name]}"
    return ""


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__
