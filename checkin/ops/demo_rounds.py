"""Demo duties over several villages (巡村): an envoy of the county over villages of two
townships and the first township's district secretary, with six weeks of check-ins in
which the envoy missed a village one week and the secretary one fixed day."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from checkin.domain import geofence
from checkin.models import Area, RoundCheckin, User, Village
from checkin.ops.demo_history import _jitter
from checkin.platform import audit, clock
from checkin.services.people import accounts
from checkin.services.rounds import duties

WEEKS = 6
WEDNESDAY = 2


def seed_rounds(session: Session, rng: random.Random, password: str) -> dict[str, str]:
    """The two holders' accounts (username -> password) with their duties and history."""
    villages = list(session.scalars(select(Village).order_by(Village.code)))
    county = session.scalars(select(Area).where(Area.level == "county").order_by(Area.code)
                             ).first()
    if len(villages) < 4 or county is None:
        return {}
    by_township: dict[int, list[Village]] = {}
    for village in villages:
        by_township.setdefault(village.area.parent_id or 0, []).append(village)
    townships = list(by_township.values())
    envoy_villages = [*townships[0][-1:], *(townships[1][:2] if len(townships) > 1 else [])]
    district = townships[0]
    made = {}
    for username, name, area_id in (("envoy1", "王特派", county.id),
                                    ("district1", "李管区", district[0].area.parent_id)):
        user = User(username=username, name=name, role="supervisor", area_id=area_id,
                    session_epoch=0, active=True, password_hash=accounts.hash_password(password))
        session.add(user)
        session.flush()
        audit.record(session, actor_id=None, action="demo.account", entity="user",
                     entity_id=user.id, after=audit.snapshot(user))
        made[username] = password
    start = clock.today() - timedelta(days=WEEKS * 7 + 3)
    envoy = duties.assign(session, None, duties.DutyInput(
        username="envoy1", kind="envoy", village_codes=tuple(v.code for v in envoy_villages),
        start=start, title="县委组织部党建特派员"))
    secretary = duties.assign(session, None, duties.DutyInput(
        username="district1", kind="district_secretary",
        village_codes=tuple(v.code for v in district), start=start, weekday=WEDNESDAY,
        title="第一管区"))
    rows = []
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    for week in range(WEEKS, -1, -1):
        first = monday - timedelta(weeks=week)
        for n, village in enumerate(envoy_villages):
            if week == 3 and n == 0:  # the week the envoy did not go to one village
                continue
            day = first + timedelta(days=rng.randint(0, 4))
            if day < today:
                rows.append(_row(rng, envoy.user_id, village, day))
        wednesday = first + timedelta(days=WEDNESDAY)
        if week != 2 and wednesday < today:  # one Wednesday missed
            rows.append(_row(rng, secretary.user_id, district[week % len(district)], wednesday))
    for n, village in enumerate(district):  # every village of the district once a month
        day = today - timedelta(days=3 + 5 * n)
        rows.append(_row(rng, secretary.user_id, village, day))
    session.execute(insert(RoundCheckin), rows)
    return made


def _row(rng: random.Random, user_id: int, village: Village, day: object) -> dict:
    moment = datetime.combine(day, time(rng.randint(9, 15), rng.randint(0, 59)),  # type: ignore[arg-type]
                              clock.zone())
    lat, lon = _jitter(rng, village.lat, village.lon, 600)
    distance = geofence.distance_m(lat, lon, village.lat, village.lon)
    inside = distance <= village.radius_m
    return {"id": str(uuid.uuid4()), "user_id": user_id, "village_id": village.id,
            "recorded_at": moment, "received_at": moment + timedelta(seconds=4),
            "local_day": day, "lat": lat, "lon": lon, "accuracy_m": rng.choice((10, 15, 25)),
            "distance_m": round(distance, 1), "in_fence": inside, "counts": inside,
            "flags": "" if inside else "outside_fence", "reasons": [],
            "note": rng.choice((None, "督导村党组织换届筹备", "走访村两委")), "queued": False,
            "digest": "demo"}
