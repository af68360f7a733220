"""Risk score of a check-in or visit: how much it deserves a spot check, and why (as codes and
numbers; checkin/reasons.py words them in the reader's language)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Kind = Literal["checkin", "visit"]
ParamValue = int | float | str

KINDS: tuple[Kind, ...] = ("checkin", "visit")

# Every record keeps a chance of being drawn, so a cadre with clean records is still
# checked now and then (spot checks are unannounced, not only for the suspicious).
BASE_WEIGHT: Mapping[Kind, float] = MappingProxyType({"checkin": 1.0, "visit": 1.0})

# Weight of each flag, in units of the base weight. Why these numbers:
# - 4.0 duplicate_photo, impossible_travel: near-proof of a forged trace (a photo reused
#   from another record; a jump no vehicle makes, the mark of fake-location apps).
# - 3.0 synced_too_late, clock_disagrees: the record arrived outside the offline window,
#   or live with a clock far from the server's. It no longer counts, so it gains the cadre
#   nothing by itself, but it is how back-dated days were made (issue 12: 31 check-ins
#   sent in November for every day of October); whether the cadre was on post deserves
#   a look. Below the near-proofs: a phone left without signal for a week is honest.
# - 2.5 exif_gps_far: the photo says it was taken somewhere else.
# - 2.0 outside_fence, far_from_household: the claim's own position contradicts it, but
#   honest causes exist (a household at the edge of the village, a poor fix).
# - 1.5 clock_skew, photo_old: the time of the claim is doubtful (hand-set clocks and
#   photos taken earlier are how records are backdated).
# - 1.0 low_accuracy: the position cannot be trusted, in either direction.
# - 1.0 during_leave: on post on a day of approved leave: either the leave was not needed
#   (an honest early return, not yet closed) or the check-in is not what it claims.
# - 1.5 makeup_approved, leave_after_start, appeal_upheld (presence draw, the last four
#   weeks): a day counted, an absence excused or a finding excused after the fact. Each
#   is legitimate, and each is how a missing cadre or an excusing supervisor would cover
#   an absence; worth a closer look than a clean record, less than a forged trace.
# - 0.5 late_sync, no_exif_time: usually innocent (no signal in the mountains; some
#   phones and messaging apps strip EXIF), yet worth a small nudge.
FLAG_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "duplicate_photo": 4.0,
        "impossible_travel": 4.0,
        "synced_too_late": 3.0,
        "clock_disagrees": 3.0,
        "exif_gps_far": 2.5,
        "outside_fence": 2.0,
        "far_from_household": 2.0,
        "clock_skew": 1.5,
        "photo_old": 1.5,
        "low_accuracy": 1.0,
        "during_leave": 1.0,
        "makeup_approved": 1.5,
        "leave_after_start": 1.5,
        "appeal_upheld": 1.5,
        "late_sync": 0.5,
        "no_exif_time": 0.5,
    }
)

# A flag this module does not know (a newer rule, a typo) still counts, visibly, rather
# than stopping the whole draw.
UNKNOWN_FLAG_WEIGHT = 1.0

# Earlier failed spot checks: per failure, capped so one cadre cannot swamp the draw.
FAILED_CHECK_WEIGHT = 1.5
FAILED_CHECKS_CAP = 3

# Time since the cadre was last checked grows linearly to its maximum over a quarter,
# the period in which everyone must be checked; never checked counts as the maximum.
STALE_MAX_WEIGHT = 2.0
STALE_FULL_DAYS = 90


@dataclass(frozen=True)
class CadreHistory:
    """What earlier spot checks of the cadre found: failures, checks, days since the last."""

    failed_checks: int
    checks: int
    days_since_last_check: int | None

    def __post_init__(self) -> None:
        if self.checks < 0 or self.failed_checks < 0:
            raise ValueError("checks and failed_checks must be >= 0")
        if self.failed_checks > self.checks:
            raise ValueError("failed_checks cannot exceed checks")
        if self.days_since_last_check is not None and self.days_since_last_check < 0:
            raise ValueError("days_since_last_check must be >= 0 or None")


@dataclass(frozen=True)
class RiskReason:
    """One contribution to a risk score: a stable code, its weight, numbers for the text."""

    code: str
    weight: float
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))

    def __hash__(self) -> int:
        return hash((self.code, self.weight, tuple(sorted(self.params.items()))))


@dataclass(frozen=True)
class RiskScore:
    """The score (sum of the reasons' weights, always > 0) and the reasons, heaviest first."""

    score: float
    reasons: tuple[RiskReason, ...]


def score_record(flags: Iterable[str], history: CadreHistory, kind: Kind) -> RiskScore:
    """Score one record from its flags and its cadre's spot-check history."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    reasons = [RiskReason("base", BASE_WEIGHT[kind], {"kind": kind})]
    reasons += [_flag_reason(flag) for flag in sorted(set(flags))]
    reasons += _history_reasons(history)
    reasons.sort(key=lambda r: (-r.weight, r.code, sorted(r.params.items())))
    return RiskScore(round(math.fsum(r.weight for r in reasons), 3), tuple(reasons))


def _flag_reason(flag: str) -> RiskReason:
    if flag in FLAG_WEIGHTS:
        return RiskReason(flag, FLAG_WEIGHTS[flag])
    return RiskReason("other_flag", UNKNOWN_FLAG_WEIGHT, {"flag": flag})


def _history_reasons(history: CadreHistory) -> list[RiskReason]:
    reasons = []
    if history.failed_checks:
        weight = FAILED_CHECK_WEIGHT * min(history.failed_checks, FAILED_CHECKS_CAP)
        params = {"failed": history.failed_checks, "checks": history.checks}
        reasons.append(RiskReason("failed_checks", weight, params))
    days = history.days_since_last_check
    if days is None:
        reasons.append(RiskReason("never_checked", STALE_MAX_WEIGHT))
    elif days > 0:
        weight = round(STALE_MAX_WEIGHT * min(days, STALE_FULL_DAYS) / STALE_FULL_DAYS, 3)
        reasons.append(RiskReason("not_checked_for", weight, {"days": days}))
    return reasons
