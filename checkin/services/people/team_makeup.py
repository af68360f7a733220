"""The make-up of the teams in a jurisdiction, against seed 002's rule (3 people: a first
secretary and a member from the sending unit, a member from the township): the warnings
of domain/team_makeup.py with each team's village and members, in two queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
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


def team_lines(session: Session, scope: Scope) -> list[TeamLine]:
    """Every team of the scope that draws a warning, by village."""
    teams = list(session.scalars(scope.teams().options(selectinload(Team.village))
                                 .order_by(Team.village_id, Team.code)))
    members: dict[int, list[User]] = defaultdict(list)
    ids = [team.id for team in teams]
    if ids:
        for user in session.scalars(select(User).where(
                among(session, User.team_id, ids), User.role == "cadre",
                User.active.is_(True)).order_by(User.is_leader.desc(), User.name)):
            assert user.team_id is not None
            members[user.team_id].append(user)
    facts = [team_makeup.TeamFacts(team.id, team.village_id, tuple(
        team_makeup.Member(u.id, u.is_leader, u.team_role) for u in members[team.id]))
        for team in teams]
    found: dict[int, list[team_makeup.MakeupWarning]] = defaultdict(list)
    for warning in team_makeup.makeup_warnings(facts):
        found[warning.team_id].append(warning)
    return [TeamLine(team, members[team.id], found[team.id]) for team in teams
            if found[team.id]]
