"""Write the hostile corpus: damaged, crafted and absurd inputs, each with the finding it must give.

Run `python tests/data/hostile/make_hostile.py` to write the files again; they are committed with
`expected.json`, which `test_hostile.py` checks: every file ends in kpiscore's own error with the code named
there (or scores, where "ok"), never a traceback or a dead process. The crash reproducers of the fuzz
campaign (issue 10) are here, and at least one input per exception class of each reader library.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
EXAMPLE = (ROOT / "examples" / "service-quality.xlsx").read_bytes()
XLS = (ROOT / "tests" / "data" / "service-quality.xls").read_bytes()
ODS = (ROOT / "tests" / "data" / "service-quality.ods").read_bytes()
CSV_HEAD = "工号,姓名,部门,客服响应及时率,上门服务到达及时率,问题一次性解决率,技术方案准确率,服务流程合规率,客户满意度(CSAT),投诉处理及时率"
CSV_ROW = "WX001,张伟,维修一部,88%,75%,82%,93%,96%,92%,96%"
SCHEME = (ROOT / "templates" / "service-quality.yaml").read_text(encoding="utf-8")

expected: dict[str, str] = {}


def put(name: str, data: bytes | str, code: str) -> None:
    """Write one hostile file and the finding code it must give ("ok": it scores; "error": any finding)."""
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    expected[name] = code


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """The members of a zip, each passed through `change` (None drops it), plus `extra` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = change(info.filename, zin.read(info))
            if body is not None:
                zout.writestr(_entry(info.filename), body)
        for name, body in (extra or {}).items():
            zout.writestr(_entry(name), body)
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A member with a fixed time, so that writing the corpus again changes no byte."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def sheet(change: Callable[[bytes], bytes]) -> bytes:
    return rezip(EXAMPLE, lambda n, b: change(b) if n == "xl/worksheets/sheet1.xml" else b)


