"""Reading attendance uploads: a provider's CSV or XLSX in, canonical rows out.

Pure Python, no models: ``open_upload`` decides what the file is (by content, never by name),
checks the limits and the header, and returns a ``ParsedUpload`` whose ``rows()`` streams
``(line, values)`` with the values in ``CANONICAL_COLUMNS`` order; ``convert_row`` turns one of
them into typed values or a list of ``RowError``. Nothing holds all rows in memory.

Whole-file problems raise ``UploadRejected`` (``.code`` is stable, ``.message`` is for people).
Row problems are ``RowError`` values; a structurally broken row (too few fields, an unterminated
quote) is yielded as a ``MalformedRow`` that ``convert_row`` reports, so the ingest treats every
row the same way and nothing is silently dropped. Only blank rows are skipped.

Speed: the CSV path is the csv module plus ``convert_row``, which looks values up in small dicts
(dates, and the six lesson fields as one combination, are cached by their raw text) instead of
parsing every row anew.
A quick check of parse+convert throughput (not a test; timing never goes into a test)::

    DJANGO_SETTINGS_MODULE=inburgering.settings .venv/bin/python -c "
    import time, resource, datetime; from attendance.parsing import Limits, open_upload, convert_row
    t = time.perf_counter(); upload = open_upload('big.csv', limits=Limits(max_bytes=10**9))
    today = datetime.date.today(); n = 0
    for line, values in upload.rows():
        row, errors = convert_row(line, values, today=today, hours=upload.hours_columns); n += 1
    s = time.perf_counter() - t
    print(n, 'rows', round(n / s), 'rows/s', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 'MB')"
"""

from __future__ import annotations

import codecs
import csv
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_xml
from django.utils.translation import gettext_lazy as _

CANONICAL_COLUMNS = (
    "deelnemernummer",
    "datum",
    "dagdeel",
    "geplande_minuten",
    "aanwezige_minuten",
    "status",
    "reden",
    "huiswerkklas",
    "opmerking",
)
REQUIRED_COLUMNS = CANONICAL_COLUMNS[:6]
DAYPARTS = ("ochtend", "middag", "avond")
STATUSES = ("aanwezig", "afwezig", "vervallen")
REASONS = ("ziek", "medisch", "kinderopvang", "mantelzorg", "werk", "anders")
EXPECTED_HEADER = ";".join(CANONICAL_COLUMNS)

MAX_NOTE_LENGTH = 500
# Learner numbers are 6 characters today; anything this long cannot be one (and must not reach a
# staging table with a bounded column).
MAX_LEARNER_NUMBER_LENGTH = 64
# One lesson (dagdeel) of more than a day is a typo, and keeps absurd numbers out of integer columns.
MAX_LESSON_MINUTES = 24 * 60
VALUE_PREVIEW = 100
# calamine holds the first sheet as a dense grid (about 32 bytes a cell), so its size is checked
# before calamine reads it: 4 million cells is 200,000 rows of 20 columns, about 130 MB.
XLSX_MAX_CELLS = 4_000_000
# The header is the first of this many non-blank rows that names a known column (titles above it
# are skipped); these rows do not count against max_xlsx_rows in the check before parsing.
HEADER_SEARCH_ROWS = 10
XLSX_MAX_METADATA_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 1 << 20


class UploadRejected(Exception):
    """The whole file is refused. ``message`` is for the user, ``code`` is stable, ``params`` the
    values inside the message (to render it again in another language)."""

    def __init__(self, message, code, params=None):
        self.message = str(message)
        self.code = code
        self.params = params or {}
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    value: str
    message: str
    code: str


@dataclass
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 2_000_000
    max_xlsx_rows: int = 200_000
    max_zip_entries: int = 1000
    max_uncompressed_bytes: int = 500 * 1024 * 1024


class MalformedRow(list):
    """A row whose fields could not be lined up with the header: nine empty values and ``error``,
    which ``convert_row`` returns. Yielded instead of dropping the row."""

    __slots__ = ("error",)


# --- messages -------------------------------------------------------------------------------------

