"""Monthly bulletin (月通报): score and rank work teams, award the red flag and yellow cards.

Decisions, in the words a county office would use:

- Parts, each 0-100: attendance = attendance pace; coverage = the mean of household
  visit coverage and monthly contact coverage (both are duties of the responsible
  helpers, weighed alike); spotcheck = share of spot checks passed; satisfaction =
  满意度 = (满意 + 基本满意) / answers, the usual reading of the word, and the rate the
  70 % warning-talk line applies to.
- A part with no data (no spot checks, no satisfaction answers this month) is left out
  and the weights are re-normalised over the parts that have data: a team is neither
  rewarded nor punished for not having been checked. The score is then the weighted
  mean of its parts, 0-100, rounded to 2 decimals; ties are judged on the rounded score,
  the number everyone sees.
- Ranks are competition ranks (1, 2, 2, 4); tied teams are listed by team_id.
- Red flag (流动红旗): to the best-scoring team(s) among those with no serious finding;
  all teams tied at that score get it. If the top team has a serious finding, the flag
  goes to the best team without one. Yellow card (黄牌警示): every team with a serious
  finding, whatever its score.
- Satisfaction warning: the satisfaction rate is below policy.satisfaction_warning_below
  (70 %); never raised without answers.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from checkin.domain.policy import Policy

Award = Literal["red_flag", "yellow_card"]
PARTS: tuple[str, ...] = ("attendance", "coverage", "spotcheck", "satisfaction")


@dataclass(frozen=True)
class TeamMonth:
    """One work team's month: rates in 0..1 and the counts behind the other parts."""

    team_id: int
    village_id: int
    unit: str
    attendance_pace: float
    visit_coverage: float
    contact_coverage: float
    spotchecks: int = 0
    spotcheck_failures: int = 0
    satisfaction_answers: int = 0
    satisfied: int = 0
    basic: int = 0
    serious_findings: int = 0

    def __post_init__(self) -> None:
        for name in ("attendance_pace", "visit_coverage", "contact_coverage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
        counts = ("spotchecks", "spotcheck_failures", "satisfaction_answers")
        for name in (*counts, "satisfied", "basic", "serious_findings"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.spotcheck_failures > self.spotchecks:
            raise ValueError("spotcheck_failures cannot exceed spotchecks")
        if self.satisfied + self.basic > self.satisfaction_answers:
            raise ValueError("satisfied + basic cannot exceed satisfaction_answers")


@dataclass(frozen=True)
class BulletinRow:
    """A team's line in the bulletin: score 0-100, rank, the parts (0-100) and any award."""

    team_id: int
    village_id: int
    unit: str
    score: float
    rank: int
    parts: dict[str, float] = field(hash=False)
    award: Award | None
    satisfaction_warning: bool


@dataclass(frozen=True)
class Tally:
    """Counts for one cadre, team or unit (`key`); several tallies with one key add up."""

    key: Hashable
    checks: int = 0
    failures: int = 0
    answers: int = 0
    satisfied: int = 0
    basic: int = 0


@dataclass(frozen=True)
class Rates:
    """Summed counts of one key and their rates; None where the denominator is 0."""

    checks: int
    failures: int
    failure_rate: float | None
    answers: int
    satisfied: int
    basic: int
    satisfaction: float | None


def failure_rate(failures: int, checks: int) -> float | None:
    """Failed spot checks / spot checks, or None when there were none."""
    return failures / checks if checks else None


def satisfaction_rate(satisfied: int, basic: int, answers: int) -> float | None:
    """满意度: (satisfied + basically satisfied) / answers, or None without answers."""
    return (satisfied + basic) / answers if answers else None


def rates(tallies: Iterable[Tally]) -> dict[Hashable, Rates]:
    """Sum the tallies per key (counts, not rates, are added) and give each key's rates."""
    sums: dict[Hashable, list[int]] = {}
    for t in tallies:
        total = sums.setdefault(t.key, [0, 0, 0, 0, 0])
        for i, value in enumerate((t.checks, t.failures, t.answers, t.satisfied, t.basic)):
            total[i] += value
    return {
        key: Rates(
            checks=checks,
            failures=failures,
            failure_rate=failure_rate(failures, checks),
            answers=answers,
            satisfied=satisfied,
            basic=basic,
            satisfaction=satisfaction_rate(satisfied, basic, answers),
        )
        for key, (checks, failures, answers, satisfied, basic) in sums.items()
    }


def team_parts(row: TeamMonth) -> dict[str, float]:
    """The team's parts as rates 0..1, only those with data this month."""
    parts = {
        "attendance": row.attendance_pace,
        "coverage": (row.visit_coverage + row.contact_coverage) / 2,
    }
    failures = failure_rate(row.spotcheck_failures, row.spotchecks)
    if failures is not None:
        parts["spotcheck"] = 1.0 - failures
    satisfaction = satisfaction_rate(row.satisfied, row.basic, row.satisfaction_answers)
    if satisfaction is not None:
        parts["satisfaction"] = satisfaction
    return parts


def team_score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Weighted mean of the parts present, 0-100, weights re-normalised over those parts."""
    total = math.fsum(weights.get(name, 0.0) for name in parts)
    if total <= 0:
        raise ValueError(f"bulletin weights give no weight to any of {sorted(parts)}")
    weighted = math.fsum(weights.get(name, 0.0) * value for name, value in parts.items())
    return round(100 * weighted / total, 2)


def rank_teams(rows: Iterable[TeamMonth], policy: Policy) -> list[BulletinRow]:
    """The month's bulletin: teams by score, best first, with ranks and awards."""
    weights = _checked_weights(policy.bulletin_weights)
    teams = sorted(rows, key=lambda r: r.team_id)
    if any(a.team_id == b.team_id for a, b in pairwise(teams)):
        raise ValueError("a team appears twice in the month's rows")
    scored = sorted(((team_score(team_parts(r), weights), r) for r in teams), key=lambda s: -s[0])
    flag_score = max((s for s, r in scored if r.serious_findings == 0), default=None)
    bulletin: list[BulletinRow] = []
    for position, (score, row) in enumerate(scored, start=1):
        rank = bulletin[-1].rank if bulletin and bulletin[-1].score == score else position
        bulletin.append(_bulletin_row(row, score, rank, flag_score, policy))
    return bulletin


def _bulletin_row(
    row: TeamMonth, score: float, rank: int, flag_score: float | None, policy: Policy
) -> BulletinRow:
    parts = team_parts(row)
    award: Award | None = None
    if row.serious_findings > 0:
        award = "yellow_card"
    elif score == flag_score:
        award = "red_flag"
    satisfaction = parts.get("satisfaction")
    return BulletinRow(
        team_id=row.team_id,
        village_id=row.village_id,
        unit=row.unit,
        score=score,
        rank=rank,
        parts={name: round(100 * value, 2) for name, value in parts.items()},
        award=award,
        satisfaction_warning=(
            satisfaction is not None and satisfaction < policy.satisfaction_warning_below
        ),
    )


def _checked_weights(weights: Mapping[str, float]) -> Mapping[str, float]:
    unknown = set(weights) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown bulletin weights {sorted(unknown)}; known: {PARTS}")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("bulletin weights must be finite and >= 0")
    return weights
