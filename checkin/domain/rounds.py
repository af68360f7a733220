"""Duties over several villages (巡村, seed 003): who met their cadence.

- A 党建特派员 (envoy) visits each of their villages at least `envoy_visits_per_week`
  times an ISO week (Monday to Sunday).
- A 管区书记 (district secretary) is on site one fixed weekday every week (a counting
  check-in in any village of the district on that weekday) and visits every village of the
  district at least `district_visits_per_month` times a calendar month.

A visit is a counting round check-in (inside the village's fence, accurate, not flagged as
the resident cadres' check-ins are judged: geofence.evaluate_checkin). Periods are judged
whole: a week or a month is *due* only when the duty is in force on every one of its days.
A period the duty covers in part (the duty began or ended inside it) is *partial*: never
missed, met if the visits were made. The period holding today is *open* until it ends:
nobody is behind for a week that still has days left.

A month's report holds the ISO weeks whose Thursday falls in the month (the ISO rule), so
each week is counted in exactly one month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("envoy", "district_secretary")
WEEK_STATES = ("met", "missed", "open", "partial", "not_in_force")


@dataclass(frozen=True)
class Term:
    """The days a duty is in force: `start` to `end` inclusive (None: still in force)."""

    start: date
    end: date | None = None

    def covers(self, first: date, last: date) -> bool:
        return self.start <= first and (self.end is None or last <= self.end)

    def touches(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or first <= self.end)

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Visit:
    village_id: int
    day: date


@dataclass(frozen=True)
class WeekMark:
    monday: date
    state: str  # one of WEEK_STATES
    visits: int

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class VillageMonth:
    """One village of a duty over one month."""

    village_id: int
    weeks: tuple[WeekMark, ...]  # the envoy's weekly visits; () for a district secretary
    visits: int
    month_state: str  # the district secretary's monthly visit; "" for an envoy
    last_visit: date | None

    @property
    def missed(self) -> int:
        return sum(1 for w in self.weeks if w.state == "missed") + (
            1 if self.month_state == "missed" else 0)


@dataclass(frozen=True)
class DutyMonth:
    kind: str
    villages: tuple[VillageMonth, ...]
    fixed_days: tuple[WeekMark, ...]  # the district secretary's fixed weekday; () for an envoy

    @property
    def missed(self) -> int:
        return sum(v.missed for v in self.villages) + sum(
            1 for w in self.fixed_days if w.state == "missed")

    @property
    def due(self) -> int:
        """Periods that were due and have ended (met or missed)."""
        marks = [w for v in self.villages for w in v.weeks] + list(self.fixed_days)
        months = [v.month_state for v in self.villages if v.month_state]
        return (sum(1 for w in marks if w.state in ("met", "missed"))
                + sum(1 for m in months if m in ("met", "missed")))

    @property
    def met(self) -> int:
        marks = [w for v in self.villages for w in v.weeks] + list(self.fixed_days)
        return (sum(1 for w in marks if w.state == "met")
                + sum(1 for v in self.villages if v.month_state == "met"))

    @property
    def state(self) -> str:
        """behind (something due was missed), on_track (nothing missed), none (nothing due
        yet and nothing met)."""
        if self.missed:
            return "behind"
        return "on_track" if self.due or self.met else "none"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def weeks_of_month(year: int, month: int) -> list[date]:
    """The Mondays of the ISO weeks whose Thursday falls in the month."""
    first, last = month_bounds(year, month)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    out = []
    while thursday <= last:
        out.append(thursday - timedelta(days=3))
        thursday += timedelta(days=7)
    return out


def report_span(year: int, month: int) -> tuple[date, date]:
    """The days a month's report looks at: its weeks and its calendar days."""
    first, last = month_bounds(year, month)
    mondays = weeks_of_month(year, month)
    return min(first, mondays[0]), max(last, mondays[-1] + timedelta(days=6))


def judge(first: date, last: date, term: Term, today: date, met: bool) -> str:
    """The state of one period [first, last] for a duty in force over `term`."""
    if not term.touches(first, last):
        return "not_in_force"
    if met:
        return "met"
    if last >= today:
        return "open"
    return "missed" if term.covers(first, last) else "partial"


def _weeks(days: Sequence[date], mondays: Sequence[date], term: Term, today: date,
           needed: int) -> tuple[WeekMark, ...]:
    out = []
    for monday in mondays:
        sunday = monday + timedelta(days=6)
        n = sum(1 for d in days if monday <= d <= sunday)
        out.append(WeekMark(monday, judge(monday, sunday, term, today, n >= needed), n))
    return tuple(out)


def duty_month(kind: str, villages: Sequence[int], term: Term, year: int, month: int,
               visits: Iterable[Visit], today: date, *, weekday: int | None = None,
               envoy_per_week: int = 1, district_per_month: int = 1) -> DutyMonth:
    """How a duty over `villages` stood in a month, from its counting visits (those
    outside the term are not the duty's and are ignored)."""
    if kind not in KINDS:
        raise ValueError(kind)
    first, last = month_bounds(year, month)
    mondays = weeks_of_month(year, month)
    by_village: dict[int, list[date]] = {v: [] for v in villages}
    for visit in visits:
        if visit.village_id in by_village and term.holds(visit.day):
            by_village[visit.village_id].append(visit.day)
    rows = []
    for village_id in villages:
        days = sorted(by_village[village_id])
        in_month = [d for d in days if first <= d <= last]
        if kind == "envoy":
            weeks = _weeks(days, mondays, term, today, envoy_per_week)
            state = ""
            shown = sum(w.visits for w in weeks)
        else:
            weeks = ()
            state = judge(first, last, term, today, len(in_month) >= district_per_month)
            shown = len(in_month)
        rows.append(VillageMonth(village_id, weeks, shown, state, days[-1] if days else None))
    fixed: tuple[WeekMark, ...] = ()
    if kind == "district_secretary" and weekday is not None:
        on_day = [d for ds in by_village.values() for d in set(ds) if d.weekday() == weekday]
        fixed = _weeks(on_day, mondays, term, today, 1)
    return DutyMonth(kind, tuple(rows), fixed)


def check_villages(kind: str, townships: Sequence[int], counties: Sequence[int]) -> str | None:
    """Why a set of villages cannot be one duty, or None. `townships` and `counties` are
    the area ids of each chosen village. A district (管区) is part of one township; an envoy
    is sent by one county."""
    if not townships:
        return "round_no_villages"
    if kind == "district_secretary" and len(set(townships)) > 1:
        return "round_district_one_township"
    if len(set(counties)) > 1:
        return "round_one_county"
    return None
