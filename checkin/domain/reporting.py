"""Periods of the team reports (周小结 by ISO week, 月报表 by month) and the attendance pace
of a month, the first part of the bulletin.

Decisions:

- A period is written "2026-W47" (ISO week, Monday to Sunday) or "2026-11" (month).
- A report may be finalised from the period's last working day on (Friday of the week, the
  last Monday-to-Friday day of the month): that is when teams write them up. Until then it
  is a draft whose figures follow the records.
- Attendance pace of a month: counted days (on post, and official business or training
  when the policy counts them) over the days the yearly target asks for in the part of the
  month that has passed inside the term: target x elapsed days / days of the year. Capped
  at 1: days beyond the pace do not buy off another part of the score. With no elapsed
  day in the term nothing was owed, and the pace is 1.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from checkin.domain.sampling import parse_iso_week

PeriodKind = Literal["weekly", "monthly"]

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class Period:
    """A report period: its label as written, its kind and its first and last day."""

    label: str
    kind: PeriodKind
    first: date
    last: date

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


def parse_month(text: str) -> tuple[date, date]:
    """First and last day of a month written "2026-11"; ValueError otherwise."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise ValueError(f"month must look like 2026-11, not {text!r}")
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """A period from "2026-W47" (weekly) or "2026-11" (monthly); ValueError otherwise."""
    if isinstance(text, str) and "-W" in text:
        first, last = parse_iso_week(text)
        return Period(text, "weekly", first, last)
    first, last = parse_month(text)
    return Period(text, "monthly", first, last)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def last_working_day(period: Period) -> date:
    day = period.last
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def may_finalise(period: Period, today: date) -> bool:
    """A report is written up from the period's last working day on."""
    return today >= last_working_day(period)


def elapsed_in_term(first: date, last: date, today: date, term_start: date,
                    term_end: date | None) -> tuple[date, date] | None:
    """The days of [first, last] that have passed (up to today) inside the term, or None."""
    start = max(first, term_start)
    end = min(last, today, term_end or last)
    return (start, end) if start <= end else None


def days_in_month_mask(mask: int, first_day: int, last_day: int) -> int:
    """Days set in a month's bitmask (bit d-1: day d) from day `first_day` to `last_day`."""
    width = last_day - first_day + 1
    return ((mask >> (first_day - 1)) & ((1 << width) - 1)).bit_count()


def expected_days(days: int, year: int, days_on_post_per_year: int) -> float:
    """Days on post the yearly target asks for over `days` days of `year`."""
    year_days = 366 if calendar.isleap(year) else 365
    return days_on_post_per_year * days / year_days


def attendance_pace(counted: int, expected: float) -> float:
    """Counted days over expected days, 0..1; 1 when nothing was expected yet."""
    if counted < 0 or expected < 0:
        raise ValueError("counted and expected must be >= 0")
    if expected == 0:
        return 1.0
    return min(1.0, counted / expected)
