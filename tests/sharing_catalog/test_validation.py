"""Validation rules: every field type, check characters, headers, keys, plausibility."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from stdnum.cn import ric, uscc

from sharing_catalog.models import FieldType
from sharing_catalog.services.validation.cells import FieldSpec, uscc_check_char
from sharing_catalog.services.validation.headers import match_headers
from sharing_catalog.services.validation.plausibility import plausibility_warnings
from sharing_catalog.services.validation.rows import RowValidator
from tests.sharing_catalog.submission_builders import credit_code, id_number


def _check(spec: FieldSpec, value):
    """Validate one value in a one-column sheet; return (data, errors)."""
    validator = RowValidator([spec], [spec.label])
    data, _key, errors = validator.validate([value], 2)
    return (data or {}).get(spec.key), errors


def _spec(ftype, **kw) -> FieldSpec:
    return FieldSpec(key="f", label="字段", field_type=ftype, **kw)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27", "2026-11-27"),
        ("2026/11/27", "2026-11-27"),
        ("2026年11月27日", "2026-11-27"),
        (dt.date(2026, 11, 27), "2026-11-27"),
        (dt.datetime(2026, 11, 27, 8, 0), "2026-11-27"),  # noqa: DTZ001
        (46353.0, "2026-11-27"),  # an Excel serial date
    ],
)
def test_date_accepts_excel_dates_and_chinese_forms(value, expected):
    assert _check(_spec(FieldType.DATE), value) == (expected, [])


def test_date_that_does_not_exist_is_an_error():
    _value, errors = _check(_spec(FieldType.DATE), "2026-02-30")
    assert errors[0]["message"] == "日期不存在"


def test_datetime_accepts_text_and_excel_values():
    assert _check(_spec(FieldType.DATETIME), "2026-11-27 09:30")[0] == "2026-11-27 09:30:00"
    moment = dt.datetime(2026, 11, 27, 9, 30, 5)  # noqa: DTZ001
    assert _check(_spec(FieldType.DATETIME), moment)[0] == "2026-11-27 09:30:05"
    assert _check(_spec(FieldType.DATETIME), "明天")[1]


@pytest.mark.parametrize(
    ("value", "expected"), [("是", True), ("否", False), ("TRUE", True), ("0", False), (1.0, True)]
)
def test_boolean_accepts_chinese_and_english(value, expected):
    assert _check(_spec(FieldType.BOOLEAN), value) == (expected, [])


def test_boolean_rejects_other_words():
    assert _check(_spec(FieldType.BOOLEAN), "可能")[1][0]["message"] == "应填写“是”或“否”"


def test_integer_and_decimal():
    assert _check(_spec(FieldType.INTEGER), 12.0) == (12, [])
    assert _check(_spec(FieldType.INTEGER), "1,200") == (1200, [])
    assert _check(_spec(FieldType.INTEGER), 1.5)[1][0]["message"] == "应为整数"
    assert _check(_spec(FieldType.INTEGER), "-9223372036854775808") == (-(2**63), [])
    too_long = "9223372036854775808"  # one past 64 bits: no database column or JSON reader holds it
    assert (
        _check(_spec(FieldType.INTEGER), too_long)[1][0]["message"] == "整数超出范围（最多 19 位）"
    )
    assert _check(_spec(FieldType.INTEGER), 1e300)[1][0]["message"] == "整数超出范围（最多 19 位）"
    assert _check(_spec(FieldType.DECIMAL), 1234.56) == ("1234.56", [])
    assert _check(_spec(FieldType.DECIMAL), "¥1,234.50") == ("1234.50", [])
    assert _check(_spec(FieldType.DECIMAL), 1e16) == ("10000000000000000", [])
    assert _check(_spec(FieldType.DECIMAL), float("nan"))[1][0]["message"] == "应为数字（金额）"
    assert _check(_spec(FieldType.DECIMAL), "一千")[1][0]["message"] == "应为数字（金额）"


def test_enum_lists_allowed_values():
    spec = _spec(FieldType.ENUM, enum_values=["不动产", "车辆"])
    assert _check(spec, "车辆") == ("车辆", [])
    assert "不动产、车辆" in _check(spec, "船舶")[1][0]["message"]


def test_text_length_and_pattern():
    import re

    spec = _spec(FieldType.TEXT, max_length=4, pattern=re.compile(r"[A-Z]+"))
    assert _check(spec, "ABC") == ("ABC", [])
    assert "超过上限 4" in _check(spec, "ABCDE")[1][0]["message"]
    assert "格式不符合要求" in _check(spec, "abc")[1][0]["message"]


def test_credit_code_with_wrong_check_character_names_the_right_one():
    good = credit_code(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert _check(_spec(FieldType.CREDIT_CODE), good) == (good, [])
    message = _check(_spec(FieldType.CREDIT_CODE), wrong)[1][0]["message"]
    assert "校验位错误" in message
    assert f"第 18 位应为 {good[17]}" in message


def test_credit_code_of_wrong_length():
    assert (
        _check(_spec(FieldType.CREDIT_CODE), "9143")[1][0]["message"]
        == "统一社会信用代码应为 18 位"
    )


def test_id_number_with_wrong_check_digit_and_bad_birth_date():
    good = id_number(5)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert _check(_spec(FieldType.ID_NUMBER), good) == (good, [])
    assert "GB 11643" in _check(_spec(FieldType.ID_NUMBER), wrong)[1][0]["message"]
    bad_birth = "430404" + "19901301" + "123"
    bad_birth += "X"
    assert _check(_spec(FieldType.ID_NUMBER), bad_birth)[1]


def test_id_number_of_zhengxiang_district_is_accepted():
    # 430408 (蒸湘区) is newer than stdnum's region table; the check digit still decides.
    body = "43040819800110886"
    good = body + ric.calc_check_digit(body + "0")
    wrong = body + ("0" if good[17] != "0" else "1")
    assert _check(_spec(FieldType.ID_NUMBER), good) == (good, [])
    assert "校验位错误" in _check(_spec(FieldType.ID_NUMBER), wrong)[1][0]["message"]


def test_id_number_stored_by_excel_as_a_number_is_an_error_not_a_conversion():
    _value, errors = _check(_spec(FieldType.ID_NUMBER), 4.304041990010112e17)
    assert errors[0]["message"].startswith("Excel 已将该单元格存为数字")
    assert "设为文本格式" in errors[0]["message"]


def test_credit_code_and_phone_stored_as_numbers_are_errors():
    assert _check(_spec(FieldType.PHONE), 13907340000.0)[1][0]["message"].startswith("Excel")
    assert _check(_spec(FieldType.TEXT), 12.0)[1][0]["message"].startswith("Excel")


@pytest.mark.parametrize("value", ["13907340000", "0734-8123456", "07348123456"])
def test_phone_accepts_mobile_and_landline(value):
    assert _check(_spec(FieldType.PHONE), value) == (value, [])


@pytest.mark.parametrize("value", ["12907340000", "1390734000", "8123456"])
def test_phone_rejects_malformed_numbers(value):
    assert _check(_spec(FieldType.PHONE), value)[1]


def test_required_empty_cell_is_an_error_with_its_a1_cell():
    spec = FieldSpec(key="name", label="企业名称", field_type=FieldType.TEXT, required=True)
    validator = RowValidator([spec], ["备注", "企业名称"])
    _data, _key, errors = validator.validate(["x", "  "], 17)
    assert errors == [
        {
            "row": 17,
            "column": "B",
            "cell": "B17",
            "field_label": "企业名称",
            "value": "",
            "message": "必填项不能为空",
        }
    ]


SPECS = [
    FieldSpec(
        key="code",
        label="统一社会信用代码",
        field_type=FieldType.CREDIT_CODE,
        required=True,
        is_unique_key=True,
    ),
    FieldSpec(key="name", label="企业名称", field_type=FieldType.TEXT, required=True),
    FieldSpec(key="amount", label="金额", field_type=FieldType.DECIMAL),
]


def test_headers_match_by_label_or_key_in_any_order():
    match = match_headers(["金额", "code", "企业名称*"], SPECS)
    assert [(i, s.key) for i, s in match.columns] == [(0, "amount"), (1, "code"), (2, "name")]
    assert match.errors == []


def test_missing_required_column_is_one_error_not_one_per_row():
    validator = RowValidator(SPECS, ["统一社会信用代码", "金额"])
    assert len(validator.header_errors) == 1
    assert "缺少必填列“企业名称”" in validator.header_errors[0]["message"]
    for n in range(2, 50):
        assert validator.validate([credit_code(n), "1"], n)[2] == []


def test_unknown_column_is_a_warning():
    match = match_headers(["统一社会信用代码", "企业名称", "备注"], SPECS)
    assert match.errors == []
    assert match.warnings[0]["code"] == "unknown_column"


def test_duplicate_unique_key_names_both_rows():
    validator = RowValidator(SPECS, ["统一社会信用代码", "企业名称"])
    assert validator.validate([credit_code(1), "甲"], 2)[2] == []
    _d, _k, errors = validator.validate([credit_code(1), "乙"], 9)
    assert errors[0]["cell"] == "A9"
    assert "第 2 行与第 9 行" in errors[0]["message"]


def test_plausibility_warnings_against_the_previous_version():
    warnings = plausibility_warnings(
        specs=SPECS,
        row_count=4,
        keys={"a", "b", "c", "d"},
        decimals={"a": {"amount": "1000"}, "b": {"amount": "10"}},
        previous_count=10,
        previous_keys={"a", "b", "x"},
        previous_decimals={"a": {"amount": "100"}, "b": {"amount": "9"}},
    )
    codes = [w["code"] for w in warnings]
    assert codes == ["row_count_drop", "keys_vanished", "amount_jump"]
    assert "x" in warnings[1]["message"]
    assert "由 100 变为 1000" in warnings[2]["message"]


def test_the_credit_code_check_character_is_stdnums_on_100000_codes():
    rng = random.Random(32100)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for _ in range(100_000):
        body = "".join(rng.choices("0123456789", k=8) + rng.choices(alphabet, k=9))
        assert uscc_check_char(body) == uscc.calc_check_digit(body), body


def test_a_missing_key_column_stops_the_duplicate_check_on_what_is_left_of_the_key():
    # given a key of two columns (信用代码, 企业名称) and a header without the first one
    specs = [
        FieldSpec(key=s.key, label=s.label, field_type=s.field_type, required=s.required)
        for s in SPECS
    ]
    for spec in specs[:2]:
        spec.is_unique_key = True
    validator = RowValidator(specs, ["企业名称", "金额"])
    assert len(validator.header_errors) == 1
    # when rows repeat the rest of the key, no duplicate-key error follows
    for n in range(2, 20):
        assert validator.validate(["甲", "1"], n)[2] == []


@pytest.mark.parametrize(
    ("ftype", "value", "expected"),
    [
        (FieldType.DECIMAL, "１２３．５０", "123.50"),
        (FieldType.DECIMAL, "－５", "-5"),
        (FieldType.DECIMAL, "￥１，２００．００", "1200.00"),
        (FieldType.INTEGER, "－５", -5),
        (FieldType.INTEGER, "１２３", 123),
    ],
)
def test_full_width_numbers_are_the_numbers_they_are(ftype, value, expected):
    # Given a number typed with a Chinese input method (issue 16 point 5)
    # When it is validated as a number, then it is accepted as that number
    data, errors = _check(_spec(ftype), value)
    assert errors == []
    assert data == expected


def test_full_width_text_stays_as_typed():
    # Given full-width characters in a text field, then they are not folded (numbers only)
    assert _check(_spec(FieldType.TEXT), "ＡＢＣ１２３")[0] == "ＡＢＣ１２３"


@pytest.mark.parametrize("required", [True, False])
def test_a_formula_saved_without_its_value_says_so_and_how_to_fix_it(required):
    # Given a cell the reader noted as a formula with no cached value (it reads as empty)
    spec = _spec(FieldType.DECIMAL, required=required)
    validator = RowValidator([spec], [spec.label])
    validator.formula_cells = frozenset({(2, 0)})
    # When its row is validated
    _data, _key, errors = validator.validate([""], 2)
    # Then the error names the formula and the fix, not "必填项不能为空"
    assert len(errors) == 1
    assert errors[0]["cell"] == "A2"
    assert errors[0]["message"].startswith("公式没有计算结果")
    assert "请在 Excel 或 WPS 中打开并保存后再上传" in errors[0]["message"]
    # and an empty cell that is no formula is still only "必填项不能为空" when required
    _data, _key, other = validator.validate([""], 3)
    assert [e["message"] for e in other] == (["必填项不能为空"] if required else [])
