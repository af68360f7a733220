"""Make-up requests (补卡): which days a cadre may ask for, and who may decide, when.

The honest path for a missed day (a phone without signal for a week, a record outside the
offline window): the cadre asks for the day with a reason, the township decides, and an
approved make-up counts the day as one on post, marked as a make-up wherever days are
shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

MAKEUP_STATUSES = ("pending", "approved", "rejected")


@dataclass(frozen=True)
class MakeupOfDay:
    """An earlier make-up request of the same cadre for the same day and its status."""

    day: date
    status: str


def earliest_day(today: date, policy: Policy) -> date:
    """The first day of the month `makeup_months_back` months before today's."""
    months = today.year * 12 + today.month - 1 - policy.makeup_months_back
    return date(months // 12, months % 12 + 1, 1)


def validate_makeup_request(day: date, today: date, day_counts: bool,
                            earlier: Iterable[MakeupOfDay], policy: Policy) -> None:
    """Raise a Refusal unless `day` may be asked for.

    Only a past day: today can still be checked in, which is the better evidence. Not
    before `earliest_day` (this month and the previous one by default: the month still
    being reported, and the one just closed). Not a day that counts already. At most one
    request per day waiting or approved; after a rejection the day may be asked again.
    """
    if day >= today:
        raise Refusal("correction_not_past", field="day", day=day)
    first = earliest_day(today, policy)
    if day < first:
        raise Refusal("correction_too_old", field="day", earliest=first)
    if day_counts:
        raise Refusal("correction_day_counts", field="day", day=day)
    for other in earlier:
        if other.day == day and other.status in ("pending", "approved"):
            raise Refusal("correction_pending", field="day", day=day)


def validate_decision(approve: bool, comment: str | None) -> None:
    """A rejection says why: the cadre reads it, and the county audits it."""
    if not approve and not (comment or "").strip():
        raise Refusal("correction_needs_comment", field="comment")


def refuse_second_decision(decided_by: str, decided_at: datetime, status: str) -> Refusal:
    """The 409 for a request decided already, naming who decided it and when."""
    return Refusal("correction_decided", field="approve", name=decided_by,
                   at=decided_at.strftime("%Y-%m-%d %H:%M"), status=status)
