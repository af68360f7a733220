"""Warning talks (约谈) raised by a published bulletin's satisfaction warnings, the list
supervisors work through, and recording that a talk was held (domain/warning_talks.py).

Decisions:

- Raised when a bulletin is published (or corrected): one talk per team and month, kept
  if another publication names the same warning again. The supervisors of the village's
  township up to the publishing area are told (a supervisors-only notification).
- A supervisor sees the talks of the villages in their jurisdiction and records any of
  them; the record is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import notices, reporting
from checkin.domain import warning_talks as rules
from checkin.models import Area, BulletinPublication, Team, User, WarningTalk
from checkin.platform import audit, clock
from checkin.scope import Scope

KIND = "bulletin.warning_talk"


def raise_for(session: Session, made: BulletinPublication, actor: User) -> list[WarningTalk]:
    """A talk for each row of the publication whose satisfaction warning stands."""
    rows = [r for r in made.content.get("rows", []) if rules.raises_talk(r)]
    if not rows:
        return []
    ids = [int(r["team_id"]) for r in rows]
    have = set(session.scalars(select(WarningTalk.team_id).where(
        WarningTalk.team_id.in_(ids), WarningTalk.month == made.month)))
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(ids)).options(
        selectinload(Team.unit), selectinload(Team.village)))}
    leaders = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        [t.leader_id for t in teams.values() if t.leader_id is not None])))}
    made_now = []
    for row in rows:
        team = teams.get(int(row["team_id"]))
        if team is None or team.id in have:
            continue
        leader = leaders.get(team.leader_id) if team.leader_id is not None else None
        share = row.get("satisfaction_share")
        if share is None:  # format 1: the part as published, 0-100
            share = (row.get("parts", {}).get("satisfaction") or 0.0) / 100
        talk = WarningTalk(
            team_id=team.id, village_id=team.village_id, month=made.month,
            publication_id=made.id, unit_id=team.unit_id,
            unit_name=team.unit.name if team.unit is not None else "",
            responsible_id=None if leader is None else leader.id,
            responsible_name="" if leader is None else leader.name,
            answers=int(row.get("satisfaction_answers", 0)), satisfaction=float(share),
            created_at=clock.now(), held_with="", note="")
        session.add(talk)
        session.flush()
        audit.record(session, actor_id=actor.id, action="warning_talk.raise",
                     entity="warning_talk", entity_id=talk.id,
                     after={"team_id": team.id, "month": made.month,
                            "publication_id": made.id})
        _tell(session, talk, team, made)
        made_now.append(talk)
    return made_now


def _tell(session: Session, talk: WarningTalk, team: Team, made: BulletinPublication) -> None:
    from checkin.services.notify import events, inbox

    area = session.get(Area, made.area_id)
    ids = notices.supervisors_up_to(events.chain_of(session, team.village_id),
                                    area.level if area is not None else "")
    people = list(session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    inbox.notify(session, people, KIND, f"{KIND}:{talk.id}", {
        "village": team.village.name, "month": talk.month,
        "share": round(talk.satisfaction * 100), "answers": talk.answers,
        "unit": talk.unit_name, "responsible": talk.responsible_name, "talk_id": talk.id})


def talks(session: Session, scope: Scope, *, open_only: bool) -> Sequence[WarningTalk]:
    stmt = (select(WarningTalk).where(WarningTalk.village_id.in_(scope.village_ids()))
            .options(selectinload(WarningTalk.village), selectinload(WarningTalk.team),
                     selectinload(WarningTalk.recorded_by))
            .order_by(WarningTalk.month.desc(), WarningTalk.id))
    if open_only:
        stmt = stmt.where(WarningTalk.held_on.is_(None))
    return session.scalars(stmt).all()


def of_month(session: Session, scope: Scope, month: str) -> dict[int, WarningTalk]:
    """The month's talks by team, in the viewer's jurisdiction."""
    return {t.team_id: t for t in session.scalars(select(WarningTalk).where(
        WarningTalk.month == month, WarningTalk.village_id.in_(scope.village_ids())))}


def talk_of(session: Session, scope: Scope, talk_id: int) -> WarningTalk | None:
    return session.scalars(select(WarningTalk).where(
        WarningTalk.id == talk_id, WarningTalk.village_id.in_(scope.village_ids()))).first()


def record(session: Session, user: User, talk: WarningTalk, held_on: date | None,
           held_with: str, note: str, today: date) -> WarningTalk:
    """Record that the talk was held: who took part, the day, a note. Audited."""
    first, _last = reporting.parse_month(talk.month)
    rules.check_record(held_on, held_with, note, first, today, talk.held_on is not None)
    before = _state(talk)
    talk.held_on, talk.held_with, talk.note = held_on, held_with.strip(), note.strip()
    talk.recorded_by_id, talk.recorded_at = user.id, clock.now()
    session.flush()
    audit.record(session, actor_id=user.id, action="warning_talk.record",
                 entity="warning_talk", entity_id=talk.id, before=before, after=_state(talk),
                 detail=_state(talk))
    return talk


def _state(talk: WarningTalk) -> dict[str, Any]:
    return {"held_on": None if talk.held_on is None else talk.held_on.isoformat(),
            "held_with": talk.held_with, "note": talk.note,
            "recorded_by_id": talk.recorded_by_id}


