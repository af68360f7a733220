"""Digests: one message per person for a day's or a week's worth of news, not one per
item: the helpers' newly overdue households, and each supervisor's daily and weekly digest
of their jurisdiction (who was not on post, what waits for their decision, new findings).

At county size (1,500 cadres) the supervisors' digests read every cadre once, through the
supervisors' own boards (boards.today_board, boards.month_grid) and the spot-check results'
list, and count each into the areas above its village; each supervisor then reads their
area's tally: a few queries in all, none per cadre or per supervisor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import notices
from checkin.domain.policy import Policy
from checkin.domain.reporting import week_of
from checkin.models import AttendanceCorrection, CorrectionDecision, Leave, User, Village
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.attendance import boards
from checkin.services.notify.events import Chains
from checkin.services.notify.inbox import notify
from checkin.services.spotchecks import results
from checkin.services.visits.households import household_rows

MOST_NAMES = 10
EVERYTHING = Scope(role="admin", user_id=None)


def overdue_households(session: Session, today: date, policy: Policy) -> int:
    """To each helper: the households of theirs that fell overdue in the last week, one
    message per helper and week."""
    everything = EVERYTHING
    week = week_of(today)
    made = 0
    for village_id in session.scalars(select(Village.id).order_by(Village.id)):
        newly: dict[int, list[str]] = defaultdict(list)
        for row in household_rows(session, everything, today, policy, village_id=village_id,
                                  limit=100_000):
            if notices.newly_overdue(row.due.next_deadline, row.due.state, today):
                newly[row.household.helper_id].append(row.household.head_name)
        helpers = {u.id: u for u in session.scalars(select(User).where(User.id.in_(newly)))}
        for helper_id, names in sorted(newly.items()):
            if helper_id not in helpers:
                continue
            params = {"count": len(names), "names": sorted(names)[:MOST_NAMES],
                      "week": week}
            made += len(notify(session, [helpers[helper_id]], "digest.overdue_households",
                               f"digest.overdue_households:{helper_id}:{week}", params))
    return made


# Supervisors' digests --------------------------------------------------------------------
@dataclass
class Tally:
    """What one area (and everything below it) holds for a digest."""

    # cadre id: (name, days not on post; 1 for today's board)
    absent: dict[int, tuple[str, int]] = field(default_factory=dict)
    findings: int = 0

    def names(self) -> list[str]:
        worst = sorted(self.absent.values(), key=lambda pair: (-pair[1], pair[0]))
        return [name for name, _days in worst[:MOST_NAMES]]


@dataclass
class Waiting:
    leave: int = 0
    makeup: int = 0


def _absent_from_board(session: Session, today: date) -> dict[int, Tally]:
    """Today's board of every cadre (the supervisors' own page, boards.today_board), each
    cadre not on post counted into every area above their village."""
    tallies: dict[int, Tally] = defaultdict(Tally)
    for board in boards.today_board(session, EVERYTHING, today, boards.Filters()):
        gone = {row.cadre.id: (row.cadre.name, 1) for row in board.rows
                if notices.not_on_post(row.status)}
        for area_id in notices.ancestors(board.village.area_path) if gone else ():
            tallies[area_id].absent.update(gone)
    return tallies


def _absent_in_week(session: Session, first: date, last: date) -> dict[int, Tally]:
    """Days neither on post nor on leave from `first` to `last`, per cadre, from the month
    grids (boards.month_grid: a few aggregate queries per month for every cadre)."""
    cadres = boards.cadres_in(session, EVERYTHING, boards.Filters())
    absent: dict[int, int] = defaultdict(int)
    for year, month in sorted({(first.year, first.month), (last.year, last.month)}):
        dates, rows = boards.month_grid(session, cadres, year, month, last)
        inside = [i for i, d in enumerate(dates) if first <= d <= last]
        for row in rows:
            absent[row.cadre.id] += notices.absent_days(row.cells[i] for i in inside)
    tallies: dict[int, Tally] = defaultdict(Tally)
    for cadre in cadres:
        if absent[cadre.id] and cadre.village is not None:
            for area_id in notices.ancestors(cadre.village.area_path):
                tallies[area_id].absent[cadre.id] = (cadre.name, absent[cadre.id])
    return tallies


def _waiting(session: Session, chains: Chains) -> dict[int, Waiting]:
    """Pending leave and make-ups, per supervisor who decides them (the events' rule)."""
    waiting: dict[int, Waiting] = defaultdict(Waiting)
    for level, path in session.execute(
            select(Leave.approver_level, Village.area_path)
            .join(Village, Village.id == Leave.village_id).where(Leave.status == "pending")):
        for uid in notices.deciders(level, chains.of_path(path)):
            waiting[uid].leave += 1
    for (path,) in session.execute(
            select(Village.area_path).select_from(AttendanceCorrection)
            .join(Village, Village.id == AttendanceCorrection.village_id)
            .outerjoin(CorrectionDecision,
                       CorrectionDecision.correction_id == AttendanceCorrection.id)
            .where(CorrectionDecision.correction_id.is_(None))):
        for uid in notices.deciders(notices.MAKEUP_APPROVER_LEVEL, chains.of_path(path)):
            waiting[uid].makeup += 1
    return waiting


def _findings(session: Session, tallies: dict[int, Tally], since: datetime, today: date
              ) -> None:
    """Serious findings recorded since `since` (the results' own list, judged), into every
    area above their village."""
    first = clock.local_day(since)
    for judged in results.serious_findings(session, EVERYTHING, first, today):
        if judged.result.recorded_at >= since:
            for area_id in notices.ancestors(judged.item.village.area_path):
                tallies[area_id].findings += 1


def supervisor_digests(session: Session, kind: str, period: str, tallies: dict[int, Tally],
                       params: Mapping[str, Any]) -> int:
    """One message per supervisor and period (the key), of their jurisdiction's tally."""
    chains = Chains(session)
    waiting = _waiting(session, chains)
    made = 0
    for supervisor in session.scalars(select(User).where(
            User.role == "supervisor", User.active.is_(True)).order_by(User.id)):
        tally = tallies.get(supervisor.area_id or 0, Tally())
        mine = waiting.get(supervisor.id, Waiting())
        if not notices.digest_worth_sending(len(tally.absent), mine.leave + mine.makeup,
                                            tally.findings):
            continue
        made += len(notify(session, [supervisor], kind, f"{kind}:{supervisor.id}:{period}", {
            **params, "absent": len(tally.absent), "names": tally.names(),
            "leave": mine.leave, "makeup": mine.makeup, "findings": tally.findings}))
    return made


def supervisor_daily(session: Session, today: date) -> int:
    tallies = _absent_from_board(session, today)
    _findings(session, tallies, clock.now() - timedelta(days=1), today)
    return supervisor_digests(session, "digest.supervisor_daily", today.isoformat(),
                              tallies, {"day": today.isoformat()})


def supervisor_weekly(session: Session, today: date) -> int:
    """The seven days before today: days not on post, what waits now, the week's findings."""
    first, last = today - timedelta(days=7), today - timedelta(days=1)
    tallies = _absent_in_week(session, first, last)
    _findings(session, tallies, clock.now() - timedelta(days=7), today)
    return supervisor_digests(session, "digest.supervisor_weekly", week_of(today), tallies,
                              {"first": first.isoformat(), "last": last.isoformat()})
