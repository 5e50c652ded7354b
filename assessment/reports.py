"""The period's assessment as a formatted workbook for the district's evaluation office (Art. 25).

Sheets: 排名 (ranking), one sheet per indicator, 依据明细 (evidence). Every value goes through the
shared `zhengxiang_portal.exports.safe_cell` (formula-injection defence) and text cells are typed
as strings: openpyxl writes a string starting with "=" as a live formula otherwise.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from agencies.models import User
from zhengxiang_portal.exports import A4_PAPER
from zhengxiang_portal.exports import safe_cell as safe_value

from .facts import EVIDENCE_TAGS, kind_name
from .models import Period
from .selectors import Dashboard, dashboard_get, score_list

HEADER_FILL = PatternFill("solid", fgColor="9F1C20")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SCORE_FORMAT = "0.00"
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")


def safe_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one cell; strings are always stored as text (data_type "s"), never as formulas."""
    cell = ws.cell(row=row, column=column)
    cleaned = safe_value(value)
    cell.value = cleaned
    if isinstance(cleaned, str):
        cell.data_type = "s"
    return cell


def _header(ws: Worksheet, row: int, headers: list[str], widths: list[int]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = safe_cell(ws, row, col, text)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=3)
    ws.auto_filter.ref = f"A{row}:{get_column_letter(len(headers))}{row}"


def _title(ws: Worksheet, text: str, subtitle: str) -> None:
    safe_cell(ws, 1, 1, text).font = TITLE_FONT
    safe_cell(ws, 2, 1, subtitle).font = Font(italic=True, color="57606A")


def _row(ws: Worksheet, row: int, values: list[Any], number_cols: set[int]) -> None:
    for col, value in enumerate(values, start=1):
        cell = safe_cell(ws, row, col, value)
        cell.border = BORDER
        if col in number_cols and isinstance(value, Decimal | int | float):
            cell.number_format = SCORE_FORMAT
            cell.alignment = Alignment(horizontal="right")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in SHEET_NAME_FORBIDDEN else ch for ch in name)[:28] or "指标"
    candidate, n = clean, 2
    while candidate in used:
        candidate = f"{clean[:26]}{n}"
        n += 1
    used.add(candidate)
    return candidate


def build_workbook(*, user: User, period: Period) -> Workbook:
    """Return the workbook of the period's assessment as the user may see it."""
    dash: Dashboard = dashboard_get(user=user, period=period)
    wb = Workbook()
    ws = wb.active
    ws.title = _("排名")
    subtitle = _("考核期间 %(start)s 至 %(end)s · 状态：%(status)s · 导出时间 %(now)s") % {
        "start": period.start,
        "end": period.end,
        "status": period.get_status_display(),
        "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    _title(ws, _("%(period)s 税费精诚共治考核排名") % {"period": period.name}, subtitle)
    headers = [_("排名"), _("单位代码"), _("单位名称"), _("总分"), _("上期总分"), _("变化"),
               _("权重重新分配")]  # fmt: skip
    headers += [ind.name for ind in dash.indicators]
    _header(ws, 4, headers, [8, 14, 34, 10, 10, 10, 14] + [14] * len(dash.indicators))
    for r, row in enumerate(dash.rows, start=5):
        by_ind = {s.indicator_id: s for s in row.scores}
        values: list[Any] = [
            row.rank if row.rank is not None else "—",
            row.unit.code,
            row.unit.name,
            row.total,
            row.previous_total,
            row.trend,
            _("是") if row.redistributed else _("否"),
        ]
        for ind in dash.indicators:
            s = by_ind.get(ind.pk)
            values.append(_("不适用") if s is None or s.not_applicable else s.value)
        _row(ws, r, values, number_cols={4, 5, 6, *range(8, 8 + len(dash.indicators))})
    used = {ws.title, _("依据明细")}
    scores = list(score_list(user=user, period=period))
    for ind in dash.indicators:
        sheet = wb.create_sheet(_sheet_name(ind.name, used))
        _title(
            sheet,
            ind.name,
            _("规则：%(kind)s · 权重 %(weight)s · 参数 %(params)s")
            % {"kind": ind.get_kind_display(), "weight": ind.weight, "params": ind.params},
        )
        _header(
            sheet,
            4,
            [_("单位代码"), _("单位名称"), _("得分"), _("满分"), _("是否适用"), _("实际权重"),
             _("加权得分"), _("人工调整"), _("计算说明"), _("依据条数")],
            [14, 34, 10, 10, 10, 10, 10, 10, 50, 10],
        )  # fmt: skip
        r = 5
        for s in scores:
            if s.indicator_id != ind.pk:
                continue
            _row(
                sheet,
                r,
                [s.unit.code, s.unit.name, None if s.not_applicable else s.value, s.max,
                 _("不适用") if s.not_applicable else _("适用"), s.effective_weight, s.weighted,
                 _("是") if s.adjusted else "", s.explanation, len(s.evidence)],
                number_cols={3, 4, 6, 7},
            )  # fmt: skip
            r += 1
    ev = wb.create_sheet(_("依据明细"))
    _title(ev, _("得分依据明细"), subtitle)
    _header(
        ev,
        4,
        [_("单位代码"), _("单位名称"), _("指标"), _("标记"), _("对象类型"), _("依据"),
         _("链接")],
        [14, 30, 20, 14, 16, 70, 40],
    )  # fmt: skip
    r = 5
    for s in scores:
        for ref in s.evidence:
            _row(
                ev,
                r,
                [s.unit.code, s.unit.name, s.indicator.name, _tag_label(ref.get("tag", "")),
                 kind_name(ref), ref.get("label", ""),
                 ref.get("url", "")],
                number_cols=set(),
            )  # fmt: skip
            r += 1
    for sheet in wb.worksheets:
        # A4 landscape, one page wide (fitToWidth alone was ignored: Letter, 41 pages on the
        # demo data in LibreOffice), the heading row on every page
        sheet.print_title_rows = "4:4"
        sheet.page_setup.paperSize = A4_PAPER
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    return wb


def _tag_label(tag: str) -> str:
    return str(EVIDENCE_TAGS.get(tag, tag))
