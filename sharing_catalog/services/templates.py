"""The Excel upload template (报送模板) generated from a field schema (Art. 20: 信息传送基本标准).

Layout of the workbook:

* sheet "数据" (`DATA_SHEET`): row 1 holds the Chinese labels; each header cell carries a comment
  whose first line is ``字段标识: <key>``, so a reader can map a column by label *or* by key (use
  `header_map` / `match_headers` — the uploader does). Data starts in row 2. Columns of text-like
  types (text, credit code, ID number, phone) are formatted as text ('@') so Excel never turns an
  18-digit ID number into a float; date and datetime columns carry date number formats.
  Enumerations and yes/no fields get drop-downs; credit codes and ID numbers a length check.
* sheet "填写说明" (`INSTRUCTIONS_SHEET`): one row per field — label, key, type, required, format,
  length, example, enumeration values, unique key, notes.
* hidden sheet "枚举值" (`ENUM_SHEET`): the drop-down lists (a list longer than 255 characters
  cannot be written inline into a data validation).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from zhengxiang_portal.exports import safe_cell

from ..models import FieldType, SchemaField, SchemaVersion

DATA_SHEET = "数据"
INSTRUCTIONS_SHEET = "填写说明"
ENUM_SHEET = "枚举值"
KEY_COMMENT_PREFIX = "字段标识: "
LAST_ROW = 1_048_576  # Excel's last row: validations and formats cover the whole column
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
BOOLEAN_CHOICES = ("是", "否")

TEXT_TYPES = frozenset(
    {FieldType.TEXT, FieldType.CREDIT_CODE, FieldType.ID_NUMBER, FieldType.PHONE, FieldType.ENUM}
)
NUMBER_FORMATS = {
    FieldType.DATE: DATE_FORMAT,
    FieldType.DATETIME: DATETIME_FORMAT,
    FieldType.INTEGER: "0",
    FieldType.DECIMAL: "#,##0.00",
    FieldType.BOOLEAN: TEXT_FORMAT,  # 是/否 chosen from a list
    **dict.fromkeys(TEXT_TYPES, TEXT_FORMAT),
}
FORMAT_HINTS = {
    FieldType.TEXT: "文本",
    FieldType.INTEGER: "整数，如 12",
    FieldType.DECIMAL: "数字，最多两位小数，如 12345.67（不带千分位、货币符号）",
    FieldType.DATE: "日期，格式 yyyy-mm-dd，如 2026-10-08",
    FieldType.DATETIME: "日期时间，格式 yyyy-mm-dd hh:mm:ss",
    FieldType.BOOLEAN: "从下拉列表选择“是”或“否”",
    FieldType.ENUM: "从下拉列表选择",
    FieldType.CREDIT_CODE: "18 位统一社会信用代码（GB 32100，含校验位），按文本填写",
    FieldType.ID_NUMBER: "18 位居民身份证号码（GB 11643，含校验码），按文本填写",
    FieldType.PHONE: "手机号或带区号的固定电话，如 13907340000、0734-8123456",
}
FIXED_LENGTH = {FieldType.CREDIT_CODE: 18, FieldType.ID_NUMBER: 18}

_HEADER_FILL = PatternFill("solid", fgColor="9F1C20")
_REQUIRED_FILL = PatternFill("solid", fgColor="7A1518")
_INFO_FILL = PatternFill("solid", fgColor="F6F8FA")


def normalize_header(text: Any) -> str:
    """Normalise a header cell for matching: NFKC, no spaces, no required marks (*, ＊)."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"[\s\u00a0\u3000]+", "", value)
    return value.strip("*").lower()


def header_map(schema: SchemaVersion) -> dict[str, SchemaField]:
    """Normalised label and key → field, for matching an uploaded header row."""
    mapping: dict[str, SchemaField] = {}
    for field in schema.fields.all():
        mapping[normalize_header(field.key)] = field
        mapping[normalize_header(field.label)] = field
    return mapping


def match_headers(
    schema: SchemaVersion, headers: list[Any]
) -> tuple[dict[int, SchemaField], list[SchemaField], list[tuple[int, Any]]]:
    """Match a header row to the schema by label or key, in any column order.

    Returns (column index → field, required fields without a column, unknown columns as
    (index, header)). A field matched twice keeps its first column; the second is unknown.
    """
    lookup = header_map(schema)
    matched: dict[int, SchemaField] = {}
    used: set[int] = set()
    unknown: list[tuple[int, Any]] = []
    for index, header in enumerate(headers):
        field = lookup.get(normalize_header(header))
        if field is None or field.pk in used:
            if normalize_header(header):
                unknown.append((index, header))
            continue
        matched[index] = field
        used.add(field.pk)
    missing = [f for f in schema.fields.all() if f.required and f.pk not in used]
    return matched, missing, unknown


def _rules_text(field: SchemaField) -> list[str]:
    parts = [
        _("类型：%(type)s") % {"type": field.get_field_type_display()},
        _("必填") if field.required else _("选填"),
    ]
    length = field.max_length or FIXED_LENGTH.get(field.field_type)  # type: ignore[call-overload]
    if length:
        parts.append(_("长度不超过 %(n)d") % {"n": length})
    if field.pattern:
        parts.append(_("格式：%(p)s") % {"p": field.pattern})
    if field.is_unique_key:
        parts.append(_("唯一键"))
    return parts


def _header_comment(field: SchemaField) -> Comment:
    lines = [f"{KEY_COMMENT_PREFIX}{field.key}", *_rules_text(field)]
    if field.example:
        lines.append(_("示例：%(e)s") % {"e": field.example})
    comment = Comment("\n".join(lines), "蒸湘区税费精诚共治平台")
    comment.width, comment.height = 260, 140
    return comment


