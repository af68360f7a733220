"""What a spot-check result establishes: a pass, a failure (a serious finding), an absence
excused by approved leave, or nothing; and which answers a result may carry.

Decisions, in the words a county office would use:

- Presence check (固定电话查询、实地走访): "confirmed" passes. "not_confirmed" is a serious
  finding (严重问题, yellow card) unless approved leave covers that day: then the cadre was
  away with permission, which is checked and passed ("excused").
- Visit back-check (回访农户): the villager is asked "did X visit you around that date?".
  "confirmed" means yes; "not_confirmed" means the household denies the visit, which is
  a serious finding whatever else is true (a forged visit, 弄虚作假).
- "unreachable" (nobody answered the landline, the household was out) establishes
  nothing: it is not a check, not a failure, and it does not count as having checked the
  cadre, so the draws pick them again.
- Satisfaction (满意/基本满意/不满意) is the household's answer, so it is asked only on
  visit back-checks where someone answered; a presence check has no villager to ask.
- A verdict is decided when the result is recorded, from what was known then, and never
  changes: leave approved (or closed) afterwards does not excuse an absence already found
  (事后补批 never erases a finding). An excuse that comes later is an appeal (申诉), a
  record of its own that the county decides; an upheld appeal makes the finding count as
  "excused_on_appeal" (not serious), while the original verdict stays on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Verdict = Literal["pass", "fail", "excused", "no_contact", "excused_on_appeal"]
# What a result may store: an appeal's verdict is never recorded, it is derived.
RECORDED_VERDICTS: tuple[str, ...] = ("pass", "fail", "excused", "no_contact")

KINDS: tuple[str, ...] = ("presence", "visit")
METHODS: tuple[str, ...] = ("phone", "field")
OUTCOMES: tuple[str, ...] = ("confirmed", "not_confirmed", "unreachable")
SATISFACTION: tuple[str, ...] = ("satisfied", "basic", "unsatisfied")


def verdict(kind: str, outcome: str, on_approved_leave: bool) -> Verdict:
    """The meaning of one result; `on_approved_leave` matters only to presence checks."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    if outcome == "unreachable":
        return "no_contact"
    if outcome == "confirmed":
        return "pass"
    if kind == "presence" and on_approved_leave:
        return "excused"
    return "fail"


@dataclass(frozen=True)
class LeaveAsKnown:
    """A leave of the cadre with the moments it was decided and closed (None: not known,
    as for rows from before these were kept: taken as known all along)."""

    start: date
    end: date
    status: str
    decided_at: datetime | None = None
    returned_on: date | None = None
    closed_at: datetime | None = None


def leave_excused_then(leave: LeaveAsKnown, day: date, moment: datetime) -> bool:
    """Whether `leave`, as it stood at `moment`, covered `day` with approved leave: it had
    been approved by then, and a return (销假) counts only once it had been declared."""
    if leave.status not in ("approved", "closed"):
        return False
    if leave.decided_at is not None and leave.decided_at > moment:
        return False
    last = leave.end
    returned_known = leave.closed_at is None or leave.closed_at <= moment
    if leave.returned_on is not None and returned_known:
        last = min(last, leave.returned_on - timedelta(days=1))
    return leave.start <= day <= last


def verdict_then(kind: str, outcome: str, day: date, moment: datetime,
                 leaves: Iterable[LeaveAsKnown]) -> Verdict:
    """The verdict of a result recorded at `moment` for the cadre on `day`, from the
    cadre's leave as it stood at that moment."""
    return verdict(kind, outcome, any(leave_excused_then(leave, day, moment)
                                      for leave in leaves))


AppealDecision = Literal["pending", "upheld", "rejected"]


def may_appeal(recorded: Verdict) -> bool:
    """Only a failure is appealed: it is the only verdict with a consequence."""
    return recorded == "fail"


def standing_verdict(recorded: Verdict, appeal: AppealDecision | None) -> Verdict:
    """What the rates and the bulletin use: the recorded verdict, or "excused_on_appeal"
    for a failure whose appeal the county upheld."""
    if recorded == "fail" and appeal == "upheld":
        return "excused_on_appeal"
    return recorded


def is_check(v: Verdict) -> bool:
    """Whether the result counts as a check in the rates (it established something)."""
    return v != "no_contact"


def is_serious(v: Verdict) -> bool:
    """A failure is a serious finding: shown to the county, a yellow card in the bulletin."""
    return v == "fail"


def result_problems(kind: str, method: str, outcome: str, satisfaction: str | None,
                    has_position: bool) -> dict[str, str]:
    """Field -> problem code for a result that breaks a rule; empty when it is acceptable."""
    problems: dict[str, str] = {}
    if method not in METHODS:
        problems["method"] = "method_unknown"
    if outcome not in OUTCOMES:
        problems["outcome"] = "outcome_unknown"
    if satisfaction is not None:
        if satisfaction not in SATISFACTION:
            problems["satisfaction"] = "satisfaction_unknown"
        elif kind != "visit":
            problems["satisfaction"] = "satisfaction_only_households"
        elif outcome == "unreachable":
            problems["satisfaction"] = "satisfaction_needs_answer"
    if has_position and method == "phone":
        problems["lat"] = "position_only_field"
    return problems


@dataclass(frozen=True)
class Counts:
    """A cadre's, team's or unit's checks: what the rates and the bulletin are made of."""

    checks: int = 0
    failures: int = 0
    answers: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.checks, self.failures, self.answers, self.satisfied, self.basic,
                self.unsatisfied)


def count(judged: Iterable[tuple[Verdict, str | None]]) -> Counts:
    """Counts of (verdict, satisfaction) pairs."""
    checks = failures = answers = satisfied = basic = unsatisfied = 0
    for v, satisfaction in judged:
        checks += is_check(v)
        failures += is_serious(v)
        if satisfaction is not None:
            answers += 1
            satisfied += satisfaction == "satisfied"
            basic += satisfaction == "basic"
            unsatisfied += satisfaction == "unsatisfied"
    return Counts(checks, failures, answers, satisfied, basic, unsatisfied)
