"""Turning cells into typed values, with a Problem for each one that cannot be."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from checkin.roster.problems import Problem
from checkin.roster.read import RawSheet
from checkin.roster.schema import EXAMPLE_MARK, Column

TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,64}$")


class CellError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


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
    return str(value).strip()


def typed_rows(sheet: RawSheet, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """Every row with its values converted; bad cells become problems and the row is dropped.
    A row holds a key only for the columns its sheet has (None for an empty cell)."""
    out: list[tuple[int, dict[str, Any]]] = []
    first = sheet.spec.columns[0].key
    for number, raw in sheet.rows:
        if str(raw.get(first) or "").strip().startswith(EXAMPLE_MARK):
            # The template's example (fictional codes): one problem, nothing more from it.
            problems.append(Problem("example_row", sheet=sheet.name, row=number,
                                    column=sheet.headers.get(first)))
            continue
        row: dict[str, Any] = {}
        ok = True
        for column in sheet.spec.columns:
            if column.key not in sheet.headers:
                continue  # an absent column is not an empty one: the row says nothing of it
            header = sheet.headers[column.key]
            try:
                value = convert(column, raw.get(column.key))
            except CellError as exc:
                problems.append(Problem(exc.code, sheet=sheet.name, row=number, column=header,
                                        params=exc.params))
                ok = False
                continue
            if value is None and column.required:
                problems.append(Problem("required", sheet=sheet.name, row=number, column=header))
                ok = False
            row[column.key] = value
        if ok:
            out.append((number, row))
    return out


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("not_number", value=value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError as exc:
            raise CellError("not_number", value=str(value)[:40]) from exc
    if not math.isfinite(number):
        raise CellError("not_number", value=str(value)[:40])
    return number


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CellError("not_date", value=str(value)[:40]) from exc


def _bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError("not_bool", value=str(value)[:40])


def _fold(text: str) -> str:
    """A choice as typed, compared without case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_-]", "", text).lower()


def _choice(column: Column, value: Any) -> str:
    text = str(value).strip()
    for stored, word in column.choices:
        if _fold(text) in (_fold(stored), _fold(word)):
            return stored
    words = "、".join(dict.fromkeys(word for _, word in column.choices))
    raise CellError("not_choice", value=text[:40], choices=words)
