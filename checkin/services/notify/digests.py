"""Digests: one message per person for a week's worth of news, not one per item."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import notices
from checkin.domain.policy import Policy
from checkin.domain.reporting import week_of
from checkin.models import User, Village
from checkin.scope import Scope
from checkin.services.notify.inbox import notify
from checkin.services.visits.households import household_rows

MOST_NAMES = 10


def overdue_households(session: Session, today: date, policy: Policy) -> int:
    """To each helper: the households of theirs that fell overdue in the last week, one
    message per helper and week."""
    everything = Scope(role="admin", user_id=None)
    week = week_of(today)
    made = 0
    for village_id in session.scalars(select(Village.id).order_by(Village.id)):
        newly: dict[int, list[str]] = defaultdict(list)
        for row in household_rows(session, everything, today, policy, village_id=village_id,
                                  limit=100_000):
            if notices.newly_overdue(row.due.next_deadline, row.due.state, today):
                newly[row.household.helper_id].append(row.household.head_name)
        helpers = {u.id: u for u in session.scalars(select(User).where(User.id.in_(newly)))}
        for helper_id, names in sorted(newly.items()):
            if helper_id not in helpers:
                continue
            params = {"count": len(names), "names": sorted(names)[:MOST_NAMES],
                      "week": week}
            made += len(notify(session, [helpers[helper_id]], "digest.overdue_households",
                               f"digest.overdue_households:{helper_id}:{week}", params))
    return made
