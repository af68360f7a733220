"""A bulletin that holds up: satisfaction judged only on enough answers, every part with
what it is made of and its weight, missing parts said, and units, townships and counties
ranked as well as teams."""

from __future__ import annotations

from typing import Any

import pytest

from checkin.domain.policy import Policy
from checkin.domain.ranking import (
    GroupRow,
    TeamMonth,
    rank_groups,
    rank_teams,
    satisfaction_judged,
    satisfaction_warning,
)

POLICY = Policy()


def team(team_id: int, **values: Any) -> TeamMonth:
    row: dict[str, Any] = {"village_id": 100 + team_id, "unit": "u", "attendance_pace": 1.0,
                           "visit_coverage": 1.0, "contact_coverage": 1.0, "spotchecks": 4,
                           "satisfaction_answers": 10, "satisfied": 10}
    row.update(values)
    return TeamMonth(team_id=team_id, **row)


@pytest.mark.parametrize(
    ("answers", "satisfied", "judged", "warning"),
    [
        (1, 0, False, False),  # the case: one "unsatisfied" answer is no 0 %
        (4, 0, False, False),  # still below the minimum of 5
        (5, 3, True, True),  # 60 %: the warning talk is due
        (5, 4, True, False),  # 80 %
        (10, 7, True, False),  # exactly 70 % is not below the line
        (10, 6, True, True),
        (0, 0, False, False),  # no answers
    ],
)
def test_satisfaction_is_judged_only_on_the_minimum_of_answers(
        answers: int, satisfied: int, judged: bool, warning: bool) -> None:
    assert satisfaction_judged(answers, POLICY) is judged
    assert satisfaction_warning(satisfied, 0, answers, POLICY) is warning
    (row,) = rank_teams([team(1, satisfaction_answers=answers, satisfied=satisfied)], POLICY)
    assert row.satisfaction_warning is warning
    assert row.satisfaction_judged is judged
    assert row.satisfaction_answers == answers
    assert ("satisfaction" in row.parts) is judged


def test_too_few_answers_show_n_and_the_share_but_do_not_score() -> None:
    (row,) = rank_teams([team(1, satisfaction_answers=2, satisfied=1)], POLICY)
    assert row.satisfaction_share == 0.5 and row.satisfaction_answers == 2
    part = {p.name: p for p in row.details}["satisfaction"]
    assert part.missing == "too_few_answers" and part.value is None
    assert part.made_of == (("satisfied", 1, 2),) and part.used_weight == 0.0
    assert row.missing == ("satisfaction",)
    assert row.score == 100.0  # left out like a part without data, weights re-shared


def test_the_minimum_comes_from_the_policy() -> None:
    strict = Policy(satisfaction_min_answers=20)
    row = team(1, satisfaction_answers=10, satisfied=0)
    assert not rank_teams([row], strict)[0].satisfaction_warning
    assert rank_teams([row], Policy(satisfaction_min_answers=1))[0].satisfaction_warning


def test_every_part_says_what_it_is_made_of_and_its_weights() -> None:
    row = team(1, attendance_pace=0.5, counted_days=20, expected_days=40.0,
               visit_coverage=0.6, contact_coverage=0.8, households_due=50,
               households_visited=30, households_contacted=40, spotchecks=4,
               spotcheck_failures=1, satisfaction_answers=8, satisfied=5, basic=1)
    (line,) = rank_teams([row], POLICY)
    parts = {p.name: p for p in line.details}
    assert [p.name for p in line.details] == ["attendance", "coverage", "spotcheck",
                                               "satisfaction"]
    assert parts["attendance"].made_of == (("days", 20, 40.0),)
    assert parts["coverage"].made_of == (("visited", 30, 50), ("contacted", 40, 50))
    assert parts["spotcheck"].made_of == (("passed", 3, 4),)
    assert parts["satisfaction"].made_of == (("satisfied", 6, 8),)
    assert {n: p.weight for n, p in parts.items()} == {
        "attendance": 0.35, "coverage": 0.3, "spotcheck": 0.2, "satisfaction": 0.15}
    assert {n: p.used_weight for n, p in parts.items()} == {
        "attendance": 0.35, "coverage": 0.3, "spotcheck": 0.2, "satisfaction": 0.15}
    assert parts["coverage"].value == 70.0 and line.missing == ()