def workbooks() -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    put("stray_cell_far_away.xlsx", sheet(lambda b: b.replace(b"</sheetData>", far)), "file_crashed")
    sparse = b'<row r="300000"><c r="AZ300000"><v>1</v></c></row></sheetData>'
    put("stray_cell_sparse.xlsx", sheet(lambda b: b.replace(b"</sheetData>", sparse).replace(
        b'<dimension ref="A1:J9" />', b'<dimension ref="A1:AZ300000"/>')), "sheet_area")
    put("dimension_whole_sheet.xlsx", sheet(lambda b: b.replace(b'<dimension ref="A1:J9" />',
                                                                b'<dimension ref="A1:XFD1048576"/>')), "sheet_area")
    for share in (10, 50, 90, 99):
        put(f"truncated_{share}pct.xlsx", EXAMPLE[: len(EXAMPLE) * share // 100], "file_damaged")
    put("not_a_number.xlsx", sheet(lambda b: b.replace(b"<v>0.88</v>", b"<v>abc</v>", 1)), "file_unreadable")
    put("broken_sheet_xml.xlsx", sheet(lambda b: b.replace(b"</sheetData>", b"<row><c></sheetData>")),
        "file_unreadable")
    put("sheet_part_missing.xlsx", rezip(EXAMPLE, lambda n, b: None if n == "xl/worksheets/sheet1.xml" else b),
        "file_unreadable")
    put("workbook_xml_missing.xlsx", rezip(EXAMPLE, lambda n, b: None if n == "xl/workbook.xml" else b),
        "file_kind")
    bomb = "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
    put("entity_bomb_workbook.xlsx", rezip(EXAMPLE, lambda n, b: b.replace(b"<workbook ", bomb.encode() + b"<workbook ", 1)
                                           if n == "xl/workbook.xml" else b), "file_unreadable")
    put("zip_member_60mb.xlsx", rezip(EXAMPLE, lambda n, b: b, {"xl/media/zeros.bin": b"\0" * (60 * 2**20)}),
        "zip_bomb")
    put("zip_sizes_forged.xlsx", forge_sizes(EXAMPLE), "zip_bomb")
    put("zip_bad_magic.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8, "file_damaged")
    put("zip_version_17_5.xlsx", zip_version(EXAMPLE), "file_unreadable")
    put("zip_name_not_utf8.xlsx", zip_bad_name(EXAMPLE), "file_unreadable")
    put("zip_corrupt_extra.xlsx", zip_corrupt_extra(EXAMPLE), "file_damaged")
    put("zip_bad_crc.xlsx", zip_bad_crc(EXAMPLE), "file_unreadable")
    put("zip_stored_method_99.xlsx", zip_method(EXAMPLE), "file_unreadable")
    put("zip_local_header_broken.xlsx", zip_local_header(EXAMPLE), "file_unreadable")  # calamine's ZipError
    put("zip_member_encrypted.xlsx", _central(EXAMPLE, lambda out, pos: struct.pack_into(
        "<H", out, pos + 8, struct.unpack_from("<H", out, pos + 8)[0] | 1)), "error")  # zipfile's RuntimeError
    put("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 2000, "file_encrypted")
    put("word_document.xlsx", rezip(EXAMPLE, lambda n, b: None, {"word/document.xml": b"<w/>",
                                                                 "[Content_Types].xml": b"<Types/>"}), "file_kind")
    put("pdf_named.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "file_kind")
    put("png_named.xls", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "file_kind")
    put("empty.xlsx", b"", "file_kind")
    put("random_bytes.xlsx", random.Random(1).randbytes(4096), "file_kind")
    put("csv_named.xlsx", (CSV_HEAD + "\n" + CSV_ROW + "\n").encode("utf-8"), "ok")


def forge_sizes(data: bytes) -> bytes:
    """Central-directory sizes claiming terabytes: refused from the sizes alone, nothing inflated."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + 24, 0xFFFFFFF0)  # uncompressed size
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def _central(data: bytes, change: Callable[[bytearray, int], None]) -> bytes:
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        change(out, pos)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def zip_version(data: bytes) -> bytes:
    """"zip file version 17.5": a member that needs a newer unzip than Python has."""
    return _central(data, lambda out, pos: struct.pack_into("<H", out, pos + 6, 175))


def zip_bad_name(data: bytes) -> bytes:
    """Member names flagged UTF-8 that are not."""
    def change(out: bytearray, pos: int) -> None:
        struct.pack_into("<H", out, pos + 8, struct.unpack_from("<H", out, pos + 8)[0] | 0x800)
        out[pos + 46] = 0xFF
    return _central(data, change)


def zip_corrupt_extra(data: bytes) -> bytes:
    """An extra field that claims more bytes than the record holds."""
    def change(out: bytearray, pos: int) -> None:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        struct.pack_into("<H", out, pos + 30, 4)  # extra length 4 ...
        struct.pack_into("<HH", out, pos + 46 + name_len, 0x0001, 0xFFFF)  # ... declaring 65535 bytes
        struct.pack_into("<H", out, pos + 32, max(0, struct.unpack_from("<H", out, pos + 32)[0] - 4))
    return _central(data, change)


def zip_bad_crc(data: bytes) -> bytes:
    return _central(data, lambda out, pos: struct.pack_into("<I", out, pos + 16, 0x12345678))


def zip_local_header(data: bytes) -> bytes:
    """The sheet's local header signature broken while the central directory still lists it."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out[zf.getinfo("xl/worksheets/sheet1.xml").header_offset + 3] = 0x05
    return bytes(out)


def zip_method(data: bytes) -> bytes:
    """A compression method no one implements."""
    out = bytearray(_central(data, lambda o, pos: struct.pack_into("<H", o, pos + 10, 99)))
    pos = out.find(b"PK\x03\x04")
    while pos != -1:
        struct.pack_into("<H", out, pos + 8, 99)
        pos = out.find(b"PK\x03\x04", pos + 4)
    return bytes(out)


def xls_files() -> None:
    for share in (5, 30, 60):
        put(f"xls_truncated_{share}pct.xls", XLS[: len(XLS) * share // 100], "file_damaged")
    put("xls_truncated_95pct.xls", XLS[: len(XLS) * 95 // 100], "file_unreadable")  # the header still fits
    huge_fat = bytearray(XLS)
    struct.pack_into("<I", huge_fat, 0x2C, 0x7FFFFFFF)  # FAT sector count
    put("xls_fat_count_huge.xls", bytes(huge_fat), "any")  # calamine follows the DIFAT it finds
    loop = bytearray(XLS)
    struct.pack_into("<I", loop, 0x30, 0)  # the directory starts where the FAT is
    put("xls_directory_in_fat.xls", bytes(loop), "error")
    shift = bytearray(XLS)
    struct.pack_into("<H", shift, 0x1E, 16)  # 64 KiB sectors in a small file
    put("xls_sector_shift_16.xls", bytes(shift), "error")
    password = bytearray(XLS)
    at = XLS.find(XLS[2048:2112])  # the Workbook stream's first sector: BOF, then INTERFACEHDR at +20
    struct.pack_into("<HHH", password, at + 20, 0x002F, 2, 1)  # ... made a FILEPASS (RC4): a password to open
    put("xls_password.xls", bytes(password), "file_encrypted")
    rng = random.Random(7)
    for n in range(8):
        flipped = bytearray(XLS)
        for _ in range(20):
            flipped[rng.randrange(512, len(flipped))] = rng.randrange(256)
        put(f"xls_bytes_flipped_{n}.xls", bytes(flipped), "any")


def ods_files() -> None:
    put("ods_truncated.ods", ODS[: len(ODS) // 2], "file_damaged")

    def repeat(name: str, body: bytes) -> bytes:
        if name != "content.xml":
            return body
        return body.replace(b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="16384" ', 1)
    put("ods_columns_repeated.ods", rezip(ODS, repeat), "any")
    put("ods_broken_content.ods", rezip(ODS, lambda n, b: b[:-100] if n == "content.xml" else b), "file_unreadable")


def texts() -> None:
    put("long_field.csv", CSV_HEAD + ",备注\n" + CSV_ROW + ',"' + "长" * 200_000 + '"\n', "ok")
    put("one_bad_byte.csv", (CSV_HEAD + "\n").encode("utf-8") + CSV_ROW.encode("utf-8")[:20] + b"\xff"
        + CSV_ROW.encode("utf-8")[20:] + b"\n", "file_encoding")
    put("nul_bytes.csv", (CSV_HEAD + "\n").encode("utf-8") + b"\0" * 100, "file_kind")
    put("utf16_odd_length.txt", "\ufeff".encode("utf-16-le") + (CSV_HEAD + "\n").encode("utf-16-le") + b"\x41",
        "file_encoding")
    put("actual_1e400.csv", CSV_HEAD + "\n" + CSV_ROW.replace("88%", "1e400"), "number_unusable")
    put("actual_400_digits.csv", CSV_HEAD + "\n" + CSV_ROW.replace("88%", "1" + "0" * 400), "number_unusable")
    put("escape_sequences.csv", CSV_HEAD + "\n" + CSV_ROW.replace("张伟", "\x1b]0;pwned\x07\x1b[2J张伟"), "ok")
    put("bidi_header.csv", CSV_HEAD.replace("姓名", "姓\u200b名") + "\n" + CSV_ROW, "columns_missing")
    put("formula_name.csv", CSV_HEAD + "\n" + CSV_ROW.replace("张伟", '"=HYPERLINK(""http://x"",""a"")"'), "ok")
    put("deep_html.xls", "<table>" + "<tr><td><table>" * 3000 + "x" + "</table></td></tr>" * 3000 + "</table>",
        "header_missing_any")
    put("html_span_huge.xls", '<table><tr><td rowspan="65535" colspan="16384">工号</td></tr></table>',
        "sheet_limits")
    put("xml2003_entity_bomb.xls", '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">&lol2;</Workbook>', "file_unreadable")
    put("xml2003_external_entity.xls", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell>'
        '<Data ss:Type="String">&e;</Data></Cell></Row></Table></Worksheet></Workbook>', "file_unreadable")
    put("xml2003_row_index_huge.xls", '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
        'spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
        '<Row ss:Index="99999999"><Cell><Data ss:Type="String">工号</Data></Cell></Row></Table></Worksheet>'
        '</Workbook>', "sheet_limits")
    put("xml2003_broken.xls", '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
        'spreadsheet"><Worksheet><Table><Row>', "file_unreadable")


def schemes() -> None:
    put("weight_1e400.yaml", SCHEME.replace("weight: 15", "weight: 1e400", 1), "number_unusable")
    put("weight_400_digits.yaml", SCHEME.replace("weight: 15", "weight: 1" + "0" * 400, 1), "number_unusable")
    put("target_nan.yaml", SCHEME.replace("target: 90%", "target: .nan", 1), "number_unusable")
    put("grade_min_nan.yaml", SCHEME.replace("min: 90}", "min: .nan}", 1), "number_unusable")
    put("coefficient_inf.yaml", SCHEME.replace("{grade: 优秀, min: 90}", "{grade: 优秀, min: 90, coefficient: .inf}"),
        "number_unusable")
    put("recursive_alias.yaml", "name: &r [*r]\n", "yaml_too_deep")
    put("deep_nesting.yaml", "name: " + "[" * 10000 + "]" * 10000 + "\n", "yaml_too_deep")
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    put("alias_bomb.yaml", laughs, "yaml_alias_bomb")
    put("lone_surrogate.yaml", SCHEME.replace("name: 售后服务质量评价", 'name: "售后\\ud800评价"', 1), "yaml_surrogate")
    put("python_tag.yaml", SCHEME + "x: !!python/object/apply:os.system ['echo hi']\n", "yaml_tag")
    put("band_when_long.yaml", "name: s\ndimensions:\n  - name: D\n    indicators:\n      - name: A\n        weight: 100\n"
        "        rule:\n          type: bands\n          bands:\n            - {when: \"[" + "9" * 100 + "1%, "
        + "9" * 100 + "2%)\", score: 100}\n", "interval")
    put("tab_indent.yaml", SCHEME.replace("  - name: 时效性", "\t- name: 时效性", 1), "yaml_tab")
    put("fullwidth_colon.yaml", SCHEME.replace("period: 2024Q1", "period：2024Q1", 1), "yaml_fullwidth_colon")
    put("indicator_named_like_id.yaml", SCHEME.replace("name: 客服响应及时率", "name: 工号\n        column: 客服", 1),
        "name_collides")
    put("adjustment_named_bonus.yaml", SCHEME + "adjustments:\n  - {name: 加分, rule: bonus}\n", "name_collides")
    put("gbk_bad_bytes.yaml", SCHEME.encode("gbk") + b"\x81\x20", "file_encoding")
    put("binary.yaml", random.Random(3).randbytes(2000), "file_encoding")
    put("per_zero.yaml", SCHEME.replace("rule: ratio", "rule: {type: deduct, per: 0%}", 1), "greater_than")
    put("band_inverted.yaml", "name: s\ndimensions:\n  - name: D\n    indicators:\n      - name: A\n        weight: 100\n"
        "        rule: {type: bands, bands: [{when: \"[95%, 90%)\", score: 100}]}\n", "interval_empty")


def plans() -> None:
    (HERE / "plan_scheme.yaml").write_text("name: 计划\ndimensions:\n  - name: D\n    indicators:\n"
                                           "      - {name: 达成率, weight: 100, target: 100%}\n", encoding="utf-8")
    base = "name: 计划\nscheme: plan_scheme.yaml\noutput: out\nperiods:\n"
    put("plan_period_traversal.yaml", base + "  - {period: ../../x, input: a.xlsx}\n", "plan_period_name")
    put("plan_period_absolute.yaml", base + "  - {period: /tmp/x, input: a.xlsx}\n", "plan_period_name")
    put("plan_rollup_traversal.yaml", base + "  - {period: Q1, input: a.xlsx}\nrollup: {period: ../y}\n",
        "plan_period_name")
    put("plan_period_trailing_space.yaml", base + "  - {period: Q1, input: a.xlsx}\n  - {period: 'Q1 ', input: b.xlsx}\n",
        "plan_period_duplicate")
    put("plan_gbk.yaml", (base + "  - {period: 一季度, input: 不存在.xlsx}\n").encode("gbk"), "file_missing")


if __name__ == "__main__":
    workbooks()
    xls_files()
    ods_files()
    texts()
    schemes()
    plans()
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                        encoding="utf-8")
    print(len(expected), "hostile inputs")