_UPLOAD_MESSAGES = {
    "empty": _("The file is empty."),
    "too_large": _("The file is larger than the maximum of %(max_mb)s MB."),
    "not_csv_or_xlsx": _("This is not a CSV or XLSX file."),
    "not_csv_or_xlsx_kind": _("This is not a CSV or XLSX file (it looks like %(kind)s)."),
    "old_excel": _(
        "This is an old Excel file (.xls) or a password-protected workbook. Save it as .xlsx or as CSV UTF-8."
    ),
    "utf16": _("This text file is in UTF-16. Save it as CSV UTF-8 (or CSV separated by semicolons)."),
    "encoding": _("The file is neither UTF-8 nor Windows-1252 text. Save it as CSV UTF-8."),
    "missing_columns": _("Column(s) missing: %(missing)s. Expected header: %(expected)s"),
    "duplicate_column": _("Column %(column)s appears more than once. Expected header: %(expected)s"),
    "mixed_units": _(
        "Give scheduled and attended time both in minutes or both in hours, once each. Expected header: %(expected)s"
    ),
    "too_many_rows": _("The file has more than %(max)s rows; split it into smaller files."),
    "zip_entries": _("The XLSX file has more than %(max)s parts; it is not a normal workbook."),
    "zip_bomb": _("The XLSX file unpacks to more than %(max_mb)s MB; it is not a normal workbook."),
    "xlsx_unreadable": _("The XLSX file could not be read; open it in Excel and save it again."),
    "xlsx_too_large": _("The first sheet is too large (%(rows)s rows by %(columns)s columns); remove empty cells."),
}

_ROW_MESSAGES = {
    "required": _("This value is required."),
    "too_long": _("This value is too long (at most %(max)s characters)."),
    "invalid_date": _("Not a valid date; use dd-mm-yyyy or yyyy-mm-dd."),
    "future_date": _("The date is in the future."),
    "invalid_choice": _("Unknown value; use one of: %(choices)s."),
    "invalid_minutes": _("Not a whole number of minutes."),
    "invalid_hours": _("Not a number of hours (for example 2,5)."),
    "negative": _("The value cannot be negative."),
    "too_large": _("More than %(max)s minutes for one lesson."),
    "not_whole_minutes": _("These hours are not a whole number of minutes."),
    "attended_exceeds_scheduled": _("More minutes attended than scheduled (%(scheduled)s)."),
    "cancelled_with_attendance": _("A cancelled lesson (vervallen) cannot have attended minutes."),
    "missing_fields": _("The row has %(found)s fields where the header has %(expected)s."),
    "extra_fields": _(
        "The row has more fields than the header (%(expected)s); put text that contains the separator in quotes."
    ),
    "unterminated_quote": _("A quote is not closed; lines %(start)s to %(end)s could not be read."),
    "malformed_quote": _("A quote is in the wrong place; put the whole field in quotes and double inner quotes."),
    "field_too_large": _("A field is far too long; lines %(start)s to %(end)s could not be read."),
}

_CHOICES_TEXT = {
    "dagdeel": ", ".join(DAYPARTS),
    "status": ", ".join(STATUSES),
    "reden": ", ".join(REASONS),
    "huiswerkklas": "ja, nee",
}


def _reject(code, *, message=None, **params):
    """UploadRejected with the message for `code` (or for the more specific `message` key)."""
    return UploadRejected(str(_UPLOAD_MESSAGES[message or code]) % params, code, params)


def _row_error(line, column, value, code, **params):
    if column in _CHOICES_TEXT and code == "invalid_choice":
        params["choices"] = _CHOICES_TEXT[column]
    message = str(_ROW_MESSAGES[code])
    if params:
        message %= params
    return RowError(line, column, str(value)[:VALUE_PREVIEW], message, code)


def _header_rejection(code, **params):
    params["expected"] = EXPECTED_HEADER
    return _reject(code, **params)


# --- header -----------------------------------------------------------------------------------------

# normalised header name -> (canonical column, given in hours)
_HEADER_ALIASES: dict[str, tuple[str, bool]] = {}
for _canonical, _names in {
    "deelnemernummer": ("deelnemernummer", "learner_number", "participant_number"),
    "datum": ("datum", "date"),
    "dagdeel": ("dagdeel", "daypart", "day_part"),
    "geplande_minuten": ("geplande_minuten", "scheduled_minutes"),
    "aanwezige_minuten": ("aanwezige_minuten", "attended_minutes"),
    "status": ("status",),
    "reden": ("reden", "reason"),
    "huiswerkklas": ("huiswerkklas", "homework_class", "homework"),
    "opmerking": ("opmerking", "note", "remark"),
}.items():
    for _name in _names:
        _HEADER_ALIASES[_name] = (_canonical, False)
