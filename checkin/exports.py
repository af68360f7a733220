"""Tables as an office reads them in Excel: .xlsx and .csv, streamed.

The headers are row 1 (the table's title is the workbook's title property; the sheet is
named after the table), frozen with the first column and under an autofilter, so Excel's
sort and filter work at once. Cells keep their types: numbers as numbers, days and times
as real dates (shown as ``yyyy-mm-dd`` and ``yyyy-mm-dd hh:mm``), shares as percentages.
Column widths come from the headers and the first rows.

The workbook is written row by row (openpyxl's write-only mode) to a temporary file that is
then sent in pieces: time grows linearly with the rows and memory stays flat, whatever the
size (bench/exports.py). Rows may be any iterable, a streamed query included; none is
dropped.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence, Sized
from copy import copy
from datetime import date, datetime
from typing import IO, Any
from urllib.parse import quote

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from werkzeug.wsgi import wrap_file

from checkin import db
from checkin.i18n import current_lang
from checkin.platform import clock
from checkin.services import worker
from checkin.services.reporting import export_jobs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("xlsx", "csv")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows read ahead to size the columns (write-only sheets fix widths before the first row).
WIDTH_SAMPLE = 200
MAX_WIDTH = 50
SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
DAY_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"


class Percent(float):
    """A share from 0 to 1, shown as a percentage (a number in Excel, "34%" in a .csv)."""


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local_time(value: datetime) -> datetime:
    """A stored (UTC) time as the naive local time a spreadsheet shows."""
    return value.astimezone(clock.zone()).replace(tzinfo=None, microsecond=0)


def text_width(value: Any) -> int:
    """Columns a value needs: two for each wide (CJK) character."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, Percent):
        return 5
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def sheet_name(name: str) -> str:
    """Excel's rules for a sheet's name: at most 31 characters, none of []:*?/\\."""
    return name.translate(SHEET_NAME_FORBIDDEN)[:31] or "Sheet"


def xlsx_table(out: IO[bytes], name: str, title: str, headers: Sequence[str],
               rows: Iterable[Sequence[Any]], fills: dict[str, str] | None = None,
               progress: Callable[[int], None] | None = None) -> int:
    """Writes the table to `out`, telling `progress` the rows written so far after each;
    answers the number of rows written."""
    book = Workbook(write_only=True)
    book.properties.title = title
    sheet = book.create_sheet(sheet_name(name))
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for index, header in enumerate(headers, 1):
        widest = max([text_width(header), *(text_width(r[index - 1]) for r in sample
                                           if index <= len(r))])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, widest + 2)
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    centred = Alignment(horizontal="center")
    heading = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font, cell.alignment = bold, centred
        heading.append(cell)
    sheet.append(heading)
    colours = {k: PatternFill("solid", fgColor=v) for k, v in (fills or {}).items()}
    styles: dict[object, StyleArray] = {}
    count = 0
    for row in itertools.chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value, colours, styles) for value in row])
        count += 1
        if progress is not None:
            progress(count)
    last = get_column_letter(max(1, len(headers)))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    book.save(out)
    return count


def _styled(sheet: WriteOnlyWorksheet, value: Any, key: object,
            styles: dict[object, StyleArray], **style: Any) -> WriteOnlyCell:
    """A cell with a number format or a fill. Setting a style looks it up in the
    workbook's tables (hashing it) every time; a month grid sets 45,000 of them. The first
    cell of each kind does that, the others copy its style's indexes (bench/exports.py)."""
    cell = WriteOnlyCell(sheet, value)
    known = styles.get(key)
    if known is None:
        for name, given in style.items():
            setattr(cell, name, given)
        styles[key] = copy(cell._style)
    else:
        cell._style = copy(known)
    return cell


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, colours: dict[str, PatternFill],
               styles: dict[object, StyleArray]) -> Any:
    if isinstance(value, datetime):
        return _styled(sheet, local_time(value) if value.tzinfo else value, "time", styles,
                       number_format=TIME_FORMAT)
    if isinstance(value, date):
        return _styled(sheet, value, "day", styles, number_format=DAY_FORMAT)
    if isinstance(value, Percent):
        return _styled(sheet, float(value), "percent", styles, number_format="0%")
    fill = colours.get(value) if isinstance(value, str) else None
    if fill is not None:
        return _styled(sheet, value, ("fill", value), styles, fill=fill)
    return safe_cell(value)


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (local_time(value) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Percent):
        return f"{value * 100:.0f}%"
    return safe_cell(value)


def csv_table(out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]],
              progress: Callable[[int], None] | None = None) -> int:
    """Writes the table as UTF-8 with a BOM (which makes Excel read UTF-8); answers the
    number of rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        count += 1
        if progress is not None:
            progress(count)
    text.flush()
    text.detach()
    return count


def download(out: IO[bytes], filename: str, kind: str) -> Response:
    """The file `out` (written, any position) sent in pieces."""
    out.seek(0)
    mimetype = XLSX if kind == "xlsx" else "text/csv; charset=utf-8"
    return Response(wrap_file(request.environ, out), mimetype=mimetype,
                    direct_passthrough=True, headers={
                        "Content-Disposition": f"attachment; filename=export.{kind}; "
                                               f"filename*=UTF-8''{quote(filename)}",
                        "Cache-Control": "private, no-store"})


def export(kind: str, name: str, title: str, headers: Sequence[str],
           rows: Iterable[Sequence[Any]], fills: dict[str, str] | None = None) -> Response:
    """The table as a download named `name`.`kind`: .xlsx (cells whose text is a key of
    `fills` coloured so) or .csv; any other kind is not found.

    A table longer than EXPORT_INLINE_ROWS is not written in the request: it is queued
    as an export job (services/reporting/export_jobs) and the answer is the job's page,
    where the file is downloaded once the worker has written it."""
    if kind not in KINDS:
        abort(404)
    job = export_jobs.sink()
    if job is None:
        rows, longer = _read_ahead(rows, export_jobs.inline_rows())
        if longer:
            return _queued()
        out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
        progress = None
    else:
        out, total = job.out, len(rows) if isinstance(rows, Sized) else None
        progress = functools.partial(job.progress, total=total)
    if kind == "xlsx":
        count = xlsx_table(out, name, title, headers, rows, fills, progress)
    else:
        count = csv_table(out, headers, rows, progress)
    if job is not None:
        job.filename, job.kind, job.rows = f"{name}.{kind}", kind, count
        return Response(status=200)
    return download(out, f"{name}.{kind}", kind)


def _read_ahead(rows: Iterable[Sequence[Any]], limit: int
                ) -> tuple[Iterable[Sequence[Any]], bool]:
    """The rows (none lost) and whether there are more than `limit`: a list tells its
    length, a stream is read `limit + 1` rows ahead."""
    if isinstance(rows, Sized):
        return rows, len(rows) > limit
    stream = iter(rows)
    ahead = list(itertools.islice(stream, limit + 1))
    return itertools.chain(ahead, stream), len(ahead) > limit


def _queued() -> Response:
    """Queue the request's export as a job and answer its page."""
    job = export_jobs.enqueue(db.session(), current_user.id, request.full_path,
                              current_lang())
    worker.ensure_worker()  # it claims the job once this request commits
    return redirect(url_for("export_jobs.show", job_id=job.id), 303,
                    Response)  # type: ignore[return-value]