def _data_sheet(workbook: Workbook, schema: SchemaVersion, fields: list[SchemaField]) -> None:
    sheet = workbook.active
    sheet.title = DATA_SHEET
    enum_sheet = None
    enum_column = 0
    for column, field in enumerate(fields, start=1):
        letter = get_column_letter(column)
        cell = sheet.cell(row=1, column=column, value=safe_cell(field.label))
        cell.data_type = "s"
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _REQUIRED_FILL if field.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = _header_comment(field)
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(12, min(40, len(field.label) * 2.4 + 4))
        if field.field_type in (FieldType.CREDIT_CODE, FieldType.ID_NUMBER):
            dimension.width = max(dimension.width, 22)
        dimension.number_format = NUMBER_FORMATS[field.field_type]  # type: ignore[index]
        data_range = f"{letter}2:{letter}{LAST_ROW}"
        validation = None
        if field.field_type in (FieldType.ENUM, FieldType.BOOLEAN):
            values = list(field.enum_values) or list(BOOLEAN_CHOICES)
            if enum_sheet is None:
                enum_sheet = workbook.create_sheet(ENUM_SHEET)
                enum_sheet.sheet_state = "hidden"
            enum_column += 1
            enum_letter = get_column_letter(enum_column)
            enum_sheet.cell(row=1, column=enum_column, value=safe_cell(field.label))
            for row, value in enumerate(values, start=2):
                enum_sheet.cell(row=row, column=enum_column, value=safe_cell(value)).data_type = "s"
            source = (
                f"{quote_sheetname(ENUM_SHEET)}!${enum_letter}$2:${enum_letter}${len(values) + 1}"
            )
            validation = DataValidation(type="list", formula1=source, allow_blank=True)
            validation.error = _("请从下拉列表中选择。")
        elif field.field_type in FIXED_LENGTH:
            length = FIXED_LENGTH[field.field_type]  # type: ignore[index]
            validation = DataValidation(
                type="textLength", operator="equal", formula1=str(length), allow_blank=True
            )
            validation.error = _("应为 %(n)d 位。") % {"n": length}
        elif field.max_length and field.field_type in TEXT_TYPES:
            validation = DataValidation(
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(field.max_length),
                allow_blank=True,
            )
            validation.error = _("长度不能超过 %(n)d。") % {"n": field.max_length}
        if validation is not None:
            validation.errorTitle = str(field.label)
            validation.showErrorMessage = True
            validation.promptTitle = str(field.label)[:32]
            validation.prompt = FORMAT_HINTS[field.field_type][:255]  # type: ignore[index]
            validation.showInputMessage = True
            validation.add(data_range)
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30


def _instructions_sheet(workbook: Workbook, schema: SchemaVersion, fields: list) -> None:
    item = schema.item
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    intro = [
        (_("目录项"), f"{item.code} {item.name}"),
        (_("提供单位"), item.provider.name),
        (_("字段规范版本"), f"v{schema.version}"),
        (_("更新周期"), item.get_frequency_display()),
        (
            _("报送期限"),
            _("每期结束后 %(n)d 个工作日内（法定节假日、调休按国家安排）")
            % {"n": item.due_working_days},
        ),
        (
            _("填写要求"),
            _(
                "在“数据”工作表第 2 行起逐行填写，不要修改第 1 行表头（可调整列的顺序）；"
                "红底深色表头为必填字段；证件号码、信用代码、电话请按文本填写。"
            ),
        ),
    ]
    for label, value in intro:
        sheet.append([safe_cell(label), safe_cell(value)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    headers = [
        _("列"),
        _("中文名称"),
        _("字段标识"),
        _("类型"),
        _("必填"),
        _("格式要求"),
        _("最大长度"),
        _("示例"),
        _("可选值（枚举）"),
        _("唯一键"),
        _("说明"),
    ]
    sheet.append([safe_cell(h) for h in headers])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = _INFO_FILL
    for column, field in enumerate(fields, start=1):
        fmt = FORMAT_HINTS[field.field_type]
        if field.pattern:
            fmt = f"{fmt}；{_('须符合正则')} {field.pattern}"
        length = field.max_length or FIXED_LENGTH.get(field.field_type)
        enum = "、".join(field.enum_values) if field.field_type == FieldType.ENUM else ""
        if field.field_type == FieldType.BOOLEAN:
            enum = "、".join(BOOLEAN_CHOICES)
        row = [
            get_column_letter(column),
            field.label,
            field.key,
            field.get_field_type_display(),
            _("是") if field.required else _("否"),
            fmt,
            length or "",
            field.example,
            enum,
            _("是") if field.is_unique_key else "",
            field.help_text,
        ]
        sheet.append([safe_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [6, 18, 18, 14, 6, 40, 9, 22, 30, 8, 30]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def template_workbook(schema: SchemaVersion) -> Workbook:
    """Build the upload template for one schema version."""
    fields = list(schema.fields.order_by("position"))
    workbook = Workbook()
    _data_sheet(workbook, schema, fields)
    _instructions_sheet(workbook, schema, fields)
    if ENUM_SHEET in workbook.sheetnames:
        workbook.move_sheet(ENUM_SHEET, offset=len(workbook.sheetnames))
    workbook.properties.title = f"{schema.item.code} {schema.item.name} v{schema.version}"
    workbook.properties.creator = "蒸湘区税费精诚共治平台"
    return workbook


def template_filename(schema: SchemaVersion) -> str:
    return f"{schema.item.code}_{schema.item.name}_报送模板_v{schema.version}.xlsx"
