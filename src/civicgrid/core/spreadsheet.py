"""Every spreadsheet and CSV the system hands out is written here.

- Formula injection: a cell whose text begins with = + - @ (or a tab / carriage return before one)
  is what Excel and LibreOffice evaluate. In .xlsx such text is written as a string cell (never a
  formula) with Excel's quote prefix, so it stays inert even after the user edits the cell; in CSV,
  which has no types, it gets a leading apostrophe (the OWASP rule). The importer strips that
  apostrophe again, so a report downloaded, fixed and uploaded round-trips.
- Control characters that Excel cannot hold are removed (openpyxl's ILLEGAL_CHARACTERS_RE):
  text stored before input cleaning existed must still export.
- Dates are ISO (2026-11-27, 2026-11-27 08:30) and file names follow one convention:
  中文名称-YYYY-MM-DD.ext (see `filename`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from .textclean import clean_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32767


def risky(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula (or a DDE call)?"""
    return isinstance(text, str) and text.lstrip(" ").startswith(FORMULA_START)


def plain(value):
    """A value ready for a cell: text cleaned and capped, datetimes local and naive."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)[:MAX_CELL]
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, second=0, microsecond=0)
    return value


def csv_safe(value) -> str:
    value = plain(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if risky(text) else text


def unquote(text: str) -> str:
    """Undo csv_safe's apostrophe on the way back in (an uploaded, corrected report)."""
    if isinstance(text, str) and text.startswith("'") and risky(text[1:]):
        return text[1:]
    return text


class Xlsx:
    """A streaming (write-only) workbook: constant memory however many rows."""

    def __init__(self):
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)
        self.ws = None

    def sheet(self, title: str, header: list[str] | None = None, widths: list[int] | None = None) -> "Xlsx":
        from openpyxl.utils import get_column_letter

        self.ws = self.wb.create_sheet(title[:31])
        for i, w in enumerate(widths or [], start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        if header:
            self.append(header, bold=True)
        return self

    def cell(self, value, *, bold: bool = False):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        value = plain(value)
        c = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # never "f": user text is never a formula
            if risky(value):
                c.quotePrefix = True
        elif isinstance(value, dt.datetime):
            c.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        if bold:
            c.font = Font(bold=True)
        return c

    def append(self, row: Iterable, *, bold: bool = False) -> None:
        self.ws.append([self.cell(v, bold=bold) for v in row])

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([csv_safe(h) for h in header])
    for row in rows:
        w.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def filename(label: str, ext: str, *, day: dt.date | None = None, suffix: str = "") -> str:
    """The one naming rule for downloads: 案件-2026-11-27.xlsx, 居民-2026-11-27.xlsx …"""
    day = day or timezone.localdate()
    parts = [label] + ([suffix] if suffix else []) + [day.isoformat() if isinstance(day, dt.date) else str(day)]
    return "-".join(parts) + "." + ext.lstrip(".")


def download(content: bytes, name: str, content_type: str | None = None) -> HttpResponse:
    """An attachment response; the Chinese name travels as RFC 6266 filename* (with an ASCII fallback)."""
    if content_type is None:
        content_type = {"xlsx": XLSX_TYPE, "csv": "text/csv; charset=utf-8"}.get(name.rsplit(".", 1)[-1],
                                                                                 "application/octet-stream")
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = content_disposition_header(True, name)
    resp["Cache-Control"] = "no-store"  # exports carry personal data, masked or not: no shared caches
    return resp