for _name, _canonical in {
    "geplande_uren": "geplande_minuten",
    "scheduled_hours": "geplande_minuten",
    "aanwezige_uren": "aanwezige_minuten",
    "attended_hours": "aanwezige_minuten",
}.items():
    _HEADER_ALIASES[_name] = (_canonical, True)


def _normalise_header(name) -> str:
    """Case-insensitive, trimmed, spaces and hyphens as underscores (runs collapsed)."""
    text = str(name).replace("\ufeff", "").replace("-", " ").replace("_", " ")
    return "_".join(text.split()).lower()


def _recognised(cells) -> int:
    return sum(1 for cell in cells if _normalise_header(cell) in _HEADER_ALIASES)


_PADDING = tuple(("",) * (len(CANONICAL_COLUMNS) - k) for k in range(len(CANONICAL_COLUMNS) + 1))


class _Layout:
    """Where each canonical column sits in the file's rows, and how to reorder a row."""

    def __init__(self, cells: list[str]):
        positions: dict[str, int] = {}
        units: dict[str, bool] = {}
        ignored: list[str] = []
        duplicate = None
        mixed = False
        for index, raw in enumerate(cells):
            key = _normalise_header(raw)
            if not key:
                continue
            hit = _HEADER_ALIASES.get(key)
            if hit is None:
                ignored.append(str(raw).strip())
                continue
            canonical, in_hours = hit
            if canonical in positions:
                if units[canonical] != in_hours:
                    mixed = True
                elif duplicate is None:
                    duplicate = canonical
                continue
            positions[canonical] = index
            units[canonical] = in_hours
        missing = [name for name in REQUIRED_COLUMNS if name not in positions]
        if missing:
            raise _header_rejection("missing_columns", missing=", ".join(missing))
        if duplicate:
            raise _header_rejection("duplicate_column", column=duplicate)
        if mixed or units["geplande_minuten"] != units["aanwezige_minuten"]:
            raise _header_rejection("mixed_units")

        self.hours = units["geplande_minuten"]
        self.columns = sorted(positions, key=positions.__getitem__)
        self.ignored = ignored
        self.positions = positions
        # A row needs at least `needed` fields; fields past `width` must be empty.
        self.width = len(cells)
        while self.width and not str(cells[self.width - 1]).strip():
            self.width -= 1
        self.needed = max(positions.values()) + 1
        self.learner_index = positions["deelnemernummer"]
        count = len(positions)
        # "prefix": the file's columns are the first k canonical ones, in order, and nothing else.
        self.prefix = self.width == count and all(positions.get(CANONICAL_COLUMNS[i]) == i for i in range(count))
        self.padding = _PADDING[count]
        self.pad_index = self.width  # where a row gets one extra "" for absent optional columns
        self.getter = itemgetter(*(positions.get(name, self.pad_index) for name in CANONICAL_COLUMNS))
        self.needs_pad = count < len(CANONICAL_COLUMNS)

    def column_at(self, index: int) -> str:
        """The canonical name of the first recognised column at or after a file position."""
        later = [name for name, position in self.positions.items() if position >= index]
        if later:
            return min(later, key=self.positions.__getitem__)
        return self.columns[-1]

    def shape(self, line: int, row: list, delimiter: str):
        """Canonical values of a row that is not exactly `width` long (or not a prefix layout);
        None for a blank row, a MalformedRow when the fields cannot be lined up."""
        found = len(row)
        if not "".join(row).strip():
            return None
        if found < self.needed:
            error = _row_error(
                line,
                self.column_at(found),
                delimiter.join(row),
                "missing_fields",
                found=found,
                expected=self.width,
            )
            return _malformed(error)
        if found > self.width:
            extra = row[self.width :]
            if any(value.strip() for value in extra):
                error = _row_error(line, self.columns[-1], delimiter.join(extra), "extra_fields", expected=self.width)
                return _malformed(error)
            del row[self.width :]
        elif found < self.width:
            row.extend([""] * (self.width - found))
        if self.prefix:
            row.extend(self.padding)
            return row
        if self.needs_pad:
            row.append("")
        return list(self.getter(row))


