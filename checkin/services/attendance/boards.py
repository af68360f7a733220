"""What supervisors look at: today's presence per village, the month grid, the year ledger."""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from checkin import maps
from checkin.domain import attendance, standing
from checkin.domain.policy import Policy
from checkin.models import Area, Checkin, Leave, User, Village
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.attendance import areas, ledger, opening
from checkin.services.attendance.leaves import span
from checkin.services.attendance.ledger import CadreRef


@dataclass
class PresenceRow:
    cadre: User
    status: str  # on_post, outside, on_leave, not_yet (the day still runs), not_seen
    last: Checkin | None = None
    leave: Leave | None = None


@dataclass
class VillageBoard:
    village: Village
    rows: list[PresenceRow] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


@dataclass(frozen=True)
class Filters:
    township_id: int | None = None
    village_id: int | None = None
    unit_id: int | None = None
    area_path: str | None = None  # an area of the scope, drilled down to (areas.place)
    query: str = ""  # in a cadre's name, username or code

    @property
    def narrowed(self) -> bool:
        """Whether the cadres are chosen by more than their area (a list, not a drill)."""
        return bool(self.village_id or self.unit_id or self.query)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"



def _cadres(session: Session, scope: Scope, filters: Filters) -> Select[Any]:
    """Active cadres of the scope chosen by `filters`, by village, leader first, name."""
    stmt = scope.users().where(User.role == "cadre", User.active.is_(True))
    if filters.area_path:
        low, high = filters.area_path, filters.area_path + "~"
        stmt = stmt.where(User.village_id.in_(select(Village.id).where(
            Village.area_path >= low, Village.area_path < high)))
    if filters.query:
        pattern = _like(filters.query)
        stmt = stmt.where(User.name.ilike(pattern, escape="\\")
                          | User.username.ilike(pattern, escape="\\")
                          | User.code.ilike(pattern, escape="\\"))
    if filters.village_id:
        stmt = stmt.where(User.village_id == filters.village_id)
    if filters.unit_id:
        stmt = stmt.where(User.unit_id == filters.unit_id)
    if filters.township_id:
        township = session.get(Area, filters.township_id)
        path = township.path if township else "/none/"
        stmt = stmt.where(User.village_id.in_(select(Village.id).where(
            Village.area_path >= path, Village.area_path < path + "~")))
    return stmt.order_by(User.village_id, User.is_leader.desc(), User.name, User.id)


def cadres_in(session: Session, scope: Scope, filters: Filters) -> list[User]:
    """Active cadres of the scope chosen by `filters`, by village, leader first, name, each
    with its village, team and unit (three statements, not a lazy load per cadre)."""
    cadres = list(session.scalars(_cadres(session, scope, filters)))
    areas.preload_people(session, cadres)
    return cadres


def cadre_refs(session: Session, scope: Scope, filters: Filters) -> list[CadreRef]:
    """The same cadres as light rows, for a page that reads them all and shows 100."""
    stmt = _cadres(session, scope, filters).with_only_columns(*(
        getattr(User, name) for name in CadreRef._fields))
    return [CadreRef(*row) for row in session.execute(stmt)]


@dataclass(frozen=True)
class Presence:
    """Whether each cadre is on post on a day, from light rows: (status, the id of the
    check-in a board shows) per cadre, and the counting leave of those on leave."""

    status: dict[int, tuple[str, str | None]]
    on_leave: dict[int, Leave]


def presence(session: Session, user_ids: list[int], day: date, today: date | None = None
             ) -> Presence:
    """Each cadre's presence on `day`; nothing at all is "not_seen" once the day has ended
    (`today` after it) and "not_yet" while it runs. Two statements, whatever the number
    of cadres: the check-ins are read as (cadre, id, counts) only."""
    nothing = "not_seen" if today is not None and attendance.day_has_ended(day, today) \
        else "not_yet"
    latest: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for user_id, checkin_id, counts in session.execute(
            _checkins_of(session, select(Checkin.user_id, Checkin.id,
                                         Checkin.counts_for_day), user_ids, day)):
        latest[user_id].append((checkin_id, counts))
    on_leave = {leave.user_id: leave for leave in session.scalars(select(Leave).where(
        among(session, Leave.user_id, user_ids), Leave.status.in_(("approved", "closed")),
        Leave.start_date <= day, Leave.end_date >= day)) if span(leave).effective_end >= day}
    status: dict[int, tuple[str, str | None]] = {}
    for user_id in user_ids:
        checkins = latest.get(user_id, [])
        counting = next((c for c, counts in checkins if counts), None)
        if counting is not None:
            status[user_id] = ("on_post", counting)
        elif user_id in on_leave:
            status[user_id] = ("on_leave", checkins[0][0] if checkins else None)
        elif checkins:
            status[user_id] = ("outside", checkins[0][0])
        else:
            status[user_id] = (nothing, None)
    return Presence(status, on_leave)


