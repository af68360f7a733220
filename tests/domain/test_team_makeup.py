"""Table tests for team make-up (002): 3 people, 1 first secretary and 1 member from the
sending unit, 1 member from the township; several teams in one village."""

from __future__ import annotations

import pytest

from checkin.domain.team_makeup import Member, TeamFacts, facts, makeup_warnings, team_warnings

FS = Member(1, True, "first_secretary")
UNIT = Member(2, False, "unit_member")
TOWN = Member(3, False, "township_member")
UNKNOWN = Member(4, False, None)


def _codes(members: tuple[Member, ...]) -> list[str]:
    return [w.code for w in team_warnings(TeamFacts(10, 100, members))]


@pytest.mark.parametrize(("members", "codes"), [
    ((FS, UNIT, TOWN), []),                                    # as the seed says
    ((FS, UNIT, UNKNOWN), []),                                 # a role not recorded: no word
    ((Member(1, True, None), UNIT, TOWN), []),                 # the leader flag is enough
    ((UNIT,), ["no_first_secretary", "team_size", "no_township_member"]),  # a team of 1
    ((UNIT, TOWN, UNKNOWN, Member(5, False, None), Member(6, False, None)),
     ["no_first_secretary", "team_size"]),                     # 5 and none
    ((FS, Member(5, False, "first_secretary"), TOWN), ["two_first_secretaries"]),
    ((FS, UNIT, Member(5, False, "unit_member")), ["no_township_member"]),
    ((FS, UNIT), ["team_size", "no_township_member"]),
    ((FS, UNKNOWN), ["team_size"]),
    ((), ["no_first_secretary", "team_size"]),
])
def test_one_teams_make_up(members: tuple[Member, ...], codes: list[str]) -> None:
    assert _codes(members) == codes


def test_three_teams_in_one_village_are_each_named() -> None:
    teams = [TeamFacts(t, 100, (Member(t * 10, True, None), UNIT, TOWN)) for t in (1, 2, 3)]
    teams.append(TeamFacts(4, 200, (Member(40, True, None), UNIT, TOWN)))
    found = makeup_warnings(teams)
    assert [(w.code, w.team_id, w.count) for w in found] == [
        ("several_teams_in_village", 1, 3), ("several_teams_in_village", 2, 3),
        ("several_teams_in_village", 3, 3)]


def test_facts_from_an_outer_join() -> None:
    rows = [(1, 100, 11, True, None), (1, 100, 12, False, "township_member"),
            (2, 100, None, False, None)]
    got = {t.team_id: t for t in facts(rows)}
    assert len(got[1].members) == 2 and got[2].members == ()
    assert [w.code for w in makeup_warnings(got.values())][:2] == [
        "team_size", "several_teams_in_village"]
