"""The month or year a page shows, from its query argument: the picker's values (the
period, the one before, the one after unless that is still to come) and, for a value that
is not a period, the text to tell the reader so (the page then shows the current one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import request

from checkin.domain import reporting

# The periods a page can show; outside them a value is as wrong as "2026-13".
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """What the picker macro (templates/macros.html, period_picker) needs."""

    kind: str  # "month" or "year": the input's type and the query argument's meaning
    name: str  # the query argument
    value: str  # "2026-11" or "2026"; "" for an optional period not chosen
    previous: str | None
    following: str | None  # None: the next period has not begun
    bad: str | None = None  # the value given that is not a period, cut short
    latest: str = ""  # the current period: the field offers nothing after it

    @property
    def year(self) -> int:
        return int(self.value[:4])

    @property
    def month(self) -> int:
        return int(self.value[5:7])


def parse_month(raw: str) -> tuple[int, int] | None:
    """(year, month) of "YYYY-MM" in the years a page shows, else None."""
    parts = raw.strip().split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts) \
            or len(parts[0]) != 4 or len(parts[1]) not in (1, 2):
        return None
    year, month = int(parts[0]), int(parts[1])
    if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
        return year, month
    return None


def parse_year(raw: str) -> int | None:
    raw = raw.strip()
    if len(raw) == 4 and raw.isascii() and raw.isdigit() \
            and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return None


def month_period(year: int, month: int, today: date, name: str = "month",
                 bad: str | None = None) -> Period:
    before = (year - 1, 12) if month == 1 else (year, month - 1)
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return Period("month", name, f"{year:04d}-{month:02d}",
                  f"{before[0]:04d}-{before[1]:02d}" if before[0] >= FIRST_YEAR else None,
                  f"{after[0]:04d}-{after[1]:02d}"
                  if after <= (today.year, today.month) else None, bad,
                  f"{today.year:04d}-{today.month:02d}")


def year_period(year: int, today: date, name: str = "year", bad: str | None = None
                ) -> Period:
    return Period("year", name, f"{year:04d}",
                  f"{year - 1:04d}" if year > FIRST_YEAR else None,
                  f"{year + 1:04d}" if year < today.year else None, bad, f"{today.year:04d}")


def _bad(raw: str) -> str | None:
    return raw[:20] if raw else None


def month_arg(today: date, name: str = "month") -> Period:
    """The month asked for; the current one when none or a bad one is asked for."""
    raw = request.args.get(name, "")
    found = parse_month(raw)
    if found is None:
        return month_period(today.year, today.month, today, name, _bad(raw))
    return month_period(*found, today, name)


def optional_month_arg(today: date, name: str = "month") -> Period:
    """A month filter that may be left empty (every month)."""
    raw = request.args.get(name, "")
    found = parse_month(raw)
    if found is None:
        return Period("month", name, "", None, None, _bad(raw),
                      f"{today.year:04d}-{today.month:02d}")
    return month_period(*found, today, name)


def year_arg(today: date, name: str = "year") -> Period:
    raw = request.args.get(name, "")
    found = parse_year(raw)
    if found is None:
        return year_period(today.year, today, name, _bad(raw))
    return year_period(found, today, name)


def report_steps(shown: reporting.Period, today: date) -> tuple[str, str | None]:
    """The team report period before and after `shown`, of the same kind (a week or a
    month); no next one before it has begun."""
    if shown.kind == "weekly":
        before = reporting.week_of(shown.first - date.resolution)
        after = reporting.week_of(shown.last + date.resolution)
    else:
        before = reporting.month_of(shown.first - date.resolution)
        after = reporting.month_of(shown.last + date.resolution)
    return before, after if shown.last < today else None