_NINE_EMPTY = ("",) * len(CANONICAL_COLUMNS)


def _malformed(error: RowError) -> MalformedRow:
    row = MalformedRow(_NINE_EMPTY)
    row.error = error
    return row


# --- the upload ---------------------------------------------------------------------------------------


class ParsedUpload:
    """An accepted file: its format and header, and ``rows()`` to stream it (again)."""

    format: str
    encoding: str | None
    delimiter: str | None
    columns: list[str]
    ignored_columns: list[str]
    hours_columns: bool

    def __init__(self, *, path, fmt, encoding, delimiter, layout, header_line, limits, errors="strict", sheet=None):
        self.path = Path(path)
        self.format = fmt
        self.encoding = encoding
        self.delimiter = delimiter
        self.columns = list(layout.columns)
        self.ignored_columns = list(layout.ignored)
        self.hours_columns = layout.hours
        self.header_line = header_line
        self._layout = layout
        self._limits = limits
        self._errors = errors
        self._sheet = sheet

    def __repr__(self):
        return f"<ParsedUpload {self.format} {self.encoding or ''} {self.delimiter!r} {self.columns}>"

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line in the file, values in CANONICAL_COLUMNS order); raises UploadRejected once the
        row limit is passed."""
        if self.format == "xlsx":
            return self._xlsx_rows()
        return self._csv_rows()

    def _too_many(self, limit):
        return _reject("too_many_rows", max=limit)

    def _csv_rows(self):
        layout = self._layout
        limit = self._limits.max_rows
        delimiter = self.delimiter
        width = layout.width
        prefix = layout.prefix
        padding = layout.padding
        learner_index = layout.learner_index
        shape = layout.shape
        count = 0
        with open(self.path, encoding=self.encoding, errors=self._errors, newline="") as handle:
            for _ in range(self.header_line):
                handle.readline()
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            offset = self.header_line
            last = offset
            while True:
                try:
                    for row in reader:
                        line = last + 1
                        last = reader.line_num + offset
                        if prefix and len(row) == width and row[learner_index]:
                            row.extend(padding)
                            values = row
                        else:
                            values = shape(line, row, delimiter)
                            if values is None:
                                continue
                        count += 1
                        if count > limit:
                            raise self._too_many(limit)
                        yield line, values
                    break
                except csv.Error as exc:
                    line = last + 1
                    last = reader.line_num + offset
                    text = str(exc)
                    if "unexpected end of data" in text:
                        error = _row_error(line, "", "", "unterminated_quote", start=line, end=last)
                    elif "field larger than field limit" in text:
                        error = _row_error(line, "", "", "field_too_large", start=line, end=last)
                    else:
                        error = _row_error(line, "", "", "malformed_quote")
                    count += 1
                    if count > limit:
                        raise self._too_many(limit) from None
                    yield line, _malformed(error)

    def _xlsx_rows(self):
        layout = self._layout
        limit = min(self._limits.max_rows, self._limits.max_xlsx_rows)
        shape = layout.shape
        count = 0
        rows = self._sheet.iter_rows()
        # calamine yields from the sheet's first row (row 1), so the position is the line number.
        for line, cells in enumerate(rows, start=1):
            if line <= self.header_line:
                continue
            if cells.count("") == len(cells):
                continue
            row = [_cell_text(value) for value in cells]
            values = shape(line, row, ";")
            if values is None:
                continue
            count += 1
            if count > limit:
                raise self._too_many(limit)
            yield line, values


def _cell_text(value) -> str:
    """An XLSX cell as the text a CSV export would give (the cached value; formulas never run)."""
    kind = value.__class__
    if kind is str:
        return value
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.date().isoformat()
    if kind is date:
        return value.isoformat()
    return str(value)


# --- opening a file ----------------------------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x05\x06", "ZIP"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"{\\rtf", "RTF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"RIFF", "RIFF"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_DELIMITERS = (";", ",", "\t")


def open_upload(path: str | Path, *, limits: Limits | None = None) -> ParsedUpload:
    """Decide what the file is and check it; raises UploadRejected."""
    limits = limits or Limits()
    path = Path(path)
    size = os.stat(path).st_size
    if size > limits.max_bytes:
        raise _reject("too_large", max_mb=round(limits.max_bytes / (1024 * 1024), 1))
    if size == 0:
        raise _reject("empty")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(_ZIP):
        return _open_xlsx(path, limits)
    if head.startswith(_OLE2):
        raise _reject("not_csv_or_xlsx", message="old_excel")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject("encoding", message="utf16")
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            raise _reject("not_csv_or_xlsx", message="not_csv_or_xlsx_kind", kind=kind)
    return _open_csv(path, limits)


def _scan_encoding(path: Path) -> tuple[str, str]:
    """Read the whole file in binary chunks: UTF-8 (with or without BOM) if it all decodes,
    else Windows-1252. Refuses binary data (NUL bytes) and bytes Windows-1252 does not define."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    cp1252 = True
    with open(path, "rb") as handle:
        first = chunk = handle.read(CHUNK_SIZE)
        while chunk:
            if b"\x00" in chunk:
                raise _reject("not_csv_or_xlsx")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if cp1252 and any(byte in chunk for byte in _CP1252_UNDEFINED):
                cp1252 = False
            chunk = handle.read(CHUNK_SIZE)
    errors = "strict"
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Cut off inside the last character (a truncated upload): still UTF-8; the last row
            # shows a replacement character rather than turning every é in the file into Ã©.
            errors = "replace"
        return ("utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"), errors
    if not cp1252:
        raise _reject("encoding")
    return "cp1252", errors


