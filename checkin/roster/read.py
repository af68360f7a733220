"""Reading a roster file (.xlsx or .csv) into rows by column key, refusing hostile files."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from checkin.domain.refusal import Refusal
from checkin.roster.problems import Problem, rejected
from checkin.roster.schema import SHEET_BY_NAME, SHEETS, SheetSpec

MAX_CELL_CHARS = 500
BOUNDARY_CELL_CHARS = 32_767  # a village's boundary (WKT or GeoJSON): an Excel cell's most
MAX_COLUMNS = 40
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_RATIO = 200  # xlsx XML compresses 5-20x; a bomb compresses thousands of times


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000


@dataclass
class RawSheet:
    spec: SheetSpec
    name: str  # as written in the file
    headers: dict[str, str]  # column key -> header as written
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> "A", "B", ...
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (letter, header) not ours
    missing: list[str] = field(default_factory=list)  # required column keys not in the file

    def letter(self, key: str) -> str | None:
        return self.letters.get(key)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: as Excel names its columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_rosters(files: Iterable[tuple[str, bytes]], limits: Limits
                 ) -> tuple[list[RawSheet], list[Problem]]:
    """Every file read, in one pass: the sheets that could be read and every problem found,
    a file that cannot be read at all named by its file name."""
    sheets: list[RawSheet] = []
    problems: list[Problem] = []
    for filename, data in files:
        try:
            found, trouble = _read_one(filename, data, limits)
        except Refusal as exc:
            problems += [p if p.sheet else Problem(p.code, sheet=filename, params=p.params)
                         for p in exc.problems]
            continue
        sheets += found
        problems += trouble
    return sheets, problems


def read_roster(filename: str, data: bytes, limits: Limits) -> list[RawSheet]:
    """One file's sheets, refused (every problem of the file at once) if any is wrong."""
    sheets, problems = _read_one(filename, data, limits)
    if problems:
        raise rejected(problems)
    return sheets


