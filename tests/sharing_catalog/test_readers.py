"""Reading uploads safely: encodings, legacy .xls, type by content, bombs, encryption, size."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from sharing_catalog.services.readers import FileRejected, inspect_file, open_table
from tests.sharing_catalog.submission_builders import good_row, xlsx_file


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _saved(tmp_path: Path, book, name: str) -> Path:
    """A workbook (openpyxl or xlwt) written to a file named `name`."""
    out = io.BytesIO()
    book.save(out)
    return _write(tmp_path, name, out.getvalue())


def _rows(path: Path, name: str) -> list[list]:
    kind = inspect_file(path, name)
    return list(open_table(path, kind).rows)


def test_openpyxl_parses_xml_with_defusedxml():
    # issue 7 item 5: XML is parsed with defusedxml, which openpyxl only uses when installed.
    assert openpyxl.xml.DEFUSEDXML is True


def test_gbk_csv_is_decoded(tmp_path):
    text = "企业名称,成交金额\r\n衡阳蒸湘商贸有限公司,100\r\n"
    path = _write(tmp_path, "a.csv", text.encode("gbk"))
    assert _rows(path, "a.csv") == [["企业名称", "成交金额"], ["衡阳蒸湘商贸有限公司", "100"]]


def test_gb18030_only_characters_are_decoded(tmp_path):
    text = "企业名称\r\n𠮷祥商行\r\n"  # a character outside GBK, inside GB18030
    path = _write(tmp_path, "a.csv", text.encode("gb18030"))
    assert _rows(path, "a.csv")[1] == ["𠮷祥商行"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_csv_with_or_without_bom_is_decoded(tmp_path, bom):
    path = _write(tmp_path, "a.csv", bom + "企业名称\n蒸湘\n".encode())
    assert _rows(path, "a.csv") == [["企业名称"], ["蒸湘"]]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_unicode_text_saved_by_excel_is_read_tab_separated(tmp_path, encoding):
    # Excel's and WPS's "Unicode 文本": UTF-16 starting with its BOM, cells split by tabs
    text = "\ufeff企业名称\t成交金额\r\n衡阳蒸湘商贸有限公司\t100\r\n"
    path = _write(tmp_path, "a.csv", text.encode(encoding))
    assert _rows(path, "a.csv") == [["企业名称", "成交金额"], ["衡阳蒸湘商贸有限公司", "100"]]


def test_semicolon_separated_csv_is_split_by_semicolons(tmp_path):
    text = "企业名称;成交金额\r\n衡阳蒸湘商贸有限公司;100,5\r\n"
    path = _write(tmp_path, "a.csv", text.encode("utf-8"))
    assert _rows(path, "a.csv") == [["企业名称", "成交金额"], ["衡阳蒸湘商贸有限公司", "100,5"]]


def test_a_comma_in_the_header_keeps_commas_as_the_separator(tmp_path):
    text = "企业名称,备注\r\n衡阳蒸湘商贸有限公司,含税;已缴\t清\r\n"
    path = _write(tmp_path, "a.csv", text.encode("utf-8"))
    assert _rows(path, "a.csv")[1] == ["衡阳蒸湘商贸有限公司", "含税;已缴\t清"]


def test_the_data_comes_from_the_first_visible_sheet_with_content(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "封面"  # left empty
    hidden = book.create_sheet("辅助")
    hidden["A1"] = "内部代码"
    hidden.sheet_state = "hidden"
    data = book.create_sheet("Sheet3")
    data.append(["企业名称", "成交金额"])
    data.append(["衡阳蒸湘商贸有限公司", 100])
    path = _saved(tmp_path, book, "a.xlsx")
    assert _rows(path, "a.xlsx") == [["企业名称", "成交金额"], ["衡阳蒸湘商贸有限公司", 100.0]]


def test_the_templates_data_sheet_is_read_wherever_it_stands(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "我的笔记"
    book.active["A1"] = "先核对再上传"
    data = book.create_sheet("数据")
    data.append(["企业名称"])
    data.append(["衡阳蒸湘商贸有限公司"])
    path = _saved(tmp_path, book, "a.xlsx")
    assert _rows(path, "a.xlsx") == [["企业名称"], ["衡阳蒸湘商贸有限公司"]]


def test_legacy_xls_is_read_with_calamine(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("数据")
    for col, label in enumerate(["企业名称", "成交金额"]):
        sheet.write(0, col, label)
    sheet.write(1, 0, "衡阳蒸湘商贸有限公司")
    sheet.write(1, 1, 1234.5)
    path = _saved(tmp_path, book, "a.xls")
    assert _rows(path, "a.xls") == [["企业名称", "成交金额"], ["衡阳蒸湘商贸有限公司", 1234.5]]


def test_xlsx_columns_keep_their_letters_when_the_sheet_starts_further_right(tmp_path):
    book = openpyxl.Workbook()
    book.active["C1"] = "企业名称"
    book.active["C2"] = "蒸湘"
    path = _saved(tmp_path, book, "a.xlsx")
    assert _rows(path, "a.xlsx")[1] == ["", "", "蒸湘"]


def test_an_18_digit_id_stored_as_number_arrives_as_an_imprecise_float(tmp_path):
    # the reader reports what Excel stored; validation turns it into an error (see test_validation)
    upload = xlsx_file([[430404199001011234]])
    path = _write(tmp_path, "a.xlsx", upload.read())
    value = _rows(path, "a.xlsx")[1][0]
    assert isinstance(value, float)
    assert int(value) != 430404199001011234


def test_xlsx_renamed_csv_is_refused_by_content(tmp_path):
    path = _write(tmp_path, "a.csv", xlsx_file([good_row(1)]).read())
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "a.csv")
    assert exc.value.code == "file_wrong_type"
    assert "实际是Excel 工作簿" in str(exc.value.message)


def test_executable_renamed_xlsx_is_refused(tmp_path):
    path = _write(tmp_path, "a.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "a.xlsx")
    assert exc.value.code == "file_wrong_type"


def test_unknown_extension_is_refused(tmp_path):
    path = _write(tmp_path, "a.docx", "企业名称\n".encode())
    with pytest.raises(FileRejected):
        inspect_file(path, "a.docx")


def test_macro_workbook_is_refused(tmp_path):
    path = _write(tmp_path, "a.xlsm", xlsx_file([]).read())
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "a.xlsm")
    assert exc.value.code == "file_macro"


def test_zip_bomb_is_refused_from_declared_sizes_before_parsing(tmp_path):
    # 200 MB of zeros compress to ~200 kB: a ratio of ~1000.
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\x00" * (1 << 20)
            for _ in range(200):
                member.write(chunk)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "bomb.xlsx")
    assert exc.value.code == "file_zip_bomb"


def test_zip_with_too_many_entries_is_refused(tmp_path, settings):
    settings.PORTAL_UPLOAD_MAX_ZIP_ENTRIES = 50
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(60):
            archive.writestr(f"xl/part{i}.xml", "<x/>")
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "many.xlsx")
    assert exc.value.code == "file_zip_bomb"


def test_office_encrypted_workbook_is_refused_with_a_clear_message(tmp_path):
    # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    content = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 1000
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 1000
    )
    path = _write(tmp_path, "secret.xlsx", content)
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "secret.xls")
    assert exc.value.code == "file_encrypted"
    assert "密码" in str(exc.value.message)


def test_zip_encrypted_entries_are_refused(tmp_path):
    path = tmp_path / "enc.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    raw = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in the central directory entries
    index = raw.find(b"PK\x01\x02")
    while index != -1:
        raw[index + 8] |= 0x1
        index = raw.find(b"PK\x01\x02", index + 4)
    path.write_bytes(bytes(raw))
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "enc.xlsx")
    assert exc.value.code == "file_encrypted"


def test_corrupt_xlsx_gets_a_clear_message(tmp_path):
    path = _write(tmp_path, "broken.xlsx", b"PK\x03\x04" + b"garbage" * 50)
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "broken.xlsx")
    assert exc.value.code == "file_corrupt"
    assert "损坏" in str(exc.value.message)


def test_file_over_the_size_limit_is_refused_with_the_limit(tmp_path, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024 * 1024
    path = _write(tmp_path, "big.csv", ("企业名称\n" + "蒸湘,1\n" * 200_000).encode())
    with pytest.raises(FileRejected) as exc:
        inspect_file(path, "big.csv")
    assert exc.value.code == "file_too_large"
    assert "1 MB" in str(exc.value.message)
