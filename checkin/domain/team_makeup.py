"""Team make-up (002): "每支驻村工作队由3人组成" — a first secretary and a member from the
sending unit, and a member from the township. What does not fit is warned about (on the
roster import's preview and on the supervisors' page), never refused: a county may have
reasons, but it should see them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TEAM_SIZE = 3
ROLES = ("first_secretary", "unit_member", "township_member")
# The warnings, in the order a page lists them.
WARNINGS = ("no_first_secretary", "two_first_secretaries", "team_size",
            "no_township_member", "several_teams_in_village")


@dataclass(frozen=True)
class Member:
    user_id: int
    is_leader: bool
    team_role: str | None  # one of ROLES, or None: not recorded

    @property
    def is_first_secretary(self) -> bool:
        return self.is_leader or self.team_role == "first_secretary"


@dataclass(frozen=True)
class TeamFacts:
    team_id: int
    village_id: int
    members: tuple[Member, ...]


@dataclass(frozen=True)
class MakeupWarning:
    code: str
    team_id: int
    village_id: int
    size: int = 0
    count: int = 0


def team_warnings(team: TeamFacts) -> list[MakeupWarning]:
    """What is wrong with one team's make-up on its own."""
    found: list[MakeupWarning] = []
    size = len(team.members)
    secretaries = sum(1 for m in team.members if m.is_first_secretary)
    if secretaries == 0:
        found.append(MakeupWarning("no_first_secretary", team.team_id, team.village_id, size))
    elif secretaries > 1:
        found.append(MakeupWarning("two_first_secretaries", team.team_id, team.village_id,
                                   size, secretaries))
    if size != TEAM_SIZE:
        found.append(MakeupWarning("team_size", team.team_id, team.village_id, size))
    roles = Counter(m.team_role for m in team.members)
    if size and all(m.team_role for m in team.members) and not roles["township_member"]:
        # Only when every role is recorded: an unrecorded one may be the township's.
        found.append(MakeupWarning("no_township_member", team.team_id, team.village_id, size))
    return found


def makeup_warnings(teams: Iterable[TeamFacts]) -> list[MakeupWarning]:
    """Every warning over a set of teams: each team's own, and villages with several
    teams (one warning per team beyond the first, naming how many share the village)."""
    teams = list(teams)
    by_village: dict[int, list[int]] = defaultdict(list)
    found: list[MakeupWarning] = []
    for team in teams:
        found.extend(team_warnings(team))
        by_village[team.village_id].append(team.team_id)
    for village_id, ids in by_village.items():
        if len(ids) > 1:
            found.extend(MakeupWarning("several_teams_in_village", team_id, village_id,
                                       count=len(ids)) for team_id in sorted(ids))
    order = {code: i for i, code in enumerate(WARNINGS)}
    return sorted(found, key=lambda w: (w.village_id, w.team_id, order[w.code]))


def facts(rows: Sequence[tuple[int, int, int | None, bool, str | None]]) -> list[TeamFacts]:
    """TeamFacts from (team_id, village_id, user_id or None, is_leader, team_role) rows (an
    outer join of teams and their active cadres: a team without members has one row of
    None)."""
    members: dict[tuple[int, int], list[Member]] = defaultdict(list)
    for team_id, village_id, user_id, is_leader, team_role in rows:
        bucket = members[(team_id, village_id)]
        if user_id is not None:
            bucket.append(Member(user_id, bool(is_leader), team_role))
    return [TeamFacts(team_id, village_id, tuple(found))
            for (team_id, village_id), found in members.items()]
