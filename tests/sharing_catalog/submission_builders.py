"""Builders for the submission tests: an item with a schema, an obligation, and files to upload."""

from __future__ import annotations

import csv
import io
from typing import Any

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from stdnum.cn import ric, uscc

from sharing_catalog.models import FieldType
from tests.factories import (
    CatalogItemFactory,
    ObligationFactory,
    UnitFactory,
    add_schema,
    make_liaison,
)

# (key, label, type, required, unique, extra)
FIELDS: list[tuple[str, str, str, bool, bool, dict[str, Any]]] = [
    ("credit_code", "统一社会信用代码", FieldType.CREDIT_CODE, True, True, {}),
    ("name", "企业名称", FieldType.TEXT, True, False, {"max_length": 50}),
    ("amount", "成交金额", FieldType.DECIMAL, True, False, {}),
    ("deal_date", "成交日期", FieldType.DATE, True, False, {}),
    ("kind", "拍卖类型", FieldType.ENUM, False, False, {"enum_values": ["不动产", "车辆", "股权"]}),
    ("legal_id", "法定代表人身份证号码", FieldType.ID_NUMBER, False, False, {}),
    ("phone", "联系电话", FieldType.PHONE, False, False, {}),
]
LABELS = [f[1] for f in FIELDS]


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100) numbered n."""
    body = f"91430400{n:09d}"
    return body + uscc.calc_check_digit(body)


def id_number(n: int) -> str:
    body = f"43040419900101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a check slot


def good_row(n: int, amount: str = "1000.50") -> list[Any]:
    return [
        credit_code(n),
        f"衡阳测试有限公司{n}",
        amount,
        "2026-11-20",
        "不动产",
        id_number(n),
        "13907340000",
    ]


# FIELDS as SchemaField values, for the factory.
AUCTION_FIELDS = [
    {"key": k, "label": lbl, "field_type": t, "required": req, "is_unique_key": uniq, **extra}
    for k, lbl, t, req, uniq, extra in FIELDS
]


class AuctionItemFactory(CatalogItemFactory):
    """The 司法拍卖成交信息 item the submission tests upload to: FIELDS in schema version 1,
    published."""

    code = factory.Sequence(lambda n: f"ZX-CAT-{n:03d}")
    name = "司法拍卖成交信息"
    legal_basis = "《蒸湘区税费精诚共治实施办法（试行）》第二十二条"
    schema = factory.PostGeneration(
        lambda item, create, extracted, **kwargs: (
            add_schema(
                item,
                AUCTION_FIELDS if extracted is None else extracted,
                **{"published": True, **kwargs},
            )
            if create
            else None
        )
    )


class World:
    """A provider and a consumer unit with their liaisons, an outsider, an item, an obligation."""

    def __init__(self, **item_kwargs: Any) -> None:
        self.provider = UnitFactory()
        self.consumer = UnitFactory()
        self.outsider_unit = UnitFactory()
        self.liaison = make_liaison(self.provider)
        self.consumer_liaison = make_liaison(self.consumer)
        self.outsider = make_liaison(self.outsider_unit)
        self.item = AuctionItemFactory(
            provider=self.provider, consumers=[self.consumer], **item_kwargs
        )
        self.obligation = ObligationFactory(item=self.item)


def xlsx_file(
    rows: list[list[Any]], *, header: list[str] | None = None, name: str = "data.xlsx"
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header if header is not None else LABELS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(
    rows: list[list[Any]],
    *,
    encoding: str = "utf-8",
    header: list[str] | None = None,
    name: str = "data.csv",
) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header if header is not None else LABELS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Each test stores uploads in its own MEDIA_ROOT (outside any web root)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