def today_board(session: Session, scope: Scope, day: date, filters: Filters,
                today: date | None = None, cadres: list[User] | None = None
                ) -> list[VillageBoard]:
    """Each cadre's presence on `day` (of `cadres`, by default those of the filters), by
    village, with the check-in each row shows (`presence` gives the rule)."""
    if cadres is None:
        cadres = cadres_in(session, scope, filters)
    ids = [c.id for c in cadres]
    villages = {v.id: v for v in session.scalars(select(Village).where(among(
        session, Village.id, sorted({c.village_id for c in cadres if c.village_id}))))}
    found = presence(session, ids, day, today)
    shown = {c.id: c for c in session.scalars(_checkins_of(session, select(Checkin), ids, day))}
    boards: dict[int, VillageBoard] = {}
    for cadre in cadres:
        board = boards.get(cadre.village_id or 0)
        if board is None:
            assert cadre.village_id is not None  # check constraint cadre_village
            board = boards[cadre.village_id] = VillageBoard(villages[cadre.village_id])
        status, checkin_id = found.status[cadre.id]
        board.rows.append(PresenceRow(cadre, status, shown.get(checkin_id or ""),
                                      found.on_leave.get(cadre.id)
                                      if status == "on_leave" else None))
    return list(boards.values())


def _checkins_of(session: Session, stmt: Any, user_ids: list[int], day: date) -> Any:
    """`stmt` over the cadres' check-ins of `day` (local), latest first.

    local_day is not indexed; a window of recorded_at around the day (wider than any
    time zone's offset) lets the (user_id, recorded_at) index find the few rows per cadre.
    """
    around = (datetime.combine(day - timedelta(days=2), time(), UTC),
              datetime.combine(day + timedelta(days=3), time(), UTC))
    return stmt.where(
        among(session, Checkin.user_id, user_ids),
        Checkin.recorded_at >= around[0], Checkin.recorded_at < around[1],
        Checkin.local_day == day,
    ).order_by(Checkin.recorded_at.desc())


@dataclass(frozen=True)
class _MonthBits:
    """One cadre's month as bits (bit d-1 for day d): days on post, the three kinds of
    counting leave, the days up to today, today's index, the days before go-live."""

    days: int
    official: int
    training: int
    other: int
    elapsed: int
    length: int
    today_index: int | None
    before: int
    made_up: frozenset[int]


@dataclass(frozen=True)
class GridRow(Generic[ledger.C]):
    """A cadre's month: the counts from bits, for every cadre of an area (a province's
    totals and sorts); the cells, a day each, made when a page or an export reads them."""

    cadre: ledger.C
    counts: dict[str, int]
    bits: _MonthBits

    @functools.cached_property
    def cells(self) -> tuple[str, ...]:
        return _cells(self.bits)


GRID_COUNTS = ("on_post", "official", "training", "leave", "absent", "pending")


def _cells(b: _MonthBits) -> tuple[str, ...]:
    """A cadre's month a day each, as attendance.classify_days gives it."""
    cells = tuple(
        "on_post" if b.days >> i & 1 else "official" if b.official >> i & 1
        else "training" if b.training >> i & 1 else "leave" if b.other >> i & 1
        else "absent" for i in range(b.elapsed)) + ("future",) * (b.length - b.elapsed)
    if b.today_index is not None and cells[b.today_index] == "absent":
        # the day still runs: not absent before it ends (attendance.day_has_ended)
        cells = (*cells[:b.today_index], "pending", *cells[b.today_index + 1:])
    before = min(b.before, len(cells))
    if before:
        cells = ("outside_term",) * before + cells[before:]
    # a day made by an approved make-up is on post, and shown as 补卡
    return tuple("makeup" if c == "on_post" and i in b.made_up else c
                 for i, c in enumerate(cells))


