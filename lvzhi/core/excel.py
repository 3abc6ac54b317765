"""Excel in and out: the few mechanisms every export and import shares (openpyxl does the rest)."""

import io
from urllib.parse import quote

from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell whose text starts with one of these is read by Excel/WPS as a formula (or DDE) and may run it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value):
    """A value safe to write into a cell: user text that could start a formula gets a leading single quote.

    Numbers, dates and None pass unchanged (a negative number is a number, not a formula);
    ``unquote_cell`` undoes the quote when our own files are imported again.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(value):
    """The inverse of ``safe_cell`` for text read back from a file we exported."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download of an .xlsx file whose Chinese file name survives every browser."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response
