"""How each duty stood in a month: its holder's counting check-ins in its villages, judged
by domain/rounds.duty_month. One query for the visits of every duty on the page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import rounds
from checkin.domain.policy import Policy
from checkin.models import RoundCheckin, RoundDuty, Village
from checkin.platform.among import among


@dataclass(frozen=True)
class DutyStanding:
    duty: RoundDuty
    villages: tuple[Village, ...]  # those the reader may see, in the order of the marks
    month: rounds.DutyMonth
    partial: bool  # the reader sees only some of the duty's villages


def term_of(duty: RoundDuty) -> rounds.Term:
    return rounds.Term(duty.start_date, duty.end_date)


def standings(session: Session, duties: Sequence[RoundDuty], year: int, month: int,
              today: date, policy: Policy, seen: set[int] | None = None
              ) -> list[DutyStanding]:
    """Each duty's month; `seen`: the village ids the reader may see (None: all). The
    duties' villages must be loaded (selectinload(RoundDuty.villages))."""
    first, last = rounds.report_span(year, month)
    holders = {d.user_id for d in duties}
    village_ids = {v.id for d in duties for v in d.villages}
    visits: dict[int, list[rounds.Visit]] = defaultdict(list)
    if holders and village_ids:
        for user_id, village_id, day in session.execute(
                select(RoundCheckin.user_id, RoundCheckin.village_id, RoundCheckin.local_day)
                .where(among(session, RoundCheckin.user_id, holders),
                       among(session, RoundCheckin.village_id, village_ids),
                       RoundCheckin.counts.is_(True),
                       RoundCheckin.local_day >= first, RoundCheckin.local_day <= last)):
            visits[user_id].append(rounds.Visit(village_id, day))
    out = []
    for duty in duties:
        shown = tuple(v for v in duty.villages if seen is None or v.id in seen)
        judged = rounds.duty_month(
            duty.kind, [v.id for v in shown], term_of(duty), year, month,
            visits[duty.user_id], today, weekday=duty.weekday,
            envoy_per_week=policy.envoy_visits_per_week,
            district_per_month=policy.district_visits_per_month)
        out.append(DutyStanding(duty, shown, judged, len(shown) < len(duty.villages)))
    return out
