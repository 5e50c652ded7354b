"""Remembering how each stored deadline was computed, so a calendar change can move it.

An app that stores a deadline computed by the engine ("N working days after X") records the rule
with `deadline_rules_record`; a date a person chose (an approved extension) is recorded with
`deadline_rule_forget` and stays as chosen. Each app registers, in `AppConfig.ready()`, which of
its objects still have running deadlines and whose they are (`register_deadline_source`); the
recompute (`services.deadlines_recompute`) reads both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .calendar import WorkingCalendar
from .models import DeadlineRule


@dataclass(frozen=True)
class Rule:
    """`field` = `working_days` working days after `start` (or after the deadline `start_field`)."""

    field: str
    working_days: int
    start: dt.date | None = None
    start_field: str = ""

    def compute(self, calendar: WorkingCalendar | None = None, start: dt.date | None = None):
        """The deadline under `calendar` (today's by default), counted from `start` if given."""
        begin = start or self.start
        if begin is None:
            raise ValueError("a rule counted from another deadline needs that deadline's date")
        return (calendar or WorkingCalendar()).add_working_days(begin, self.working_days)


def deadline_rules_record(items: Iterable[tuple[models.Model, Rule]]) -> None:
    """Remember (or replace) the rule of each (saved object, rule) pair, in one statement."""
    rows = [
        DeadlineRule(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            field=rule.field,
            start=rule.start,
            start_field=rule.start_field,
            working_days=rule.working_days,
        )
        for obj, rule in items
    ]
    if rows:
        DeadlineRule.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["content_type", "object_id", "field"],
            update_fields=["start", "start_field", "working_days"],
        )


def deadline_rule_forget(obj: models.Model, field_name: str) -> None:
    """The deadline is now a date a person chose: no calendar change moves it."""
    DeadlineRule.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, field=field_name
    ).delete()


@dataclass(frozen=True)
class DeadlineSource:
    """Objects of one model whose deadlines a calendar change may move.

    `running`: the objects whose deadlines still run (a filter); `unit(obj, field)`: the unit
    whose deadline `field` is (its people are told when it moves); `assignee(obj, field)`: the
    named person who answers for that deadline, if any; `label(obj)` and `url(obj)`: how a
    person names and finds it.
    """

    model: str
    running: models.Q
    unit: Callable[[Any, str], Any]
    label: Callable[[Any], str]
    url: Callable[[Any], str]
    assignee: Callable[[Any, str], Any] = field(default=lambda obj, field: None)
    # Whether deadline `field` of this running object still runs (an objection's answer deadline
    # stops once the provider answered, its reply window runs only then).
    runs: Callable[[Any, str], bool] = field(default=lambda obj, field: True)
    select_related: tuple[str, ...] = ()


_sources: dict[str, DeadlineSource] = {}


def register_deadline_source(source: DeadlineSource) -> None:
    _sources[source.model] = source


def deadline_sources() -> list[DeadlineSource]:
    return list(_sources.values())
