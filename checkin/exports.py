"""Tables as the offices want them: .xlsx with a title row and frozen headers, and .csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, abort
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("xlsx", "csv")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
               fills: dict[str, str] | None = None) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "表1"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(headers)))
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    colours = {k: PatternFill("solid", fgColor=v) for k, v in (fills or {}).items()}
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
        if colours:
            for cell in sheet[sheet.max_row]:
                fill = colours.get(str(cell.value))
                if fill:
                    cell.fill = fill
    sheet.freeze_panes = "B3"
    for index, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(6, len(str(header)) * 2 + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def download(data: bytes, filename: str, kind: str) -> Response:
    mimetype = XLSX if kind == "xlsx" else "text/csv; charset=utf-8"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=export.{kind}; "
                               f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})


def export(kind: str, name: str, title: str, headers: Sequence[str],
           rows: Iterable[Sequence[Any]], fills: dict[str, str] | None = None) -> Response:
    """The table as a download named `name`.`kind`: .xlsx (cells coloured by `fills`) or
    .csv; any other kind is not found."""
    if kind not in KINDS:
        abort(404)
    data = (xlsx_table(title, headers, rows, fills) if kind == "xlsx"
            else csv_table(title, headers, rows))
    return download(data, f"{name}.{kind}", kind)
