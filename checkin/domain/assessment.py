"""The annual assessment (年考核): what a cadre's year of records allows as the best grade
(the rules' ceiling) and the flags a county reads before it grades.

Decisions, in the words a county office would use:

- The county gives the grade (优秀 excellent, 称职 competent, 基本称职 basically
  competent, 不称职 incompetent; seed 002: 乡镇党委提出意见, 县委组织部确定等次). The rules
  only give a ceiling and the reasons for it; they never grade.
- Absences from post without leave (脱岗: a presence check that found the cadre away with
  no approved leave, after corrections and appeals) follow Guangxi's rule, with the
  thresholds as policy: 1 → no 优秀, 2 → at most 基本称职, 3 → 不称职.
- Fewer counted days than the target, a yellow card for the team in a month, a visit the
  household denied (弄虚作假): no 优秀 (002: idle cadres lose the year's awards).
- Warning talks and red flags are shown, not weighed: the county reads them.
- A grade above the ceiling is allowed, with a written reason of its own, and stays
  flagged wherever the decision is shown: a supervisor who excuses does it in the open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

Grade = Literal["excellent", "competent", "basic", "incompetent"]
GRADES: tuple[Grade, ...] = ("excellent", "competent", "basic", "incompetent")  # best first
MAX_REASON = 2000
MIN_OVERRIDE_REASON = 10  # characters: "同意" is not a reason to grade above the rules


@dataclass(frozen=True)
class YearRecords:
    """What the rules read of one cadre's year (the cadre's file, summed)."""

    absences_without_leave: int = 0
    denied_visits: int = 0
    yellow_cards: int = 0
    red_flags: int = 0
    warning_talks: int = 0
    counted_days: int = 0
    forecast_days: int = 0
    target_days: int = 200
    year_over: bool = True


@dataclass(frozen=True)
class Flag:
    """One reason on the sheet: a code, the ceiling it sets (None: shown, not weighed) and
    its numbers."""

    code: str
    ceiling: Grade | None
    params: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Sheet:
    ceiling: Grade
    flags: tuple[Flag, ...]


def rank(grade: Grade) -> int:
    """0 for the best grade, 3 for the worst."""
    return GRADES.index(grade)


def lower(a: Grade, b: Grade) -> Grade:
    return a if rank(a) >= rank(b) else b


def is_above(grade: Grade, ceiling: Grade) -> bool:
    return rank(grade) < rank(ceiling)


def absence_ceiling(n: int, policy: Policy) -> Grade:
    """Guangxi's steps, each from its threshold (0: that step is off)."""
    steps: tuple[tuple[int, Grade], ...] = (
        (policy.assessment_absences_incompetent, "incompetent"),
        (policy.assessment_absences_basic, "basic"),
        (policy.assessment_absences_no_excellent, "competent"))
    for threshold, grade in steps:
        if threshold > 0 and n >= threshold:
            return grade
    return "excellent"


def _reached(n: int, threshold: int) -> bool:
    return threshold > 0 and n >= threshold


def sheet(records: YearRecords, policy: Policy) -> Sheet:
    """The ceiling and the flags of a year's records."""
    flags: list[Flag] = []
    n = records.absences_without_leave
    if n:
        found = absence_ceiling(n, policy)
        flags.append(Flag("absences_without_leave", None if found == "excellent" else found,
                          {"n": n}))
    days = records.counted_days if records.year_over else records.forecast_days
    if days < records.target_days:
        flags.append(Flag("short_of_days" if records.year_over else "forecast_short",
                          "competent" if policy.assessment_short_days_no_excellent else None,
                          {"days": days, "target": records.target_days}))
    if records.yellow_cards:
        flags.append(Flag("yellow_cards", "competent" if _reached(
            records.yellow_cards, policy.assessment_yellow_cards_no_excellent) else None,
            {"n": records.yellow_cards}))
    if records.denied_visits:
        flags.append(Flag("denied_visits", "competent" if _reached(
            records.denied_visits, policy.assessment_denied_visits_no_excellent) else None,
            {"n": records.denied_visits}))
    if records.warning_talks:
        flags.append(Flag("warning_talks", None, {"n": records.warning_talks}))
    if records.red_flags:
        flags.append(Flag("red_flags", None, {"n": records.red_flags}))
    ceiling: Grade = "excellent"
    for flag in flags:
        if flag.ceiling is not None:
            ceiling = lower(ceiling, flag.ceiling)
    return Sheet(ceiling, tuple(flags))


def may_decide(level: str | None, role: str, *, is_the_cadre: bool) -> bool:
    """Only a supervisor of a county or above grades (县委组织部确定等次), never the cadre."""
    return role == "supervisor" and not is_the_cadre and level in (
        "county", "city", "province")


def opens_on_month(year: int, today_year: int, today_month: int, policy: Policy) -> bool:
    """Whether a year may be graded now: from its opening month on, and any later year."""
    if today_year != year:
        return today_year > year
    return today_month >= policy.assessment_opens_month


def check_decision(grade: str, ceiling: Grade, reason: str, override_reason: str) -> Grade:
    """The grade, if the decision may be recorded: a known grade, a reason, and above the
    ceiling a reason of its own (at least MIN_OVERRIDE_REASON characters)."""
    if grade not in GRADES:
        raise Refusal("assessment_grade_unknown", field="grade")
    if not reason.strip():
        raise Refusal("assessment_reason_required", field="reason")
    for name, text in (("reason", reason), ("override_reason", override_reason)):
        if len(text) > MAX_REASON:
            raise Refusal("invalid_text", field=name, name=name, limit=MAX_REASON)
    chosen: Grade = grade
    if is_above(chosen, ceiling) and len(override_reason.strip()) < MIN_OVERRIDE_REASON:
        raise Refusal("assessment_above_ceiling", field="override_reason",
                      min=MIN_OVERRIDE_REASON)
    return chosen
