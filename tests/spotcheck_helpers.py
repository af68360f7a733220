"""Shared pieces of the spot-check tests: a fixed Wednesday, last week's visits, answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from checkin.models import Household, Photo, Visit
from checkin.platform import clock

# Wednesday 18 November 2026, 10:00 in Shanghai: ISO week 2026-W47 (16-22 November).
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 18)
WEEK = "2026-W47"
LAST_WEEK = "2026-W46"
MONTH = "2026-11"


def add_visit(session, world, cadre: str, village: str, day: date, *, flags: str = "",
              kind: str = "visit", photo_flags: str | None = None) -> Visit:
    """A visit of `cadre` to the first household it helps in `village`, at 10:00 on `day`."""
    from sqlalchemy import select

    household = session.scalars(select(Household).where(
        Household.helper_id == world[cadre])).first()
    moment = datetime.combine(day, time(10), clock.zone())
    visit = Visit(id=str(uuid.uuid4()), user_id=world[cadre], household_id=household.id,
                  village_id=world[village], kind=kind, purposes="care", note="",
                  lat=30.85, lon=116.36, accuracy_m=10, recorded_at=moment,
                  received_at=moment, local_day=day, flags=flags, reasons=[], queued=False,
                  digest="x")
    session.add(visit)
    session.flush()
    if photo_flags is not None:
        session.add(Photo(visit_id=visit.id, county_id=None, sha256="0" * 64,
                          thumb_sha256="0" * 64, width=1, height=1, original_format="JPEG",
                          original_width=1, original_height=1, phash=0, band0=0, band1=0,
                          band2=0, band3=0, flags=photo_flags))
    return visit


def last_week_visits(session, world) -> list[Visit]:
    """Visits of last week (W46) in villages A and B by all four cadres of county one."""
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    made = []
    for n, (cadre, village) in enumerate((("cadre_a", "va"), ("cadre_a2", "va"),
                                          ("cadre_b", "vb"), ("cadre_b2", "vb")) * 3):
        flags = "far_from_household" if n % 4 == 0 else ""
        made.append(add_visit(session, world, cadre, village, monday + timedelta(days=n % 5),
                              flags=flags))
    return made