def _month_counts(b: _MonthBits) -> dict[str, int]:
    """The counts of the cells, from the bits: the same days, a popcount each."""
    live = (1 << b.elapsed) - 1 & ~((1 << min(b.before, b.length)) - 1)
    on_post = b.days & live
    official = b.official & ~b.days & live
    training = b.training & ~b.days & ~b.official & live
    other = b.other & ~b.days & ~b.official & ~b.training & live
    absent = live & ~(b.days | b.official | b.training | b.other)
    pending = 0
    if b.today_index is not None and absent >> b.today_index & 1:
        pending, absent = 1, absent & ~(1 << b.today_index)
    return {"on_post": on_post.bit_count(), "official": official.bit_count(),
            "training": training.bit_count(), "leave": other.bit_count(),
            "absent": absent.bit_count(), "pending": pending}


def month_grid(session: Session, cadres: Sequence[ledger.C], year: int, month: int,
               today: date) -> tuple[list[date], list[GridRow[ledger.C]]]:
    """Every cadre's month, classified as `attendance.classify_days` does, from bitmasks.

    One attendance_years row per cadre gives the month's days on post as an int; the
    counts are popcounts of it and of the leave's bits, and a row's cells are made only
    when read (a province's page shows 100 of 22,000).
    tests/domain/test_ledger_aggregate.py checks the cells against the domain function.
    """
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    ids = [c.id for c in cadres]
    masks = ledger.month_masks(session, ids, year, month)
    makeups = ledger.makeup_days(session, ids, first, last)
    leaves = ledger.leave_masks(session, ids, first, min(last, today))
    to_day = (month - 1) * ledger.MONTH_BITS  # slot layout of `year` -> bit d-1 for day d
    dates = [date(year, month, d) for d in range(1, last.day + 1)]
    elapsed = max(0, min(len(dates), (today - first).days + 1))  # days up to today
    today_index = (today - first).days if first <= today <= last else None
    # Before go-live (an opening balance of the year) a day has no records to show: the
    # balance stands for it, in the year ledger; the grid shows it outside the term.
    opened = {user_id: (held.go_live - first).days for user_id, held in
              opening.balances_of(session, ids, year).items() if held.go_live > first}
    month_bits = (1 << len(dates)) - 1
    rows = []
    for cadre in cadres:
        held = leaves.get(cadre.id)
        official, training, other = ((mask >> to_day) & month_bits for mask in held) \
            if held is not None else (0, 0, 0)
        made_up = makeups.get(cadre.id)
        bits = _MonthBits(masks.get(cadre.id, 0), official, training, other, elapsed,
                          len(dates), today_index, opened.get(cadre.id, 0),
                          frozenset((d - first).days for d in made_up) if made_up
                          else frozenset())
        rows.append(GridRow(cadre, _month_counts(bits), bits))
    return dates, rows


def year_rows(session: Session, cadres: Sequence[ledger.C], year: int, policy: Policy
              ) -> list[ledger.CadreLedger[ledger.C]]:
    return ledger.ledgers(session, cadres, year, policy)


def expected_by_today(rows: list[ledger.CadreLedger], year: int, today: date,
                      policy: Policy) -> dict[int, int]:
    """Per cadre: the days on post the year's target asks for by now, pro-rated to the
    term's days of the year so far (`standing.expected_so_far`, as the cadre's home shows
    it: today is owed once it ends, or once it counts); the whole target for a year that
    is over, 0 for one not begun. One value per distinct term."""
    asof = min(today, date(year, 12, 31))
    by_term: dict[tuple[date, date | None, bool], int] = {}
    out = {}
    for row in rows:
        start, end = row.term if row.term is not None else ledger.term_of(
            row.user, row.user.team, year)
        key = (start, end, bool(row.ledger.pending_days))
        if key not in by_term:
            by_term[key] = (0 if asof < date(year, 1, 1) else standing.expected_so_far(
                asof, year, start, end, policy, key[2]))
        out[row.user.id] = by_term[key]
    return out


def townships(session: Session, scope: Scope) -> list[Area]:
    return list(session.scalars(scope.areas().where(Area.level == "township")
                                .order_by(Area.code)))


def map_data(board: list[VillageBoard]) -> dict[str, list[dict[str, object]]]:
    """Fences and today's latest fixes, for the map on the page."""
    fences = [maps.fence_drawing(b.village) for b in board]
    marks = [{"lat": r.last.lat, "lon": r.last.lon, "ok": r.status == "on_post",
              "label": r.cadre.name} for b in board for r in b.rows if r.last is not None]
    return {"fences": fences, "marks": marks}
