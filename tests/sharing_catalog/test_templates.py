"""The Excel template generated from a schema: headers, instructions, drop-downs, text columns."""

import io

import pytest
from openpyxl import load_workbook

from sharing_catalog.selectors.catalog import schema_in_force
from sharing_catalog.services.templates import (
    DATA_SHEET,
    ENUM_SHEET,
    INSTRUCTIONS_SHEET,
    KEY_COMMENT_PREFIX,
    match_headers,
    normalize_header,
    template_workbook,
)
from tests.factories import CatalogItemViaServicesFactory, UnitFactory, WorkingGroupMemberFactory
from tests.sharing_catalog.catalog_helpers import FIELDS
from zhengxiang_portal.exports import workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(roles):
    item = CatalogItemViaServicesFactory(
        actor=WorkingGroupMemberFactory().user, provider=UnitFactory(name="区市场监管局")
    )
    return schema_in_force(item=item)


@pytest.fixture
def workbook(schema):
    """The template as a user opens it: written to bytes and read back."""
    return load_workbook(io.BytesIO(workbook_bytes(template_workbook(schema))))


def _column(sheet, label):
    for cell in sheet[1]:
        if cell.value == label:
            return cell.column_letter
    raise AssertionError(label)


def test_header_row_has_the_chinese_labels_in_schema_order_with_keys_in_comments(workbook):
    sheet = workbook[DATA_SHEET]
    assert [c.value for c in sheet[1]] == [f["label"] for f in FIELDS]
    for cell, field in zip(sheet[1], FIELDS, strict=True):
        assert cell.comment.text.splitlines()[0] == f"{KEY_COMMENT_PREFIX}{field['key']}"
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1  # no example rows that would be uploaded as data


def test_instructions_sheet_lists_type_required_format_example_and_enum_values(workbook):
    rows = list(workbook[INSTRUCTIONS_SHEET].values)
    header = next(i for i, r in enumerate(rows) if r and r[0] == "列")
    assert rows[header][:9] == (
        "列", "中文名称", "字段标识", "类型", "必填", "格式要求", "最大长度", "示例",
        "可选值（枚举）",
    )  # fmt: skip
    by_key = {r[2]: r for r in rows[header + 1 :]}
    assert set(by_key) == {f["key"] for f in FIELDS}
    assert by_key["credit_code"][3] == "统一社会信用代码"
    assert by_key["credit_code"][4] == "是"
    assert "GB 32100" in by_key["credit_code"][5]
    assert by_key["credit_code"][7] == "91430408MA4L2X3P1F"
    assert by_key["state"][8] == "设立、变更、注销"
    assert by_key["active"][8] == "是、否"
    assert by_key["name"][6] == 100
    assert "yyyy-mm-dd" in by_key["approved_on"][5]


def test_enumerations_and_yes_no_fields_get_drop_downs_from_a_hidden_sheet(workbook):
    sheet = workbook[DATA_SHEET]
    assert workbook[ENUM_SHEET].sheet_state == "hidden"
    lists = {
        str(dv.sqref): dv.formula1
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list"
    }
    state, active = _column(sheet, "登记状态"), _column(sheet, "是否有效")
    assert set(lists) == {f"{state}2:{state}1048576", f"{active}2:{active}1048576"}
    source = lists[f"{state}2:{state}1048576"]
    sheet_name, cells = source.split("!")
    assert sheet_name.strip("'") == ENUM_SHEET
    cells = cells.replace("$", "")
    values = [c.value for row in workbook[ENUM_SHEET][cells] for c in row]
    assert values == ["设立", "变更", "注销"]


def test_identifier_columns_are_text_and_check_their_length(workbook):
    sheet = workbook[DATA_SHEET]
    for label in ("统一社会信用代码", "法定代表人身份证号码", "联系电话", "单位名称"):
        assert sheet.column_dimensions[_column(sheet, label)].number_format == "@", label
    lengths = {
        str(dv.sqref).split(":")[0]: (dv.operator, dv.formula1)
        for dv in sheet.data_validations.dataValidation
        if dv.type == "textLength"
    }
    assert lengths[f"{_column(sheet, '统一社会信用代码')}2"] == ("equal", "18")
    assert lengths[f"{_column(sheet, '法定代表人身份证号码')}2"] == ("equal", "18")
    assert lengths[f"{_column(sheet, '单位名称')}2"] == ("lessThanOrEqual", "100")


def test_date_and_datetime_columns_carry_date_formats(workbook):
    sheet = workbook[DATA_SHEET]
    assert sheet.column_dimensions[_column(sheet, "核准日期")].number_format == "yyyy-mm-dd"
    assert (
        sheet.column_dimensions[_column(sheet, "更新时间")].number_format == "yyyy-mm-dd hh:mm:ss"
    )


def test_an_id_number_typed_into_the_template_stays_text(schema, tmp_path):
    """Excel applies the column's '@' format to a typed value; openpyxl shows it per cell."""
    workbook = template_workbook(schema)
    sheet = workbook[DATA_SHEET]
    column = _column(sheet, "法定代表人身份证号码")
    style = sheet.column_dimensions[column]
    cell = sheet[f"{column}2"]
    cell.number_format = style.number_format
    cell.value = "430408200306121235"
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    assert load_workbook(path)[DATA_SHEET][f"{column}2"].value == "430408200306121235"


def test_headers_match_by_label_or_key_in_any_order(schema):
    matched, missing, unknown = match_headers(
        schema, ["核准日期", " name ", "credit_code", "登记状态*", "备注"]
    )
    assert {i: f.key for i, f in matched.items()} == {
        0: "approved_on",
        1: "name",
        2: "credit_code",
        3: "state",
    }
    assert missing == []
    assert unknown == [(4, "备注")]


def test_a_missing_required_column_is_reported_once(schema):
    _matched, missing, _unknown = match_headers(schema, ["单位名称", "核准日期"])
    assert [f.key for f in missing] == ["credit_code", "state"]


def test_normalize_header_ignores_width_spaces_and_required_marks():
    assert normalize_header("＊单位\u3000名称 ") == normalize_header("单位名称")
    assert normalize_header("Credit_Code") == "credit_code"


def test_template_download_from_the_item_page_and_the_api(client, schema, django_user_model):
    from tests.factories import UserFactory

    client.force_login(UserFactory(unit=UnitFactory()))
    page = client.get(f"/catalog/{schema.item_id}/template.xlsx")
    assert page.status_code == 200
    assert "filename*=UTF-8''ZX-T-001_" in page["Content-Disposition"]
    assert load_workbook(io.BytesIO(page.content))[DATA_SHEET]["A1"].value == "统一社会信用代码"
    api = client.get(f"/api/catalog-items/{schema.item_id}/template/")
    assert api.status_code == 200
    assert api.content[:2] == b"PK"
