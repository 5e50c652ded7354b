"""Exports of the published 目录清单 (Art. 20): DCAT (JSON-LD) and the Excel 目录清单.

DCAT (W3C Data Catalog Vocabulary, v3) lets other government platforms harvest the catalog;
the Excel list is what units circulate on paper. Both show only published items.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zhengxiang_portal.exports import xlsx_write_row

from ..models import CatalogItem

LANG = "zh-CN"
CATALOG_TITLE = "蒸湘区财税综合信息平台数据交换共享目录清单"
CATALOG_PUBLISHER = "蒸湘区税费精诚共治专项工作组"
# Dublin Core Collection Description Frequency Vocabulary.
FREQUENCY_URIS = {
    CatalogItem.Frequency.DAILY: "http://purl.org/cld/freq/daily",
    CatalogItem.Frequency.WEEKLY: "http://purl.org/cld/freq/weekly",
    CatalogItem.Frequency.MONTHLY: "http://purl.org/cld/freq/monthly",
    CatalogItem.Frequency.QUARTERLY: "http://purl.org/cld/freq/quarterly",
    CatalogItem.Frequency.HALF_YEARLY: "http://purl.org/cld/freq/semiannual",
    CatalogItem.Frequency.YEARLY: "http://purl.org/cld/freq/annual",
    CatalogItem.Frequency.ON_EVENT: "http://purl.org/cld/freq/irregular",
}
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "zx": "urn:zhengxiang:catalog#",
}


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": LANG}


def _agent(unit: Any) -> dict[str, Any]:
    return {
        "@type": "foaf:Organization",
        "foaf:name": _text(unit.name),
        "dct:identifier": unit.code,
    }


def _date(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    return {"@value": timezone.localdate(value).isoformat(), "@type": "xsd:date"}


def catalog_dcat(*, items: list[CatalogItem], base_url: str) -> dict[str, Any]:
    """The catalog as a JSON-LD document: one dcat:Catalog with a dcat:Dataset per item."""
    base = base_url.rstrip("/")
    datasets = []
    for item in items:
        url = base + reverse("sharing_catalog:item_detail", args=[item.pk])
        schema = getattr(item, "schema_in_force", None)
        keywords = [
            k
            for k in (item.class_category, item.class_item, item.class_catalog, item.class_detail)
            if k
        ]
        dataset: dict[str, Any] = {
            "@id": url,
            "@type": "dcat:Dataset",
            "dct:identifier": item.resource_code or item.code,
            "zx:catalogCode": item.code,
            "dct:title": _text(item.name),
            "dct:description": _text(item.summary or item.description or item.name),
            "dct:publisher": _agent(item.provider),
            "dct:audience": [_agent(unit) for unit in item.consumers.all()],
            "dct:accrualPeriodicity": {"@id": FREQUENCY_URIS[item.frequency]},  # type: ignore[index]
            "dct:conformsTo": {
                "@type": "dct:Standard",
                "dct:title": _text(item.legal_basis),
            },
            "dct:accessRights": {
                "@type": "dct:RightsStatement",
                "dct:title": _text(str(item.get_sharing_class_display())),
                "zx:sharingClass": item.sharing_class,
                "zx:shareCondition": item.share_condition,
            },
            "zx:openAttribute": str(item.get_open_attribute_display()),
            "zx:sensitivity": str(item.get_sensitivity_display()),
            "zx:dueRule": f"P{item.due_working_days}WD",
            "dcat:keyword": [_text(k) for k in keywords],
            "dcat:landingPage": {"@id": url},
            "dcat:distribution": [
                {
                    "@type": "dcat:Distribution",
                    "dct:title": _text(f"{item.name} 报送模板"),
                    "dct:format": item.data_format or "电子表格",
                    "dcat:mediaType": (
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    ),
                    "dcat:accessURL": {
                        "@id": base + reverse("sharing_catalog:item_template", args=[item.pk])
                    },
                    "zx:transmission": str(item.get_transmission_display()),
                    "zx:shareMethod": item.share_method,
                }
            ],
        }
        issued = _date(item.published_at)
        if issued:
            dataset["dct:issued"] = issued
        dataset["dct:modified"] = _date(item.updated_at)
        if item.related_resource_codes:
            dataset["dct:relation"] = [
                c.strip()
                for c in item.related_resource_codes.replace("，", ",").split(",")
                if c.strip()
            ]
        if schema is not None:
            dataset["zx:schemaVersion"] = schema.version
            dataset["zx:fields"] = [
                {"zx:key": f.key, "dct:title": _text(f.label), "zx:type": f.field_type}
                for f in schema.fields.all()
            ]
        datasets.append(dataset)
    return {
        "@context": DCAT_CONTEXT,
        "@id": base + reverse("sharing_catalog:catalog_dcat"),
        "@type": "dcat:Catalog",
        "dct:title": _text(CATALOG_TITLE),
        "dct:description": _text(
            "依据《蒸湘区税费精诚共治实施办法（试行）》第二十条实行目录清单管理。"
        ),
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": _text(CATALOG_PUBLISHER)},
        "dct:language": {"@id": "http://id.loc.gov/vocabulary/iso639-1/zh"},
        "dct:modified": {"@value": timezone.localdate().isoformat(), "@type": "xsd:date"},
        "dcat:dataset": datasets,
    }


CATALOG_COLUMNS = [
    ("序号", 6),
    ("目录编码", 14),
    ("资源代码", 18),
    ("信息资源名称", 24),
    ("类", 10),
    ("项", 10),
    ("目", 10),
    ("细目", 10),
    ("提供单位", 24),
    ("提供方代码", 14),
    ("需求单位", 30),
    ("共享类型", 12),
    ("共享条件", 24),
    ("共享方式", 14),
    ("传送方式", 12),
    ("开放属性", 12),
    ("敏感程度", 10),
    ("更新周期", 10),
    ("报送期限（期末后工作日）", 12),
    ("宽限期（工作日）", 10),
    ("格式", 10),
    ("法律依据", 36),
    ("摘要", 36),
    ("发布日期", 12),
    ("关联资源代码", 18),
    ("字段规范版本", 10),
    ("信息项（字段）", 60),
]


def catalog_workbook(*, items: list[CatalogItem]) -> Workbook:
    """The Excel 目录清单: one row per published item, plus a sheet of every field."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "目录清单"
    xlsx_write_row(sheet, [name for name, _w in CATALOG_COLUMNS])
    for number, item in enumerate(items, start=1):
        schema = getattr(item, "schema_in_force", None)
        fields = list(schema.fields.all()) if schema else []
        xlsx_write_row(
            sheet,
            [
                number,
                item.code,
                item.resource_code,
                item.name,
                item.class_category,
                item.class_item,
                item.class_catalog,
                item.class_detail,
                item.provider.name,
                item.provider_code or item.provider.code,
                "、".join(u.name for u in item.consumers.all()),
                str(item.get_sharing_class_display()),
                item.share_condition,
                item.share_method,
                str(item.get_transmission_display()),
                str(item.get_open_attribute_display()),
                str(item.get_sensitivity_display()),
                str(item.get_frequency_display()),
                item.due_working_days,
                item.grace_working_days,
                item.data_format,
                item.legal_basis,
                item.summary,
                timezone.localdate(item.published_at) if item.published_at else None,
                item.related_resource_codes,
                f"v{schema.version}" if schema else "",
                "、".join(f.label for f in fields),
            ],
        )
    _style(sheet, CATALOG_COLUMNS)
    fields_sheet = workbook.create_sheet("信息项")
    columns = [
        ("目录编码", 14),
        ("信息资源名称", 24),
        ("版本", 6),
        ("序号", 6),
        ("字段标识", 18),
        ("中文名称", 18),
        ("类型", 14),
        ("必填", 6),
        ("最大长度", 8),
        ("唯一键", 8),
        ("敏感", 6),
    ]
    xlsx_write_row(fields_sheet, [name for name, _w in columns])
    for item in items:
        schema = getattr(item, "schema_in_force", None)
        if schema is None:
            continue
        for field in schema.fields.all():
            xlsx_write_row(
                fields_sheet,
                [
                    item.code,
                    item.name,
                    schema.version,
                    field.position,
                    field.key,
                    field.label,
                    str(field.get_field_type_display()),
                    "是" if field.required else "否",
                    field.max_length,
                    "是" if field.is_unique_key else "",
                    "是" if field.is_sensitive else "",
                ],
            )
    _style(fields_sheet, columns)
    return workbook


def _style(sheet: Any, columns: list[tuple[str, int]]) -> None:
    for index, (_name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EAEEF2")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for date_cell in sheet.iter_rows(min_row=2):
        for cell in date_cell:
            if cell.is_date:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
