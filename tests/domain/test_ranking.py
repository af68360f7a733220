"""Monthly bulletin: weighted parts, competition ranks, red flag and yellow cards, satisfaction."""

from __future__ import annotations

from typing import Any

import pytest

from checkin.domain.policy import Policy
from checkin.domain.ranking import (
    Rates,
    Tally,
    TeamMonth,
    failure_rate,
    rank_teams,
    rates,
    satisfaction_rate,
    team_parts,
    team_score,
)

POLICY = Policy()


def team(team_id: int, **values: Any) -> TeamMonth:
    row: dict[str, Any] = {
        "village_id": 100 + team_id,
        "unit": f"unit {team_id % 3}",
        "attendance_pace": 1.0,
        "visit_coverage": 1.0,
        "contact_coverage": 1.0,
        "spotchecks": 10,
        "spotcheck_failures": 0,
        "satisfaction_answers": 10,
        "satisfied": 10,
    }
    row.update(values)
    return TeamMonth(team_id=team_id, **row)


def scored(team_id: int, score: float, **values: Any) -> TeamMonth:
    """A team whose only part with data is attendance, so its score is 100 x the pace."""
    return team(
        team_id,
        attendance_pace=score / 100,
        spotchecks=0,
        satisfaction_answers=0,
        satisfied=0,
        **values,
    )


ONLY_ATTENDANCE = Policy(bulletin_weights={"attendance": 1.0})


@pytest.mark.parametrize(
    ("satisfied", "basic", "answers", "rate"),
    [
        (8, 0, 10, 0.8),
        (5, 3, 10, 0.8),  # 满意 + 基本满意 both count as satisfied
        (0, 0, 10, 0.0),
        (0, 0, 0, None),  # no answers: no rate
    ],
)
def test_satisfaction_is_satisfied_plus_basically_satisfied_over_answers(
    satisfied: int, basic: int, answers: int, rate: float | None
) -> None:
    assert satisfaction_rate(satisfied, basic, answers) == rate


@pytest.mark.parametrize(
    ("failures", "checks", "rate"),
    [(0, 10, 0.0), (1, 4, 0.25), (3, 3, 1.0), (0, 0, None)],
)
def test_failure_rate_is_failures_over_checks(
    failures: int, checks: int, rate: float | None
) -> None:
    assert failure_rate(failures, checks) == rate


def test_rates_add_counts_per_cadre_team_or_unit_before_dividing() -> None:
    result = rates(
        [
            Tally("unit A", checks=4, failures=1, answers=10, satisfied=6, basic=1),
            Tally("unit A", checks=6, failures=0, answers=10, satisfied=4, basic=3),
            Tally("unit B"),
        ]
    )
    assert result == {
        "unit A": Rates(10, 1, 0.1, 20, 10, 4, 0.7),
        "unit B": Rates(0, 0, None, 0, 0, 0, None),
    }


def test_the_score_is_the_weighted_sum_of_the_parts() -> None:
    row = team(
        1,
        attendance_pace=0.8,
        visit_coverage=0.9,
        contact_coverage=0.7,  # coverage part: their mean, 0.8
        spotchecks=10,
        spotcheck_failures=1,  # spot-check part: 0.9
        satisfaction_answers=20,
        satisfied=12,
        basic=4,  # satisfaction part: 0.8
    )
    (line,) = rank_teams([row], POLICY)
    # 100 x (0.35 x 0.8 + 0.30 x 0.8 + 0.20 x 0.9 + 0.15 x 0.8)
    assert line.score == 82.0
    assert line.parts == {
        "attendance": 80.0,
        "coverage": 80.0,
        "spotcheck": 90.0,
        "satisfaction": 80.0,
    }


@pytest.mark.parametrize(
    ("values", "parts", "score"),
    [
        # no spot checks and no answers: those parts are left out, weights re-normalised
        (
            {"spotchecks": 0, "satisfaction_answers": 0, "satisfied": 0},
            {"attendance", "coverage"},
            100.0,
        ),
        (
            {"spotchecks": 0, "attendance_pace": 0.5},
            {"attendance", "coverage", "satisfaction"},
            round(100 * (0.35 * 0.5 + 0.30 + 0.15) / 0.80, 2),
        ),
        (
            {"satisfaction_answers": 0, "satisfied": 0, "spotcheck_failures": 10},
            {"attendance", "coverage", "spotcheck"},
            round(100 * 0.65 / 0.85, 2),
        ),
    ],
)
def test_a_part_without_data_is_neutral(
    values: dict[str, int], parts: set[str], score: float
) -> None:
    row = team(1, **values)
    assert set(team_parts(row)) == parts
    assert rank_teams([row], POLICY)[0].score == score


@pytest.mark.parametrize(
    ("weights", "score"),
    [
        ({"attendance": 1.0}, 60.0),
        ({"attendance": 1.0, "coverage": 1.0}, 80.0),
        ({"attendance": 0.0, "coverage": 2.0}, 100.0),
    ],
)
def test_the_weights_come_from_the_policy(weights: dict[str, float], score: float) -> None:
    row = team(1, attendance_pace=0.6)
    assert rank_teams([row], Policy(bulletin_weights=weights))[0].score == score


