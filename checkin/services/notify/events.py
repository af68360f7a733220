"""Events that notify: each finds its recipients and writes their notifications (and queued
deliveries) in the caller's transaction. Nothing here sends anything or waits on a network.
Every event has a key, so noticing it twice (a job run again) notifies once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.domain import notices
from checkin.domain.policy import Policy
from checkin.models import (
    Area,
    AttendanceCorrection,
    AttendanceDay,
    BulletinPublication,
    Leave,
    RosterImport,
    SpotcheckItem,
    SpotcheckResult,
    Team,
    User,
    Village,
)
from checkin.platform.among import among
from checkin.services.notify.inbox import Created, notify

# Leave that ended longer ago than this is not noticed any more (a first run on old data).
LOOKBACK_DAYS = 30


def chain_of(session: Session, village_id: int) -> list[notices.ChainLevel]:
    """The areas from the village up to the root, nearest first, with their supervisors."""
    village = session.get(Village, village_id)
    if village is None:
        return []
    ids = [int(part) for part in village.area_path.strip("/").split("/") if part]
    levels = dict(session.execute(select(Area.id, Area.level).where(Area.id.in_(ids))).all())
    supervisors: dict[int, list[int]] = defaultdict(list)
    for uid, area_id in session.execute(select(User.id, User.area_id).where(
            User.area_id.in_(ids), User.role == "supervisor", User.active.is_(True))
            .order_by(User.id)):
        supervisors[int(area_id or 0)].append(uid)
    return [notices.ChainLevel(levels.get(i, ""), tuple(supervisors[i])) for i in reversed(ids)]


class Chains:
    """Every area's level and active supervisors, loaded once: the chains of many villages
    (a digest, a bulletin) without a query per village."""

    def __init__(self, session: Session) -> None:
        self.levels: dict[int, str] = dict(session.execute(select(Area.id, Area.level)).all())
        self.supervisors: dict[int, list[int]] = defaultdict(list)
        for uid, area_id in session.execute(select(User.id, User.area_id).where(
                User.role == "supervisor", User.active.is_(True)).order_by(User.id)):
            self.supervisors[int(area_id or 0)].append(uid)

    def of_path(self, area_path: str) -> list[notices.ChainLevel]:
        return [notices.ChainLevel(self.levels.get(i, ""), tuple(self.supervisors.get(i, ())))
                for i in reversed(notices.ancestors(area_path))]


def _users(session: Session, ids: list[int]) -> list[User]:
    return list(session.scalars(select(User).where(User.id.in_(ids)))) if ids else []


def _leave_params(leave: Leave) -> dict[str, Any]:
    user = leave.user
    return {"cadre": user.name, "village": user.village.name if user.village else "",
            "start": leave.start_date.isoformat(), "end": leave.end_date.isoformat(),
            "days": (leave.end_date - leave.start_date).days + 1, "leave_id": leave.id}


def leave_asked(session: Session, leave: Leave) -> list[Created]:
    deciders = notices.deciders(leave.approver_level, chain_of(session, leave.village_id))
    return notify(session, _users(session, deciders), "leave.asked",
                  f"leave.asked:{leave.id}", _leave_params(leave))


def leave_decided(session: Session, leave: Leave) -> list[Created]:
    kind = "leave.approved" if leave.status == "approved" else "leave.rejected"
    return notify(session, [leave.user], kind, f"leave.decided:{leave.id}",
                  _leave_params(leave))


def leave_returns(session: Session, today: date, policy: Policy) -> int:
    """销假 due (to the cadre) and overdue (to the township) for approved, unclosed leave."""
    made = 0
    stmt = select(Leave).where(Leave.status == "approved", Leave.end_date < today,
                               Leave.end_date >= today - timedelta(days=LOOKBACK_DAYS))
    for leave in session.scalars(stmt):
        if notices.return_due(leave.status, leave.end_date, today):
            made += len(notify(session, [leave.user], "leave.return_due",
                               f"leave.return_due:{leave.id}", _leave_params(leave)))
        if notices.return_overdue(leave.status, leave.end_date, today,
                                  policy.return_overdue_after_days):
            township = notices.township_supervisors(chain_of(session, leave.village_id))
            made += len(notify(session, _users(session, township), "leave.return_overdue",
                               f"leave.return_overdue:{leave.id}", _leave_params(leave)))
    return made


def silent_cadres(session: Session, today: date, policy: Policy) -> int:
    """Cadres without a counted check-in for `policy.silent_days` days: their township is
    told once per silence (the key is the silence's first day)."""
    cadres = list(session.scalars(select(User).where(User.role == "cadre",
                                                     User.active.is_(True))))
    ids = [c.id for c in cadres]
    last = dict(session.execute(select(AttendanceDay.user_id, func.max(AttendanceDay.day))
                                .where(among(session, AttendanceDay.user_id, ids))
                                .group_by(AttendanceDay.user_id)).all())
    starts = dict(session.execute(select(User.id, Team.term_start).join(
        Team, User.team_id == Team.id).where(among(session, User.id, ids))).all())
    window = today - timedelta(days=policy.silent_days + LOOKBACK_DAYS)
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for uid, first, end in session.execute(select(Leave.user_id, Leave.start_date,
                                                  Leave.end_date).where(
            Leave.status.in_(("approved", "closed")), Leave.end_date >= window)):
        leave[uid].append((first, end))
    made = 0
    for cadre in cadres:
        since = max(starts.get(cadre.id) or cadre.created_at.date(), window)
        start = notices.silent_since(last.get(cadre.id), since, today, policy.silent_days,
                                     leave[cadre.id])
        if start is None or cadre.village_id is None:
            continue
        recipients = notices.township_supervisors(chain_of(session, cadre.village_id))
        params = {"cadre": cadre.name, "village": cadre.village.name if cadre.village else "",
                  "last": last[cadre.id].isoformat() if cadre.id in last else None,
                  "since": start.isoformat(), "user_id": cadre.id}
        made += len(notify(session, _users(session, recipients), "attendance.silent",
                           f"attendance.silent:{cadre.id}:{start.isoformat()}", params))
    return made


# Make-up requests (补卡) ------------------------------------------------------------------
def _makeup_params(correction: AttendanceCorrection) -> dict[str, Any]:
    user = correction.user
    return {"cadre": user.name, "village": user.village.name if user.village else "",
            "day": correction.day.isoformat(), "correction_id": correction.id}


def makeup_asked(session: Session, correction: AttendanceCorrection) -> list[Created]:
    deciders = notices.deciders(notices.MAKEUP_APPROVER_LEVEL,
                                chain_of(session, correction.village_id))
    return notify(session, _users(session, deciders), "correction.asked",
                  f"correction.asked:{correction.id}", _makeup_params(correction))


def makeup_decided(session: Session, correction: AttendanceCorrection, approve: bool
                   ) -> list[Created]:
    kind = "correction.approved" if approve else "correction.rejected"
    return notify(session, [correction.user], kind, f"correction.decided:{correction.id}",
                  _makeup_params(correction))


# Spot-check findings -----------------------------------------------------------------------
def finding(session: Session, item: SpotcheckItem, result: SpotcheckResult) -> list[Created]:
    """A serious finding goes to the county over the village (never to a cadre: the kind is
    supervisors-only). The sending unit is named for the county to pass it on."""
    cadre = item.user
    params = {"cadre": cadre.name, "village": item.village.name if item.village else "",
              "unit": cadre.unit.name if cadre.unit else "", "day": item.day.isoformat(),
              "check": item.kind, "item_id": item.id}
    county = notices.county_supervisors(chain_of(session, item.village_id))
    return notify(session, _users(session, county), "spotcheck.finding",
                  f"spotcheck.finding:{result.id}", params)


# Roster imports and bulletins --------------------------------------------------------------
def import_finished(session: Session, job: RosterImport) -> list[Created]:
    result = job.result or {}
    params = {"import_id": job.id, "status": job.status, "dry_run": job.dry_run,
              "created": sum((result.get("created") or {}).values()),
              "updated": sum((result.get("updated") or {}).values()),
              "problems": len(result.get("problems") or [])}
    return notify(session, _users(session, [job.actor_id]), "roster.import_finished",
                  f"roster.import_finished:{job.id}", params)


def bulletin_published(session: Session, made: BulletinPublication, area: Area,
                       corrected: bool) -> list[Created]:
    """The cadres of every village in the area: one INSERT for all of them."""
    low, high = area.path, area.path + "~"
    cadres = list(session.scalars(select(User).where(
        User.role == "cadre", User.active.is_(True),
        User.village_id.in_(select(Village.id).where(Village.area_path >= low,
                                                     Village.area_path < high)))))
    params = {"area": area.name, "month": made.month, "corrected": corrected,
              "publication_id": made.id}
    return notify(session, cadres, "bulletin.published", f"bulletin.published:{made.id}",
                  params)
