"""Demo data as data: the files load, refer to each other, and a mistake names its place."""

from __future__ import annotations

import pytest

from agencies import demo as agencies_demo
from assessment import demo as assessment_demo
from sharing_catalog import demo as catalog_demo
from zhengxiang_portal.core.demo_data import DemoDataError, load_demo_data

ITEM = """
items:
  - code: ZX-T-001
    name: 测试目录项
    provider: ZX-TAX
    consumers: [ZX-FIN]
    sharing_class: unconditional
    frequency: monthly
    due_working_days: 5
    grace_working_days: 2
    transmission: platform_upload
    sensitivity: internal
    legal_basis: 第二十条
    class_category: 甲
    class_item: 乙
    class_catalog: 丙
    class_detail: 丁
    summary: 测试
    fields:
      - {key: code, label: 代码, field_type: text, required: true, is_unique_key: true}
      - {key: reg_no, label: 证件号码, %s}
"""


def _catalog(tmp_path, second_field: str):
    path = tmp_path / "catalog.yaml"
    path.write_text(ITEM % second_field, encoding="utf-8")
    return catalog_demo.demo_items(path)


def test_the_demo_files_load_and_refer_to_units_that_exist():
    units = {u.code for u in agencies_demo.DATA.units}
    items = catalog_demo.demo_items()
    assert len(items) == 14
    assert {i.provider for i in items} | {c for i in items for c in i.consumers} <= units
    assert {a.unit for a in agencies_demo.DATA.accounts if a.unit} <= units
    manual = load_demo_data(assessment_demo.DATA_FILE, assessment_demo.DemoManualScores)
    assert {s.unit for q in manual.quarters for s in q.scores} <= units
    assert ("wg_leader", "专项工作组组长") in agencies_demo.DEMO_LOGINS


def test_a_good_item_loads_with_named_fields(tmp_path):
    (item,) = _catalog(tmp_path, "field_type: id_number, example: '430408200306121235'")
    assert item.fields[1].field_type == "id_number"
    assert item.field_specs()[1]["is_sensitive"] is None  # the type's default decides


def test_a_value_outside_its_choices_names_the_item_and_the_field(tmp_path):
    with pytest.raises(DemoDataError) as error:
        _catalog(tmp_path, "field_type: txt")
    assert str(error.value).startswith(
        "catalog.yaml → items[0] ZX-T-001 → fields[1] reg_no → field_type: 'txt' is not one of"
    )


def test_an_unknown_or_missing_field_is_named(tmp_path):
    with pytest.raises(DemoDataError, match=r"fields\[1\] reg_no: unknown field type "):
        _catalog(tmp_path, "type: text")
    with pytest.raises(DemoDataError, match=r"fields\[1\] reg_no → field_type: missing"):
        _catalog(tmp_path, "required: true")


def test_a_wrong_type_is_named(tmp_path):
    with pytest.raises(DemoDataError, match=r"reg_no → required: expected true or false"):
        _catalog(tmp_path, "field_type: text, required: 'yes'")


def test_an_item_whose_schema_breaks_an_editor_rule_names_the_field(tmp_path):
    # a wrong check digit (GB 11643): the schema editor would refuse the example
    with pytest.raises(DemoDataError) as error:
        _catalog(tmp_path, "field_type: id_number, example: '430408200306121230'")
    assert "catalog.yaml → items[0] ZX-T-001 → fields[1] reg_no: " in str(error.value)
    assert "GB 11643" in str(error.value)
