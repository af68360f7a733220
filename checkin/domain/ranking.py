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
  (70 %), judged only on at least policy.satisfaction_min_answers answers (5): one
  "unsatisfied" out of one answer is not a 0 % satisfaction. With fewer answers the part is
  "too few answers": shown with its n and share, left out of the score (as a part without
  data), and no warning is raised.
- Every part says what it is made of (days counted of the days expected, households
  visited and contacted of those due, checks passed of checks, satisfied answers of
  answers), its weight in the policy and the weight it carried in this team's score; a
  team ranked on fewer parts than the policy weighs is marked with the parts missing and
  why ("not checked", "no answers", "too few answers").
- Sending units (派出单位), townships and counties are ranked as well (对表排位): a
  group's score is the mean of its teams' scores (each team counts once, whatever its
  size), with competition ranks as for teams; teams without a group (no sending unit)
  are left out of that ranking. A group shows its teams, red flags, yellow cards,
  satisfaction warnings and teams ranked on fewer parts.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from checkin.domain.policy import Policy

Award = Literal["red_flag", "yellow_card"]
Missing = Literal["not_checked", "no_answers", "too_few_answers"]
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
    # What the attendance and coverage parts are made of (shown, not used in the rates):
    counted_days: int | None = None
    expected_days: float | None = None
    households_due: int = 0
    households_visited: int = 0
    households_contacted: int = 0

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
        if max(self.households_visited, self.households_contacted) > self.households_due \
                or min(self.households_visited, self.households_contacted) < 0:
            raise ValueError("households visited or contacted must be 0..households_due")


@dataclass(frozen=True)
class Part:
    """One part of a team's score: its value 0-100 (None when missing and why), what it is
    made of as (what, counted, of) triples, the policy's weight share of it and the share
    it carried in this team's score (0 when missing)."""

    name: str
    value: float | None
    made_of: tuple[tuple[str, float, float], ...]
    weight: float
    used_weight: float
    missing: Missing | None = None


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
    details: tuple[Part, ...] = field(default=(), hash=False)
    satisfaction_answers: int = 0
    satisfaction_share: float | None = None  # 0..1 whatever the number of answers
    satisfaction_judged: bool = False  # enough answers to be judged

    @property
    def missing(self) -> tuple[str, ...]:
        """The weighed parts this team was ranked without."""
        return tuple(p.name for p in self.details if p.missing is not None and p.weight > 0)


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


def satisfaction_judged(answers: int, policy: Policy) -> bool:
    """Enough answers for the satisfaction rate to be judged (scored, warned about)."""
    return answers > 0 and answers >= policy.satisfaction_min_answers


def satisfaction_warning(satisfied: int, basic: int, answers: int, policy: Policy) -> bool:
    """The warning talk is due: enough answers and a rate below the policy's line."""
    rate = satisfaction_rate(satisfied, basic, answers)
    return (rate is not None and satisfaction_judged(answers, policy)
            and rate < policy.satisfaction_warning_below)


def team_parts(row: TeamMonth, policy: Policy | None = None) -> dict[str, float]:
    """The team's parts as rates 0..1, only those with data this month (satisfaction only
    with the policy's minimum of answers)."""
    parts = {
        "attendance": row.attendance_pace,
        "coverage": (row.visit_coverage + row.contact_coverage) / 2,
    }
    failures = failure_rate(row.spotcheck_failures, row.spotchecks)
    if failures is not None:
        parts["spotcheck"] = 1.0 - failures
    satisfaction = satisfaction_rate(row.satisfied, row.basic, row.satisfaction_answers)
    if satisfaction is not None and satisfaction_judged(row.satisfaction_answers,
                                                        policy or Policy()):
        parts["satisfaction"] = satisfaction
    return parts


