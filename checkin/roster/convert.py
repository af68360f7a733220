"""Turning cells into typed values, with a Problem for each one that cannot be.

Cells are read as an office types them: numbers, codes, phones and dates with full-width
digits and punctuation folded (NFKC), dates as Excel serial numbers or 2026/1/1, 2026-1-1,
2026.1.1, 2026年1月1日, phones with spaces, dashes or +86 stored in one form. Names and
addresses are kept as written."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from checkin.roster.problems import Problem
from checkin.roster.read import RawSheet
from checkin.roster.schema import EXAMPLE_MARK, Column

TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "×"}
USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Excel's 1900 leap day)
MAX_SERIAL = 109_574  # 2199-12-31
DATE_TEXT = re.compile(r"^(\d{4})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})\s*日?"
                       r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―~·.()]+")
PHONE = re.compile(r"^\+?\d[\d-]{4,24}$")


class CellError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def fold(value: Any) -> Any:
    """Full-width digits, letters and punctuation as their ASCII forms; other values as they are."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def convert(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "float":
        return _number(value)
    if column.kind == "date":
        return _date(value)
    if column.kind == "bool":
        return _bool(value)
    if column.kind == "choice":
        return _choice(column, value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in Excel comes back as 340828.0
    if column.kind == "code":
        return fold(str(value)) or None
    if column.kind == "phone":
        return phone(str(value))
    return str(value).strip()


def typed_rows(sheet: RawSheet, problems: list[Problem],
               broken: set[str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Every row with its values converted; bad cells become problems and the row is dropped
    (its code, when readable, goes into `broken`, so what refers to it is not reported too).
    A row holds a key only for the columns its sheet has (None for an empty cell)."""
    out: list[tuple[int, dict[str, Any]]] = []
    first = sheet.spec.columns[0]
    for number, raw in sheet.rows:
        if str(raw.get(first.key) or "").strip().startswith(EXAMPLE_MARK):
            # The template's example (fictional codes): one problem, nothing more from it.
            problems.append(Problem("example_row", sheet=sheet.name, row=number,
                                    column=sheet.headers.get(first.key),
                                    letter=sheet.letter(first.key)))
            continue
        row: dict[str, Any] = {}
        ok = not sheet.missing
        for column in sheet.spec.columns:
            if column.key not in sheet.headers:
                continue  # an absent column is not an empty one: the row says nothing of it
            header = sheet.headers[column.key]
            try:
                value = convert(column, raw.get(column.key))
            except CellError as exc:
                problems.append(Problem(exc.code, sheet=sheet.name, row=number, column=header,
                                        letter=sheet.letter(column.key), params=exc.params))
                ok = False
                continue
            if value is None and column.required:
                problems.append(Problem("required", sheet=sheet.name, row=number, column=header,
                                        letter=sheet.letter(column.key)))
                ok = False
            row[column.key] = value
        if ok:
            out.append((number, row))
        elif broken is not None and row.get(first.key) is not None:
            broken.add(row[first.key])
    return out


def phone(text: str) -> str | None:
    """A phone in one form: a mobile as its 11 digits (no +86, spaces or dashes); a landline
    with its area code as 0556-8123456."""
    text = fold(text)
    if not text:
        return None
    digits = PHONE_SEPARATORS.sub("", text)
    for prefix in ("+86", "0086", "86"):
        rest = digits.removeprefix(prefix)
        if rest != digits and len(rest) == 11 and rest.startswith("1"):
            digits = rest
    if digits.isdigit() and len(digits) == 11 and digits.startswith("1"):
        return digits
    landline = PHONE_SEPARATORS.sub("-", text).strip("-")
    if not PHONE.match(landline):
        raise CellError("not_phone", value=text[:40])
    return landline


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("not_number", value=value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = fold(str(value)).replace(" ", "")
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError as exc:
            raise CellError("not_number", value=str(value)[:40]) from exc
    if not math.isfinite(number):
        raise CellError("not_number", value=str(value)[:40])
    return number


def _serial(number: float) -> date:
    if not 1 <= number <= MAX_SERIAL or not float(number).is_integer():
        raise CellError("not_date", value=str(number)[:40])
    return EXCEL_EPOCH + timedelta(days=int(number))


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)  # a date cell read as a number: Excel's serial day
    text = fold(str(value))
    try:
        if text.isdigit() and len(text) <= 6:
            return _serial(int(text))
        if text.isdigit() and len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        match = DATE_TEXT.match(text)
        if match:
            return date(*(int(part) for part in match.groups()))
    except ValueError as exc:  # 2026-2-30
        raise CellError("not_date", value=str(value)[:40]) from exc
    raise CellError("not_date", value=str(value)[:40])


def _bool(value: Any) -> bool:
    text = fold(str(value)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError("not_bool", value=str(value)[:40])


def _fold(text: str) -> str:
    """A choice as typed, compared without width, case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_-]", "", fold(text)).lower()


def _choice(column: Column, value: Any) -> str:
    text = str(value).strip()
    for stored, word in column.choices:
        if _fold(text) in (_fold(stored), _fold(word)):
            return stored
    words = "、".join(dict.fromkeys(word for _, word in column.choices))
    raise CellError("not_choice", value=text[:40], choices=words)