@pytest.mark.parametrize(
    ("values", "missing", "used"),
    [
        ({"spotchecks": 0}, ("spotcheck",),
         {"attendance": 0.4375, "coverage": 0.375, "satisfaction": 0.1875}),
        ({"spotchecks": 0, "satisfaction_answers": 0, "satisfied": 0},
         ("spotcheck", "satisfaction"), {"attendance": 0.5385, "coverage": 0.4615}),
        ({}, (), {"attendance": 0.35, "coverage": 0.3, "spotcheck": 0.2,
                  "satisfaction": 0.15}),
    ],
)
def test_a_team_ranked_on_fewer_parts_is_marked_with_the_re_shared_weights(
        values: dict[str, Any], missing: tuple[str, ...], used: dict[str, float]) -> None:
    (line,) = rank_teams([team(1, **values)], POLICY)
    assert line.missing == missing
    assert {p.name: p.used_weight for p in line.details if p.used_weight} == used
    why = {p.name: p.missing for p in line.details if p.missing}
    assert why == {name: {"spotcheck": "not_checked", "satisfaction": "no_answers"}[name]
                   for name in missing}


def test_a_part_the_policy_does_not_weigh_is_not_missing() -> None:
    policy = Policy(bulletin_weights={"attendance": 1.0, "coverage": 1.0})
    (line,) = rank_teams([team(1, spotchecks=0, satisfaction_answers=0, satisfied=0)], policy)
    assert line.missing == ()


def rows_of(*scores: tuple[int, float, str | None]) -> tuple[list[Any], dict[int, Any]]:
    teams = [team(tid, attendance_pace=score / 100, spotchecks=0, satisfaction_answers=0,
                  satisfied=0) for tid, score, _g in scores]
    ranked = rank_teams(teams, Policy(bulletin_weights={"attendance": 1.0}))
    return ranked, {tid: group for tid, _s, group in scores}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # a group's score is the mean of its teams' scores
        ([(1, 90, "A"), (2, 70, "A"), (3, 85, "B")], [("B", 85.0, 1, 1), ("A", 80.0, 2, 2)]),
        # ties share the rank, the next is skipped; tied groups by key
        ([(1, 80, "B"), (2, 80, "A"), (3, 60, "C")],
         [("A", 80.0, 1, 1), ("B", 80.0, 1, 1), ("C", 60.0, 3, 1)]),
        # a team in no group (no sending unit) is left out
        ([(1, 50, None), (2, 60, "A")], [("A", 60.0, 1, 1)]),
        ([], []),
    ],
)
def test_units_townships_and_counties_are_ranked_on_their_teams(
        scores: list[tuple[int, float, str | None]],
        expected: list[tuple[str, float, int, int]]) -> None:
    ranked, group_of = rows_of(*scores)
    got = rank_groups(ranked, group_of)
    assert [(g.key, g.score, g.rank, g.teams) for g in got] == expected


def test_a_group_counts_its_awards_warnings_and_partial_teams() -> None:
    teams = [team(1), team(2, serious_findings=1, spotcheck_failures=1),
             team(3, satisfaction_answers=10, satisfied=2, spotchecks=0)]
    ranked = rank_teams(teams, POLICY)
    (group,) = rank_groups(ranked, {1: "u", 2: "u", 3: "u"})
    assert group == GroupRow(key="u", score=group.score, rank=1, teams=3, red_flags=1,
                             yellow_cards=1, warnings=1, partial=1)