@pytest.mark.parametrize(
    "weights",
    [
        {"attendance": 1.0, "popularity": 1.0},  # unknown part
        {"attendance": -1.0, "coverage": 2.0},
        {"spotcheck": 1.0},  # no weight on any part this team has data for
    ],
)
def test_weights_that_cannot_score_are_refused(weights: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        rank_teams([team(1, spotchecks=0)], Policy(bulletin_weights=weights))


@pytest.mark.parametrize(
    ("scores", "ranks", "order"),
    [
        ({1: 90, 2: 80, 3: 80, 4: 70}, [1, 2, 2, 4], [1, 2, 3, 4]),
        ({4: 80, 3: 80, 2: 90, 1: 70}, [1, 2, 2, 4], [2, 3, 4, 1]),  # ties listed by team_id
        ({5: 50, 6: 50, 7: 50}, [1, 1, 1], [5, 6, 7]),
        ({1: 10, 2: 20, 3: 30}, [1, 2, 3], [3, 2, 1]),
    ],
)
def test_ties_share_the_rank_and_the_next_rank_is_skipped(
    scores: dict[int, float], ranks: list[int], order: list[int]
) -> None:
    bulletin = rank_teams([scored(t, s) for t, s in scores.items()], ONLY_ATTENDANCE)
    assert [b.rank for b in bulletin] == ranks
    assert [b.team_id for b in bulletin] == order


def test_scores_equal_to_the_cent_tie() -> None:
    rows = [scored(1, 80.001), scored(2, 80.004)]
    assert [b.rank for b in rank_teams(rows, ONLY_ATTENDANCE)] == [1, 1]


@pytest.mark.parametrize(
    ("teams", "awards"),
    [
        # (score, serious findings) per team -> award per team
        ({1: (90, 0), 2: (80, 0), 3: (70, 0)}, {1: "red_flag", 2: None, 3: None}),
        ({1: (90, 0), 2: (90, 0), 3: (70, 0)}, {1: "red_flag", 2: "red_flag", 3: None}),
        # the best team has a serious finding: yellow card, the flag goes to the best clean
        ({1: (95, 1), 2: (80, 0), 3: (80, 0)}, {1: "yellow_card", 2: "red_flag", 3: "red_flag"}),
        ({1: (90, 0), 2: (40, 2)}, {1: "red_flag", 2: "yellow_card"}),
        ({1: (90, 1), 2: (40, 3)}, {1: "yellow_card", 2: "yellow_card"}),  # no flag at all
    ],
)
def test_red_flag_to_the_best_team_without_a_serious_finding_yellow_card_for_one(
    teams: dict[int, tuple[float, int]], awards: dict[int, str | None]
) -> None:
    rows = [scored(t, s, serious_findings=f) for t, (s, f) in teams.items()]
    assert {b.team_id: b.award for b in rank_teams(rows, ONLY_ATTENDANCE)} == awards


@pytest.mark.parametrize(
    ("satisfied", "basic", "answers", "warning"),
    [
        (6, 0, 10, True),  # 60 %
        (69, 0, 100, True),  # 69 %
        (5, 2, 10, False),  # exactly 70 %: not below
        (20, 10, 30, False),
        (0, 0, 0, False),  # no answers: no warning
    ],
)
def test_satisfaction_below_70_percent_triggers_a_warning_talk(
    satisfied: int, basic: int, answers: int, warning: bool
) -> None:
    row = team(1, satisfied=satisfied, basic=basic, satisfaction_answers=answers)
    assert rank_teams([row], POLICY)[0].satisfaction_warning is warning


def test_the_warning_line_comes_from_the_policy() -> None:
    row = team(1, satisfied=8, satisfaction_answers=10)
    assert rank_teams([row], Policy(satisfaction_warning_below=0.9))[0].satisfaction_warning


def test_the_bulletin_row_carries_the_teams_identity() -> None:
    (line,) = rank_teams([team(4, unit="县农业农村局")], POLICY)
    assert (line.team_id, line.village_id, line.unit) == (4, 104, "县农业农村局")


def test_an_empty_month_gives_an_empty_bulletin() -> None:
    assert rank_teams([], POLICY) == []


@pytest.mark.parametrize(
    "values",
    [
        {"attendance_pace": 1.2},
        {"visit_coverage": -0.1},
        {"spotchecks": 2, "spotcheck_failures": 3},
        {"satisfaction_answers": 5, "satisfied": 4, "basic": 2},
        {"serious_findings": -1},
    ],
)
def test_impossible_month_figures_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        team(1, **values)


def test_a_team_twice_in_a_month_is_refused() -> None:
    with pytest.raises(ValueError):
        rank_teams([team(1), team(1)], POLICY)


def test_score_of_parts_is_a_weighted_mean() -> None:
    assert team_score({"attendance": 0.5, "coverage": 1.0}, {"attendance": 1, "coverage": 3}) == (
        87.5
    )