def _read_one(filename: str, data: bytes, limits: Limits
              ) -> tuple[list[RawSheet], list[Problem]]:
    if len(data) > limits.max_bytes:
        raise rejected([Problem("file_too_large",
                                      params={"limit_mb": limits.max_bytes // 2**20})])
    suffix = PurePath(filename).suffix.lower()
    problems: list[Problem] = []
    if suffix == ".xlsx":
        sheets = _read_xlsx(data, limits, problems)
    elif suffix == ".csv":
        sheets = [_read_csv(filename, data, limits, problems)]
    else:
        raise rejected([Problem("file_type")])
    if not sheets and not problems:
        raise rejected([Problem("no_sheets")])
    return sheets, problems


# xlsx ----------------------------------------------------------------------------------
def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise rejected([Problem("not_xlsx", params={"detail": "not a zip"})]) from exc
    with archive:
        infos = archive.infolist()
        # The declared sizes bound what zipfile will ever inflate, so checking them is enough.
        total = sum(info.file_size for info in infos)
        bomb = len(infos) > MAX_ZIP_ENTRIES or total > MAX_UNCOMPRESSED or any(
            info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            for info in infos
        )
    if bomb:
        raise rejected([Problem("zip_bomb")])


def _read_xlsx(data: bytes, limits: Limits, problems: list[Problem]) -> list[RawSheet]:
    import openpyxl

    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        detail = type(exc).__name__
        raise rejected([Problem("not_xlsx", params={"detail": detail})]) from exc
    sheets: list[RawSheet] = []
    try:
        for worksheet in book.worksheets:
            rows = worksheet.iter_rows(max_col=MAX_COLUMNS)
            sheet = _sheet_from_rows(worksheet.title, _xlsx_cells(rows), limits, problems,
                                     by_name=True)
            if sheet is not None:
                sheets.append(sheet)  # several sheets of one kind are merged by the import
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as exc:
        raise rejected([Problem("not_xlsx", params={"detail": type(exc).__name__})]) from exc
    finally:
        book.close()
    return sheets


def _xlsx_cells(rows: Iterable[Any]) -> Iterator[list[tuple[Any, bool]]]:
    for row in rows:
        yield [(cell.value, getattr(cell, "data_type", None) == "f") for cell in row]


# csv -----------------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise rejected([Problem("encoding")])


def _read_csv(filename: str, data: bytes, limits: Limits, problems: list[Problem]
              ) -> RawSheet:
    text = _decode(data)
    if "\x00" in text:
        raise rejected([Problem("encoding")])
    reader = csv.reader(io.StringIO(text, newline=""))
    name = PurePath(filename).stem
    cells = ([(value, value.startswith("=")) for value in row[:MAX_COLUMNS]] for row in reader)
    try:
        sheet = _sheet_from_rows(name, cells, limits, problems, by_name=False)
    except csv.Error as exc:
        raise rejected([Problem("csv_malformed", params={"detail": str(exc)})]) from exc
    if sheet is None:
        raise rejected([Problem("no_sheets")])
    return sheet


# both ----------------------------------------------------------------------------------
def _sheet_from_rows(
    name: str,
    rows: Iterator[list[tuple[Any, bool]]],
    limits: Limits,
    problems: list[Problem],
    *,
    by_name: bool,
) -> RawSheet | None:
    header_cells = next(rows, None)
    if header_cells is None:
        return None
    headers = [_text(value) for value, _ in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    spec = _spec_for_name(name) or (None if by_name else _spec_for_headers(headers))
    if spec is None:
        if by_name and not any(headers):
            return None
        expected = "、".join(f"{s.zh}/{s.key}" for s in SHEETS)
        problems.append(Problem("unknown_sheet", sheet=name,
                                params={"name": name, "expected": expected}))
        return None
    sheet = RawSheet(spec=spec, name=name, headers={})
    positions = _map_headers(sheet, headers, problems)
    for number, cells in enumerate(rows, start=2):
        if number - 1 > limits.max_rows:
            problems.append(Problem("too_many_rows", sheet=name, params={"limit": limits.max_rows}))
            break
        values = _row_values(sheet, number, cells, positions, problems)
        if values is not None:
            sheet.rows.append((number, values))
    return sheet


def _spec_for_name(name: str) -> SheetSpec | None:
    """农户, households, 农户2, 农户(二), 农户-1: a second sheet of a kind is named so."""
    name = unicodedata.normalize("NFKC", name).strip()
    return SHEET_BY_NAME.get(name) or SHEET_BY_NAME.get(
        re.sub(r"[\s_\-]*(\(?[0-9一二三四五六七八九十]+\)?)$", "", name))


def header_key(header: str) -> str:
    """A header compared as typed: full-width folded (NFKC), no spaces, no case."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", header)).lower()


def _spec_for_headers(headers: list[str]) -> SheetSpec | None:
    names = {header_key(h) for h in headers if h}
    best: tuple[int, SheetSpec] | None = None
    for spec in SHEETS:
        required = {header_key(c.zh) for c in spec.columns if c.required}
        required_en = {header_key(c.en) for c in spec.columns if c.required}
        if required <= names or required_en <= names:
            every = {header_key(c.zh) for c in spec.columns} | {header_key(c.en)
                                                                for c in spec.columns}
            overlap = len(names & every)
            if best is None or overlap > best[0]:
                best = (overlap, spec)
    return best[1] if best else None


def _map_headers(sheet: RawSheet, headers: list[str], problems: list[Problem]
                 ) -> dict[int, str]:
    """Which column holds what. A column that is not ours (序号, 备注) is ignored and noted;
    a missing required column is one problem and the sheet's rows are not imported."""
    by_header = {}
    for column in sheet.spec.columns:
        by_header[header_key(column.zh)] = column.key
        by_header[header_key(column.en)] = column.key
    positions: dict[int, str] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        key = by_header.get(header_key(header))
        if key is None or key in sheet.headers:
            sheet.ignored.append((column_letter(index), header[:40]))
            continue
        positions[index] = key
        sheet.headers[key] = header
        sheet.letters[key] = column_letter(index)
    for column in sheet.spec.columns:
        if column.required and column.key not in sheet.headers:
            problems.append(Problem("missing_header", sheet=sheet.name, row=1,
                                    params={"name": column.zh}))
            sheet.missing.append(column.key)
    return positions


def _row_values(sheet: RawSheet, number: int, cells: list[tuple[Any, bool]],
                positions: dict[int, str], problems: list[Problem]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for index, key in positions.items():
        if index >= len(cells):
            continue
        value, is_formula = cells[index]
        if is_formula:
            problems.append(Problem("formula", sheet=sheet.name, row=number,
                                    column=sheet.headers[key], letter=sheet.letter(key)))
            continue
        if isinstance(value, str):
            value = value.strip()
            limit = BOUNDARY_CELL_CHARS if sheet.spec.column(key).kind == "boundary" \
                else MAX_CELL_CHARS
            if len(value) > limit:
                problems.append(Problem("too_long", sheet=sheet.name, row=number,
                                        column=sheet.headers[key], letter=sheet.letter(key),
                                        params={"limit": limit}))
                continue
        values[key] = None if value == "" else value
    if all(v is None for v in values.values()):
        return None  # blank lines are skipped, as a person would expect
    return values


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