def part_details(row: TeamMonth, policy: Policy) -> tuple[Part, ...]:
    """Every part the policy knows, in order: value, what it is made of, weights, why missing."""
    weights = _checked_weights(policy.bulletin_weights)
    parts = team_parts(row, policy)
    total = math.fsum(weights.get(name, 0.0) for name in PARTS)
    used = math.fsum(weights.get(name, 0.0) for name in parts)
    expected = row.expected_days
    made_of: dict[str, tuple[tuple[str, float, float], ...]] = {
        "attendance": () if row.counted_days is None or expected is None else
        (("days", row.counted_days, round(expected, 2)),),
        "coverage": (("visited", row.households_visited, row.households_due),
                     ("contacted", row.households_contacted, row.households_due)),
        "spotcheck": (("passed", row.spotchecks - row.spotcheck_failures, row.spotchecks),),
        "satisfaction": (("satisfied", row.satisfied + row.basic, row.satisfaction_answers),),
    }
    details = []
    for name in PARTS:
        weight = weights.get(name, 0.0)
        missing: Missing | None = None
        if name not in parts:
            missing = "not_checked" if name == "spotcheck" else (
                "too_few_answers" if row.satisfaction_answers else "no_answers")
        details.append(Part(
            name=name, value=None if missing else round(100 * parts[name], 2),
            made_of=made_of[name], weight=round(weight / total, 4) if total else 0.0,
            used_weight=round(weight / used, 4) if used and not missing else 0.0,
            missing=missing))
    return tuple(details)


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
    scored = sorted(((team_score(team_parts(r, policy), weights), r) for r in teams),
                    key=lambda s: -s[0])
    flag_score = max((s for s, r in scored if r.serious_findings == 0), default=None)
    bulletin: list[BulletinRow] = []
    for position, (score, row) in enumerate(scored, start=1):
        rank = bulletin[-1].rank if bulletin and bulletin[-1].score == score else position
        bulletin.append(_bulletin_row(row, score, rank, flag_score, policy))
    return bulletin


def _bulletin_row(
    row: TeamMonth, score: float, rank: int, flag_score: float | None, policy: Policy
) -> BulletinRow:
    parts = team_parts(row, policy)
    award: Award | None = None
    if row.serious_findings > 0:
        award = "yellow_card"
    elif score == flag_score:
        award = "red_flag"
    return BulletinRow(
        team_id=row.team_id,
        village_id=row.village_id,
        unit=row.unit,
        score=score,
        rank=rank,
        parts={name: round(100 * value, 2) for name, value in parts.items()},
        award=award,
        satisfaction_warning=satisfaction_warning(row.satisfied, row.basic,
                                                  row.satisfaction_answers, policy),
        details=part_details(row, policy),
        satisfaction_answers=row.satisfaction_answers,
        satisfaction_share=satisfaction_rate(row.satisfied, row.basic,
                                             row.satisfaction_answers),
        satisfaction_judged=satisfaction_judged(row.satisfaction_answers, policy),
    )


@dataclass(frozen=True)
class GroupRow:
    """A sending unit's, township's or county's line: the mean score of its teams."""

    key: Hashable
    score: float
    rank: int
    teams: int
    red_flags: int
    yellow_cards: int
    warnings: int
    partial: int  # teams ranked on fewer parts


def rank_groups(rows: Iterable[BulletinRow], group_of: Mapping[int, Hashable | None]
                ) -> list[GroupRow]:
    """对表排位 of groups (units, townships, counties): `group_of` maps a team to its group
    (None: in no group, left out). Best mean score first; ties share the rank and are
    listed by key."""
    members: dict[Hashable, list[BulletinRow]] = {}
    for row in rows:
        key = group_of.get(row.team_id)
        if key is not None:
            members.setdefault(key, []).append(row)
    scored = sorted(((round(math.fsum(r.score for r in group) / len(group), 2), key, group)
                     for key, group in members.items()), key=lambda s: (-s[0], str(s[1])))
    out: list[GroupRow] = []
    for position, (score, key, group) in enumerate(scored, start=1):
        rank = out[-1].rank if out and out[-1].score == score else position
        out.append(GroupRow(
            key=key, score=score, rank=rank, teams=len(group),
            red_flags=sum(r.award == "red_flag" for r in group),
            yellow_cards=sum(r.award == "yellow_card" for r in group),
            warnings=sum(r.satisfaction_warning for r in group),
            partial=sum(bool(r.missing) for r in group)))
    return out


def _checked_weights(weights: Mapping[str, float]) -> Mapping[str, float]:
    unknown = set(weights) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown bulletin weights {sorted(unknown)}; known: {PARTS}")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("bulletin weights must be finite and >= 0")
    return weights
