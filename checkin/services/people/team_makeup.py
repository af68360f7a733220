"""The make-up of the teams in a jurisdiction, against seed 002's rule (3 people: a first
secretary and a member from the sending unit, a member from the township): the warnings
of domain/team_makeup.py with each team's village and members, from light rows for all the
teams and objects for the page shown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import team_makeup
from checkin.models import Team, User
from checkin.platform.among import among
from checkin.scope import Scope


@dataclass(frozen=True)
class TeamLine:
    team: Team
    members: list[User]
    warnings: list[team_makeup.MakeupWarning]


Flagged = tuple[int, list[team_makeup.MakeupWarning]]


def _members(session: Session, team_ids: list[int]) -> Select[Any]:
    """The active cadres of the teams, first secretaries first, then by name."""
    return (select(User).where(among(session, User.team_id, team_ids), User.role == "cadre",
                               User.active.is_(True))
            .order_by(User.is_leader.desc(), User.name))


def flagged_teams(session: Session, scope: Scope) -> list[Flagged]:
    """Every team of the scope that draws a warning, by village: (team id, its warnings),
    from light rows (a province's 7,000 teams and 22,000 cadres as objects took a second)."""
    teams = session.execute(scope.teams().with_only_columns(Team.id, Team.village_id)
                            .order_by(Team.village_id, Team.code)).all()
    members: dict[int, list[team_makeup.Member]] = defaultdict(list)
    ids = [team_id for team_id, _village in teams]
    if ids:
        light = _members(session, ids).with_only_columns(User.id, User.team_id,
                                                          User.is_leader, User.team_role)
        for user_id, team_id, leader, role in session.execute(light):
            members[team_id or 0].append(team_makeup.Member(user_id, leader, role))
    facts = [team_makeup.TeamFacts(team_id, village_id, tuple(members[team_id]))
             for team_id, village_id in teams]
    found: dict[int, list[team_makeup.MakeupWarning]] = defaultdict(list)
    for warning in team_makeup.makeup_warnings(facts):
        found[warning.team_id].append(warning)
    return [(team_id, found[team_id]) for team_id, _village in teams if found[team_id]]


def team_lines(session: Session, flagged: list[Flagged]) -> list[TeamLine]:
    """The flagged teams shown, each with its village and members: three queries."""
    ids = [team_id for team_id, _warnings in flagged]
    if not ids:
        return []
    teams = {t.id: t for t in session.scalars(select(Team).where(among(session, Team.id, ids))
                                              .options(selectinload(Team.village)))}
    members: dict[int, list[User]] = defaultdict(list)
    for user in session.scalars(_members(session, ids)):
        members[user.team_id or 0].append(user)
    return [TeamLine(teams[team_id], members[team_id], warnings)
            for team_id, warnings in flagged]
