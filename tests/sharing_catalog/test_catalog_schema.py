"""Schema validation: keys, labels, types, enumerations, patterns, the unique key, examples."""

import pytest

from sharing_catalog.models import SchemaField
from sharing_catalog.services.catalog import schema_fields_clean
from tests.sharing_catalog.catalog_helpers import FIELDS, VALID_CREDIT_CODE
from zhengxiang_portal.core.errors import ApplicationError

KEY = {
    "key": "code",
    "label": "代码",
    "field_type": "text",
    "required": True,
    "is_unique_key": True,
}


def _problems(fields):
    with pytest.raises(ApplicationError) as refused:
        schema_fields_clean(fields)
    assert refused.value.code == "invalid_schema"
    return refused.value.details


def test_a_good_schema_is_normalised_with_positions_and_sensitive_defaults():
    cleaned = schema_fields_clean(FIELDS)
    assert [f["position"] for f in cleaned] == list(range(1, len(FIELDS) + 1))
    by_key = {f["key"]: f for f in cleaned}
    assert by_key["legal_rep_id"]["is_sensitive"] is True
    assert by_key["phone"]["is_sensitive"] is True
    assert by_key["name"]["is_sensitive"] is False
    assert by_key["state"]["enum_values"] == ["设立", "变更", "注销"]


def test_enum_values_may_be_typed_as_one_string():
    cleaned = schema_fields_clean(
        [
            KEY,
            {"key": "s", "label": "状态", "field_type": "enum", "enum_values": "正常、注销, 吊销"},
        ]
    )
    assert cleaned[1]["enum_values"] == ["正常", "注销", "吊销"]


@pytest.mark.parametrize("key", ["Name", "1abc", "名称", "a-b", "", "a" * 51])
def test_a_key_must_be_a_lowercase_slug(key):
    details = _problems([KEY, {"key": key, "label": "名称", "field_type": "text"}])
    assert 1 in details["fields"]


def test_duplicate_keys_and_labels_are_each_reported():
    details = _problems([KEY, {"key": "code", "label": "代码", "field_type": "text"}])
    messages = " ".join(details["fields"][1])
    assert "字段标识“code”重复" in messages
    assert "中文名称“代码”重复" in messages


def test_an_enumeration_needs_distinct_values_and_only_an_enumeration_has_values():
    details = _problems(
        [
            KEY,
            {"key": "a", "label": "甲", "field_type": "enum", "enum_values": []},
            {"key": "b", "label": "乙", "field_type": "enum", "enum_values": ["x", "x"]},
            {"key": "c", "label": "丙", "field_type": "text", "enum_values": ["x"]},
        ]
    )
    assert set(details["fields"]) == {1, 2, 3}


def test_a_pattern_must_compile_and_suit_the_type():
    details = _problems(
        [
            KEY,
            {"key": "a", "label": "甲", "field_type": "text", "pattern": "([a-z"},
            {"key": "b", "label": "乙", "field_type": "date", "pattern": r"\d+"},
        ]
    )
    assert "无法解析" in details["fields"][1][0]
    assert "只有文本" in details["fields"][2][0]


def test_the_unique_key_is_required_and_not_a_yes_no_flag():
    details = _problems(
        [
            {"key": "a", "label": "甲", "field_type": "text", "is_unique_key": True},
            {"key": "b", "label": "乙", "field_type": "boolean", "is_unique_key": True,
             "required": True},
        ]
    )  # fmt: skip
    assert "唯一键字段必须是必填项" in details["fields"][0][0]
    assert "是/否字段不能作为唯一键" in details["fields"][1][0]


def test_a_schema_without_a_unique_key_or_fields_is_refused():
    assert "唯一键" in _problems([{"key": "a", "label": "甲", "field_type": "text"}])["schema"][0]
    assert _problems([])["schema"]


@pytest.mark.parametrize(
    ("field_type", "example"),
    [
        ("credit_code", VALID_CREDIT_CODE[:-1] + "0"),  # wrong check character (GB 32100)
        # right check character, but an upload refuses the hyphen: the template must not teach it
        ("credit_code", VALID_CREDIT_CODE[:8] + "-" + VALID_CREDIT_CODE[8:]),
        ("id_number", "430408200306121230"),  # wrong check digit (GB 11643)
        ("enum", "其他"),
    ],
)
def test_an_example_must_fit_its_type(field_type, example):
    field = {"key": "a", "label": "甲", "field_type": field_type, "example": example}
    if field_type == "enum":
        field["enum_values"] = ["正常"]
    assert 1 in _problems([KEY, field])["fields"]


def test_a_valid_example_is_accepted():
    field = {"key": "a", "label": "甲", "field_type": "credit_code", "example": VALID_CREDIT_CODE}
    cleaned = schema_fields_clean([KEY, field])
    assert cleaned[1]["example"] == VALID_CREDIT_CODE


def test_a_length_must_be_positive_and_only_on_text():
    details = _problems(
        [
            KEY,
            {"key": "a", "label": "甲", "field_type": "text", "max_length": 0},
            {"key": "b", "label": "乙", "field_type": "date", "max_length": 10},
        ]
    )
    assert set(details["fields"]) == {1, 2}


def test_the_length_limits_are_the_columns_own():
    label_limit = SchemaField._meta.get_field("label").max_length
    key_limit = SchemaField._meta.get_field("key").max_length
    longest = {"key": "k" * key_limit, "label": "名" * label_limit, "field_type": "text"}
    assert schema_fields_clean([KEY, longest])[1]["label"] == "名" * label_limit
    details = _problems(
        [
            KEY,
            {"key": "k" * (key_limit + 1), "label": "名" * (label_limit + 1), "field_type": "text"},
        ]
    )
    assert any(f"不超过 {key_limit} 位" in m for m in details["fields"][1])
    assert any(f"不能超过 {label_limit} 个字" in m for m in details["fields"][1])
