"""Month statistics (月度统计) that the apps contribute to the working group's statistics page.

The project package never imports the apps: each app registers a section in `AppConfig.ready()`
(objections and uploads by sharing_catalog, rectification orders by assessment); the statistics
page renders every registered section as a table and a chart and exports each as an Excel sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class StatisticsTable:
    """One table of counts: a label per row, then numbers; the last column is the row's total."""

    title: Any
    headers: Sequence[Any]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class StatisticsSection:
    key: str
    table: Callable[[dt.date, dt.date], StatisticsTable]
    order: int = 100


_sections: dict[str, StatisticsSection] = {}


def register_statistics_section(section: StatisticsSection) -> None:
    _sections[section.key] = section


def statistics_tables(*, start: dt.date, end: dt.date) -> list[StatisticsTable]:
    """Every registered section's table for the days [start, end]."""
    return [s.table(start, end) for s in sorted(_sections.values(), key=lambda s: s.order)]


def crosstab(
    *,
    title: Any,
    first_heading: Any,
    counts: Iterable[tuple[str, str, int]],
    columns: Sequence[tuple[str, Any]],
) -> StatisticsTable:
    """A table of (row label, column key, number) triples: one column per key, then 合计."""
    by_row: dict[str, dict[str, int]] = {}
    for label, key, number in counts:
        row = by_row.setdefault(label, {})
        row[key] = row.get(key, 0) + number
    rows = [
        [label, *(cells.get(key, 0) for key, _label in columns), sum(cells.values())]
        for label, cells in sorted(by_row.items())
    ]
    return StatisticsTable(
        title=title,
        headers=[first_heading, *(heading for _key, heading in columns), _("合计")],
        rows=rows,
    )
