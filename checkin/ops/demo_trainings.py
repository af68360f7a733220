"""Demo trainings: a 4-day county training last month and this quarter's meeting with the
first secretaries, with sign-ins at the venue, a few marked by the organiser, a sign-in
from home that did not count and some absences (cheap: a few hundred rows)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import TrainingAttendance, TrainingInvitee, User
from checkin.platform import clock
from checkin.services.trainings import sessions

VENUE = ("岳西县委党校", 30.8490, 116.3600)


def seed_trainings(session: Session, rng: random.Random) -> int:
    """Make the two sessions (if the county's supervisor exists); returns the rows made."""
    county = session.scalars(select(User).where(User.username == "county")).first()
    if county is None:
        return 0
    today = clock.today()
    first = (today.replace(day=1) - timedelta(days=20))
    made = 0
    for kind, title, start, days, audience in (
            ("training", "乡村振兴政策业务培训", first, 4, "all"),
            ("meeting", "第一书记季度工作例会", today - timedelta(days=3), 1,
             "first_secretaries")):
        row = sessions.create(session, county, sessions.SessionInput(
            kind=kind, title=title, first_day=start, last_day=start + timedelta(days=days - 1),
            starts_at=time(8, 30), ends_at=time(17, 30), place=VENUE[0], lat=VENUE[1],
            lon=VENUE[2], coord_system="wgs84", radius_m=300, audience=audience))
        invited = list(session.scalars(select(User).join(
            TrainingInvitee, TrainingInvitee.user_id == User.id)
            .where(TrainingInvitee.training_id == row.id).order_by(User.id)))
        for offset in range(days):
            day = start + timedelta(days=offset)
            for user in invited:
                roll = rng.random()
                if roll < 0.08:
                    continue  # absent
                moment = datetime.combine(day, time(8, rng.randint(5, 40)), clock.zone())
                if roll < 0.14:
                    attendance = TrainingAttendance(
                        id=str(uuid.uuid4()), training_id=row.id, user_id=user.id, day=day,
                        method="organiser", counts=True, received_at=moment,
                        marked_by_id=county.id, reason="手机无电，已在纸质签到表签字")
                else:
                    home = roll < 0.17
                    lat = VENUE[1] + (0.09 if home else rng.uniform(-0.0005, 0.0005))
                    attendance = TrainingAttendance(
                        id=str(uuid.uuid4()), training_id=row.id, user_id=user.id, day=day,
                        method="qr", counts=not home, flags="outside_fence" if home else "",
                        recorded_at=moment, received_at=moment, lat=lat, lon=VENUE[2],
                        accuracy_m=float(rng.choice((8, 12, 20, 35))),
                        distance_m=10_000.0 if home else 30.0)
                session.add(attendance)
                made += 1
    session.flush()
    return made
