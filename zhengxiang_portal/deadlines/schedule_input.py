"""Reading a year's State Council schedule as an admin types it or exports it (text or CSV).

Text: one line per day or range, `日期[~日期] 休|班 [名称]`, e.g. `2027-02-06~2027-02-12 休 春节`.
CSV: `date,kind[,name]` (a header row is allowed), UTF-8 or GBK as Excel writes it on a Chinese
Windows. Both give the same entries, each with the line it came from, or a list of errors in
Chinese; nothing is saved unless every line reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.errors import CalendarErrorCode

# A holiday range longer than this is a typo (the longest, Spring Festival, is 8–9 days).
MAX_RANGE_DAYS = 15
MAX_CSV_BYTES = 256 * 1024  # a year's schedule is about 40 lines

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_RANGE_SEPARATORS = re.compile(r"\s*(?:~|～|至|—|--)\s*")
_KINDS = {
    "休": False,
    "放假": False,
    "休息": False,
    "holiday": False,
    "rest": False,
    "班": True,
    "上班": True,
    "调休上班": True,
    "补班": True,
    "workday": True,
    "work": True,
}


@dataclass(frozen=True)
class ScheduleEntry:
    """One day of the schedule as read, with the input line it came from."""

    day: dt.date
    is_working_day: bool
    name: str
    line: int


def _line_error(line: int, message: str) -> str:
    return _("第%(line)d行：%(message)s") % {"line": line, "message": message}


def _parse_date(text: str) -> dt.date:
    match = _DATE.match(text.strip())
    if match is None:
        raise ValueError(_("“%(text)s”不是日期，请写成 2027-01-01") % {"text": text})
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(_("日期“%(text)s”不存在") % {"text": text}) from None


def _parse_kind(text: str) -> bool:
    kind = _KINDS.get(text.strip().lower())
    if kind is None:
        raise ValueError(_("类型“%(text)s”无法识别，请写“休”或“班”") % {"text": text})
    return kind


def _entries(dates: str, kind: str, name: str, line: int) -> list[ScheduleEntry]:
    parts = _RANGE_SEPARATORS.split(dates.strip())
    if len(parts) > 2:
        raise ValueError(_("日期范围只能有起止两个日期"))
    start = _parse_date(parts[0])
    end = _parse_date(parts[-1])
    if end < start:
        raise ValueError(_("结束日期早于开始日期"))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValueError(_("日期范围超过 %(n)d 天，请检查") % {"n": MAX_RANGE_DAYS})
    is_working = _parse_kind(kind)
    name = name.strip()[:50]
    return [
        ScheduleEntry(start + dt.timedelta(days=i), is_working, name, line)
        for i in range((end - start).days + 1)
    ]


def _read(rows: list[tuple[int, list[str]]]) -> list[ScheduleEntry]:
    entries: list[ScheduleEntry] = []
    errors: list[str] = []
    for line, cells in rows:
        if len(cells) < 2:
            errors.append(_line_error(line, _("需要日期和类型（休或班）")))
            continue
        try:
            entries += _entries(cells[0], cells[1], " ".join(cells[2:]), line)
        except ValueError as exc:
            errors.append(_line_error(line, str(exc)))
    if errors:
        raise ApplicationError(
            code=CalendarErrorCode.INVALID_SCHEDULE,
            message=_("节假日安排有 %(n)d 处错误，未保存任何内容。") % {"n": len(errors)},
            details={"errors": errors},
        )
    return entries


def schedule_from_text(text: str) -> list[ScheduleEntry]:
    """Read `日期[~日期] 休|班 [名称]` lines; blank lines and lines starting with # are skipped."""
    rows = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # The range may be written with spaces around its separator: join it before splitting.
        stripped = _RANGE_SEPARATORS.sub("~", stripped)
        rows.append((number, stripped.replace(",", " ").replace("，", " ").split()))
    return _read(rows)


def schedule_from_csv(data: bytes) -> list[ScheduleEntry]:
    """Read a CSV file of `date,kind[,name]` rows (UTF-8 with or without BOM, or GBK)."""
    if len(data) > MAX_CSV_BYTES:
        raise ApplicationError(
            code=CalendarErrorCode.SCHEDULE_FILE_TOO_LARGE,
            message=_("文件过大：一年的节假日安排不应超过 %(kb)d KB。")
            % {"kb": MAX_CSV_BYTES // 1024},
        )
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError(
            code=CalendarErrorCode.SCHEDULE_FILE_ENCODING,
            message=_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV 文件。"),
        )
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and (len(cells) < 2 or cells[1].lower() not in _KINDS):
            continue  # a header row such as "date,kind,name" or "日期,类型,名称"
        rows.append((number, cells))
    return _read(rows)
