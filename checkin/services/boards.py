"""What supervisors look at: today's presence per village, the month grid, the year ledger."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.models import Area, Checkin, Leave, User, Village
from checkin.scope import Scope
from checkin.services import ledger
from checkin.services.leaves import span


@dataclass
class PresenceRow:
    cadre: User
    status: str  # on_post, outside, on_leave, not_seen
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


def cadres_in(session: Session, scope: Scope, filters: Filters) -> list[User]:
    stmt = scope.users().where(User.role == "cadre", User.active.is_(True))
    if filters.village_id:
        stmt = stmt.where(User.village_id == filters.village_id)
    if filters.unit_id:
        stmt = stmt.where(User.unit_id == filters.unit_id)
    if filters.township_id:
        township = session.get(Area, filters.township_id)
        path = township.path if township else "/none/"
        stmt = stmt.where(User.village_id.in_(select(Village.id).where(
            Village.area_path >= path, Village.area_path < path + "~")))
    return list(session.scalars(stmt.order_by(User.village_id, User.is_leader.desc(),
                                              User.name)))


def today_board(session: Session, scope: Scope, day: date, filters: Filters
                ) -> list[VillageBoard]:
    cadres = cadres_in(session, scope, filters)
    ids = [c.id for c in cadres]
    latest = _latest_checkins(session, ids, day)
    on_leave = {leave.user_id: leave for leave in session.scalars(select(Leave).where(
        Leave.user_id.in_(ids), Leave.status.in_(("approved", "closed")),
        Leave.start_date <= day, Leave.end_date >= day)) if span(leave).effective_end >= day}
    boards: dict[int, VillageBoard] = {}
    for cadre in cadres:
        board = boards.setdefault(cadre.village_id or 0, VillageBoard(cadre.village))
        checkins = latest.get(cadre.id, [])
        counting = next((c for c in checkins if c.counts_for_day), None)
        if counting is not None:
            board.rows.append(PresenceRow(cadre, "on_post", counting))
        elif cadre.id in on_leave:
            board.rows.append(PresenceRow(cadre, "on_leave", checkins[0] if checkins else None,
                                          on_leave[cadre.id]))
        elif checkins:
            board.rows.append(PresenceRow(cadre, "outside", checkins[0]))
        else:
            board.rows.append(PresenceRow(cadre, "not_seen"))
    return list(boards.values())


def _latest_checkins(session: Session, user_ids: list[int], day: date
                     ) -> dict[int, list[Checkin]]:
    found: dict[int, list[Checkin]] = defaultdict(list)
    rows = session.scalars(select(Checkin).where(
        Checkin.user_id.in_(user_ids), Checkin.local_day == day
    ).order_by(Checkin.recorded_at.desc()))
    for row in rows:
        found[row.user_id].append(row)
    return found


@dataclass(frozen=True)
class GridRow:
    cadre: User
    cells: tuple[str, ...]
    counts: dict[str, int]


def month_grid(session: Session, cadres: list[User], year: int, month: int, today: date
               ) -> tuple[list[date], list[GridRow]]:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    ids = [c.id for c in cadres]
    days = ledger.days_on_post(session, ids, first, last)
    leaves = ledger.leaves_of(session, ids, first, last)
    dates = [date(year, month, d) for d in range(1, last.day + 1)]
    rows = []
    for cadre in cadres:
        classified = attendance.classify_days(days.get(cadre.id, set()),
                                              leaves.get(cadre.id, []), first, last, today)
        cells = tuple(classified[d] for d in dates)
        counts = {k: cells.count(k) for k in ("on_post", "official", "training", "leave",
                                               "absent")}
        rows.append(GridRow(cadre, cells, counts))
    return dates, rows


def year_rows(session: Session, cadres: list[User], year: int, policy: Policy
              ) -> list[ledger.CadreLedger]:
    return ledger.ledgers(session, cadres, year, policy)


def townships(session: Session, scope: Scope) -> list[Area]:
    return list(session.scalars(scope.areas().where(Area.level == "township")
                                .order_by(Area.code)))


def checkin_count(session: Session, scope: Scope, day: date) -> int:
    return session.scalar(select(func.count()).select_from(Checkin).where(
        Checkin.local_day == day, scope.owned_by_user(Checkin.user_id, Checkin.village_id))) or 0


def totals(board: list[VillageBoard]) -> dict[str, int]:
    counts = dict.fromkeys(("on_post", "outside", "on_leave", "not_seen"), 0)
    for village in board:
        for row in village.rows:
            counts[row.status] += 1
    return counts


def map_data(board: list[VillageBoard]) -> dict[str, list[dict[str, object]]]:
    """Fences and today's latest fixes, for the map on the page."""
    fences = [{"name": b.village.name, "lat": b.village.lat, "lon": b.village.lon,
               "radius_m": b.village.radius_m} for b in board]
    marks = [{"lat": r.last.lat, "lon": r.last.lon, "ok": r.status == "on_post",
              "label": r.cadre.name} for b in board for r in b.rows if r.last is not None]
    return {"fences": fences, "marks": marks}