def _sniff_header(text: str, forced: str | None) -> tuple[str, list[str], int]:
    """The delimiter that makes the most recognised column names of a line (; before , before tab)."""
    best, best_cells, best_score = ";", [text], 0
    for delimiter in (forced,) if forced else _DELIMITERS:
        try:
            cells = next(csv.reader([text], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        score = _recognised(cells)
        if score > best_score:
            best, best_cells, best_score = delimiter, cells, score
    return best, best_cells, best_score


def _open_csv(path: Path, limits: Limits) -> ParsedUpload:
    encoding, errors = _scan_encoding(path)
    forced = None
    seen_sep = False
    candidates = []  # (line number, delimiter, cells, recognised) of the first non-blank lines
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        for number, text in enumerate(handle, start=1):
            stripped = text.strip()
            if not stripped:
                continue
            # Excel's "sep=;" hint line, before the header.
            if not candidates and not seen_sep and len(stripped) == 5 and stripped.lower().startswith("sep="):
                seen_sep = True
                forced = stripped[4] if stripped[4] in _DELIMITERS else None
                continue
            if not candidates and stripped.startswith("<"):
                raise _reject("not_csv_or_xlsx", message="not_csv_or_xlsx_kind", kind="HTML/XML")
            candidates.append((number, *_sniff_header(text, forced)))
            if candidates[-1][3] or len(candidates) >= HEADER_SEARCH_ROWS:
                break
    if not candidates:
        raise _reject("empty")
    # The header is the first line naming a known column (a title line above it is skipped);
    # if none does, the first line, so the rejection lists what is missing.
    header_line, best, best_cells, _score = next((found for found in candidates if found[3]), candidates[0])
    layout = _Layout(best_cells)
    return ParsedUpload(
        path=path,
        fmt="csv",
        encoding=encoding,
        delimiter=best,
        layout=layout,
        header_line=header_line,
        limits=limits,
        errors=errors,
    )


# --- XLSX ---------------------------------------------------------------------------------------------

_CELL_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')
_CELL_WITHOUT_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?c(?:(?![^>]*\sr=)\s[^>]*)?>")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?row[\s>]")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]{0,20}:)?worksheet[\s>]")
_RELATIONSHIP_ID = "}id"
_first = itemgetter(0)
_second = itemgetter(1)


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def _zip_entry_count(path: Path) -> int | None:
    """The entry count from the end-of-central-directory record, read before zipfile builds an
    object per entry (a million tiny entries would already be a memory problem)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65_557))
        tail = handle.read()
    position = tail.rfind(b"PK\x05\x06")
    if position < 0 or len(tail) < position + 22:
        return None
    (entries,) = struct.unpack_from("<H", tail, position + 10)
    return None if entries == 0xFFFF else entries


def _first_sheet_path(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> str:
    def read_small(name):
        info = infos.get(name)
        if info is None or info.file_size > XLSX_MAX_METADATA_BYTES:
            raise _reject("xlsx_unreadable")
        return safe_xml(archive.read(info))

    workbook = read_small("xl/workbook.xml")
    sheet = next((element for element in workbook.iter() if element.tag.rpartition("}")[2] == "sheet"), None)
    if sheet is None:
        raise _reject("xlsx_unreadable")
    relation = next((value for key, value in sheet.attrib.items() if key.endswith(_RELATIONSHIP_ID)), None)
    target = None
    if relation and "xl/_rels/workbook.xml.rels" in infos:
        for element in read_small("xl/_rels/workbook.xml.rels").iter():
            if element.tag.rpartition("}")[2] == "Relationship" and element.get("Id") == relation:
                target = element.get("Target")
                break
    if target is None:
        raise _reject("xlsx_unreadable")
    name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    if name not in infos:
        raise _reject("xlsx_unreadable")
    return name


def _check_archive(path: Path, limits: Limits) -> None:
    """Zip-bomb and dense-grid checks before calamine sees the file."""
    entries = _zip_entry_count(path)
    if entries is not None and entries > limits.max_zip_entries:
        raise _reject("zip_entries", max=limits.max_zip_entries)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, struct.error):
        raise _reject("not_csv_or_xlsx") from None
    with archive:
        listing = archive.infolist()
        if len(listing) > limits.max_zip_entries:
            raise _reject("zip_entries", max=limits.max_zip_entries)
        infos = {info.filename: info for info in listing}
        if "xl/workbook.xml" not in infos:
            raise _reject("not_csv_or_xlsx")
        if sum(info.file_size for info in listing) > limits.max_uncompressed_bytes:
            raise _reject("zip_bomb", max_mb=round(limits.max_uncompressed_bytes / (1024 * 1024)))
        for info in listing:
            if info.flag_bits & 0x1:
                raise _reject("xlsx_unreadable")
            # A deflate stream can hold more than the size its entry declares; data that is more
            # than the declared size plus stored-block overhead is a trick, not a workbook.
            if info.compress_size > info.file_size + info.file_size // 1000 + 1024:
                raise _reject("zip_bomb", max_mb=round(limits.max_uncompressed_bytes / (1024 * 1024)))
        rows = columns = 0
        try:
            sheet_name = _first_sheet_path(archive, infos)
            # Read every entry once: zipfile stops at the declared size and checks the CRC, so a
            # part that lies about its size fails here. The first sheet is measured on the way.
            for info in listing:
                with archive.open(info) as part:
                    if info.filename == sheet_name:
                        rows, columns = _measure_sheet(part)
                    else:
                        while part.read(CHUNK_SIZE):
                            pass
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, ParseError):
            raise _reject("xlsx_unreadable") from None
        except DefusedXmlException:
            raise _reject("xlsx_unreadable") from None
    limit = min(limits.max_rows, limits.max_xlsx_rows)
    if rows > limit + 1 + HEADER_SEARCH_ROWS:
        raise _reject("too_many_rows", max=limit)
    if rows * columns > XLSX_MAX_CELLS:
        raise _reject("xlsx_too_large", rows=rows, columns=columns)


def _measure_sheet(part) -> tuple[int, int]:
    """Rows and columns of the grid calamine will build: up to the furthest cell with a value
    (self-closing cells are formatting only, calamine skips them). Cells without a reference
    (allowed, rare) are counted as extra width, and rows as at least the number of row tags."""
    max_row = 0
    letters: set[bytes] = set()
    without_ref = 0
    row_tags = 0
    carry = b""
    cell_space = cell_close = cell_ref = None
    while True:
        chunk = part.read(CHUNK_SIZE)
        if not chunk:
            break
        buffer = carry + chunk
        cut = buffer.rfind(b">") + 1
        carry = buffer[cut:]
        if len(carry) > CHUNK_SIZE:  # text without tags: nothing to measure in it
            carry = carry[-256:]
        buffer = buffer[:cut]
        if cell_space is None:
            root = _ROOT_TAG.search(buffer)
            prefix = (root.group(1) or b"") if root else b""
            cell_space, cell_close, cell_ref = b"<" + prefix + b"c ", b"<" + prefix + b"c>", b"<" + prefix + b'c r="'
        references = _CELL_REF.findall(buffer)
        if references:
            letters.update(map(_first, references))
            max_row = max(max_row, max(map(int, map(_second, references))))
        # Nearly every writer puts r first: then counting is enough to know every cell has one.
        if buffer.count(cell_space) + buffer.count(cell_close) != buffer.count(cell_ref):
            without_ref += sum(1 for tag in _CELL_WITHOUT_REF.findall(buffer) if not tag.endswith(b"/>"))
            row_tags += len(_ROW_TAG.findall(buffer))
    columns = max((_column_number(column) for column in letters), default=0) + without_ref
    rows = max(max_row, row_tags)
    return rows, columns


def _open_xlsx(path: Path, limits: Limits) -> ParsedUpload:
    import python_calamine

    _check_archive(path, limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (python_calamine.CalamineError, ValueError, OSError, IndexError):
        raise _reject("xlsx_unreadable") from None
    candidates = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if cells.count("") != len(cells):
            texts = [_cell_text(value) for value in cells]
            candidates.append((number, texts, _recognised(texts)))
            if candidates[-1][2] or len(candidates) >= HEADER_SEARCH_ROWS:
                break
    if not candidates:
        raise _reject("empty")
    header_line, header, _score = next((found for found in candidates if found[2]), candidates[0])
    layout = _Layout(header)
    return ParsedUpload(
        path=path,
        fmt="xlsx",
        encoding=None,
        delimiter=None,
        layout=layout,
        header_line=header_line,
        limits=limits,
        sheet=sheet,
    )


# --- converting a row ---------------------------------------------------------------------------------

_DAYPART_LOOKUP = {name: name for name in DAYPARTS}
_STATUS_LOOKUP = {name: name for name in STATUSES}
_REASON_LOOKUP = {name: name for name in REASONS} | {"": ""}
_BOOLEAN_LOOKUP = {
    "": False,
    "ja": True,
    "j": True,
    "yes": True,
    "y": True,
    "true": True,
    "waar": True,
    "1": True,
    "nee": False,
    "n": False,
    "no": False,
    "false": False,
    "onwaar": False,
    "0": False,
}
_MINUTES_LOOKUP = {str(number): number for number in range(MAX_LESSON_MINUTES + 1)}

# Raw text -> parsed value (a date, or an error code str). The caches are bounded, so a file of
# unique junk cannot grow them; past the bound values are simply parsed every time.
_CACHE_LIMIT = 20_000
_date_cache: dict[str, date | str] = {}


def _parse_date(raw: str) -> date | str:
    text = raw.strip()
    if not text:
        return "required"
    parts = text.split("-")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return "invalid_date"
    first, second, third = parts
    if len(first) == 4 and 1 <= len(second) <= 2 and 1 <= len(third) <= 2:
        year, month, day = first, second, third
    elif len(third) == 4 and 1 <= len(first) <= 2 and 1 <= len(second) <= 2:
        year, month, day = third, second, first
    else:
        return "invalid_date"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return "invalid_date"


def _parse_minutes(raw: str) -> int | str:
    text = raw.strip()
    if not text:
        return "required"
    value = _MINUTES_LOOKUP.get(text)
    if value is not None:
        return value
    if text.isascii() and text.isdigit():
        value = int(text)
        return value if value <= MAX_LESSON_MINUTES else "too_large"
    if text[0] == "-" and text[1:].strip().replace(",", "").replace(".", "").isdigit():
        return "negative"
    return "invalid_minutes"


def _parse_hours(raw: str) -> int | str:
    text = raw.strip()
    if not text:
        return "required"
    negative = text[0] == "-"
    if negative:
        text = text[1:].strip()
    whole, _separator, fraction = text.replace(",", ".").partition(".")
    if (
        not (whole or fraction)
        or (whole and not (whole.isascii() and whole.isdigit()))
        or (fraction and not (fraction.isascii() and fraction.isdigit()))
        or "." in fraction
    ):
        return "invalid_hours"
    if negative:
        return "negative"
    minutes = float(f"{whole or 0}.{fraction or 0}") * 60
    rounded = round(minutes)
    if abs(minutes - rounded) > 1e-6:
        return "not_whole_minutes"
    if rounded > MAX_LESSON_MINUTES:
        return "too_large"
    return rounded


def _remember(cache: dict, key: str, value):
    if len(cache) < _CACHE_LIMIT:
        cache[key] = value
    return value


def _check_lesson(line, errors, daypart_raw, scheduled_raw, attended_raw, status_raw, reason_raw, homework_raw, hours):
    """Daypart, minutes, status, reason and homework class: the typed values, or None after
    appending every error to `errors`."""
    count = len(errors)
    daypart = _DAYPART_LOOKUP.get(daypart_raw.strip().lower())
    if daypart is None:
        code = "invalid_choice" if daypart_raw.strip() else "required"
        errors.append(_row_error(line, "dagdeel", daypart_raw, code))

    parse = _parse_hours if hours else _parse_minutes
    scheduled = parse(scheduled_raw)
    attended = parse(attended_raw)
    if scheduled.__class__ is str:
        errors.append(_row_error(line, "geplande_minuten", scheduled_raw, scheduled, max=MAX_LESSON_MINUTES))
    if attended.__class__ is str:
        errors.append(_row_error(line, "aanwezige_minuten", attended_raw, attended, max=MAX_LESSON_MINUTES))
    elif scheduled.__class__ is int and attended > scheduled:
        code = "attended_exceeds_scheduled"
        errors.append(_row_error(line, "aanwezige_minuten", attended_raw, code, scheduled=scheduled))

    status = _STATUS_LOOKUP.get(status_raw.strip().lower())
    if status is None:
        errors.append(_row_error(line, "status", status_raw, "invalid_choice" if status_raw.strip() else "required"))
    elif status == "vervallen" and attended.__class__ is int and attended > 0:
        errors.append(_row_error(line, "status", status_raw, "cancelled_with_attendance"))

    reason = _REASON_LOOKUP.get(reason_raw.strip().lower())
    if reason is None:
        errors.append(_row_error(line, "reden", reason_raw, "invalid_choice"))

    homework = _BOOLEAN_LOOKUP.get(homework_raw.strip().lower())
    if homework is None:
        errors.append(_row_error(line, "huiswerkklas", homework_raw, "invalid_choice"))

    if len(errors) > count:
        return None
    return daypart, scheduled, attended, status, reason, homework


# (raw daypart, scheduled, attended, status, reason, homework class) -> their checked values. A
# file repeats few combinations, so most rows need one dict lookup for these six fields.
_lesson_cache: dict[tuple, tuple] = {}
_lesson_cache_hours: dict[tuple, tuple] = {}


def convert_row(line: int, values: list[str], *, today: date, hours: bool) -> tuple[tuple | None, list[RowError]]:
    """Typed values of one row, or every error in it.

    Returns ``(row, [])`` with row = (line, learner_number, lesson_date, daypart, scheduled_minutes,
    attended_minutes, status, reason, homework_class, note), or ``(None, errors)``."""
    if values.__class__ is MalformedRow:
        return None, [values.error]
    learner_raw, date_raw, daypart_raw, scheduled_raw, attended_raw, status_raw, reason_raw, homework_raw, note_raw = (
        values
    )
    errors = []

    learner_number = learner_raw.strip()
    if not learner_number:
        errors.append(_row_error(line, "deelnemernummer", learner_raw, "required"))
    elif len(learner_number) > MAX_LEARNER_NUMBER_LENGTH:
        errors.append(_row_error(line, "deelnemernummer", learner_raw, "too_long", max=MAX_LEARNER_NUMBER_LENGTH))

    lesson_date = _date_cache.get(date_raw)
    if lesson_date is None:
        lesson_date = _remember(_date_cache, date_raw, _parse_date(date_raw))
    if lesson_date.__class__ is str:
        errors.append(_row_error(line, "datum", date_raw, lesson_date))
    elif lesson_date > today:
        errors.append(_row_error(line, "datum", date_raw, "future_date"))

    key = (daypart_raw, scheduled_raw, attended_raw, status_raw, reason_raw, homework_raw)
    cache = _lesson_cache_hours if hours else _lesson_cache
    lesson = cache.get(key)
    if lesson is None:
        lesson = _check_lesson(line, errors, *key, hours)
        if lesson is not None:
            _remember(cache, key, lesson)

    note = note_raw.strip() if note_raw else ""
    if len(note) > MAX_NOTE_LENGTH:
        errors.append(_row_error(line, "opmerking", note_raw, "too_long", max=MAX_NOTE_LENGTH))

    if errors:
        return None, errors
    daypart, scheduled, attended, status, reason, homework = lesson
    return (line, learner_number, lesson_date, daypart, scheduled, attended, status, reason, homework, note), errors
