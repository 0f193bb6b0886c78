"""Every report table as CSV or XLSX (openpyxl). A table is (title, headers, rows)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value):
    """Cells starting with = + - @ are read as formulas by spreadsheets (CSV injection)."""
    if value is not None and not isinstance(value, int | float | str):
        value = str(value)  # lazy translations, dates
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def as_csv(headers: list[str], rows: list[list], filename: str) -> HttpResponse:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_safe(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    # A BOM so that Excel opens UTF-8 (Russian, Chinese) correctly.
    response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def as_xlsx(title: str, headers: list[str], rows: list[list], filename: str) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "report")[:31].replace("/", "-"))
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append([_safe(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
