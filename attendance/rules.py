"""Limits and defaults for attendance uploads (issue 5), configurable through settings."""

from django.conf import settings


def max_upload_bytes() -> int:
    return settings.ATTENDANCE_MAX_UPLOAD_BYTES


def max_upload_rows() -> int:
    return settings.ATTENDANCE_MAX_UPLOAD_ROWS


def max_xlsx_rows() -> int:
    return settings.ATTENDANCE_MAX_XLSX_ROWS


# The JSON push endpoint takes at most this many lesson records per request.
MAX_JSON_RECORDS = 5000
