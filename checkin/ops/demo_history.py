"""Some weeks of made-up history for the demo county: check-ins, leave, visits."""

from __future__ import annotations

import math
import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from checkin.domain import geofence
from checkin.models import AttendanceDay, Checkin, Household, Leave, User, Village, Visit
from checkin.platform import clock


def _jitter(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0, metres)
    return (lat + dist * math.cos(angle) / 111_320,
            lon + dist * math.sin(angle) / (111_320 * math.cos(math.radians(lat))))


def seed_history(session: Session, rng: random.Random, weeks: int = 6) -> dict[str, int]:
    """Check-ins on most days, a few leaves, visits on a realistic cadence; no photos."""
    today = clock.today()
    zone = clock.zone()
    cadres = list(session.scalars(select(User).where(User.role == "cadre")))
    villages = {v.id: v for v in session.scalars(select(Village))}
    checkins: list[dict] = []
    days: list[dict] = []
    for cadre in cadres:
        assert cadre.village_id is not None  # check constraint cadre_village
        village = villages[cadre.village_id]
        diligence = rng.uniform(0.55, 0.97)
        for offset in range(weeks * 7, 0, -1):
            day = today - timedelta(days=offset)
            if rng.random() > diligence:
                continue
            moment = datetime.combine(day, time(rng.randint(7, 10), rng.randint(0, 59)),
                                      zone)
            far = rng.random() < 0.05
            lat, lon = _jitter(rng, village.lat, village.lon, 4000 if far else 900)
            accuracy = rng.choice((8, 12, 20, 35, 60, 120, 650 if rng.random() < 0.05 else 30))
            distance = geofence.distance_m(lat, lon, village.lat, village.lon)
            in_fence = distance <= village.radius_m
            counts = in_fence and accuracy <= 500
            flags = [f for f, on in (("low_accuracy", accuracy > 500),
                                     ("outside_fence", not in_fence)) if on]
            row_id = str(uuid.uuid4())
            checkins.append({
                "id": row_id, "user_id": cadre.id, "village_id": village.id,
                "recorded_at": moment, "received_at": moment + timedelta(seconds=3),
                "local_day": day, "lat": lat, "lon": lon, "accuracy_m": accuracy,
                "distance_m": round(distance, 1), "in_fence": in_fence,
                "counts_for_day": counts, "flags": ",".join(flags), "reasons": [],
                "note": rng.choice((None, None, "入户走访，了解产业发展情况", "参加村两委会议",
                                    "整理帮扶台账")), "queued": False, "digest": "demo"})
            if counts:
                days.append({"user_id": cadre.id, "day": day, "village_id": village.id,
                             "first_checkin_id": row_id})
    if checkins:
        session.execute(insert(Checkin), checkins)
        session.execute(insert(AttendanceDay), days)
    leaves = _leaves(session, rng, cadres, today)
    visits = _visits(session, rng, today, villages)
    return {"checkins": len(checkins), "days_on_post": len(days), "leaves": leaves,
            "visits": visits}


def _leaves(session: Session, rng: random.Random, cadres: list[User], today: date) -> int:
    made = 0
    for cadre in rng.sample(cadres, k=max(1, len(cadres) // 4)):
        start = today - timedelta(days=rng.randint(-10, 30))
        length = rng.choice((1, 2, 3, 5))
        status = "pending" if start > today else rng.choice(("approved", "closed", "closed"))
        end = start + timedelta(days=length - 1)
        session.add(Leave(
            id=str(uuid.uuid4()), user_id=cadre.id, village_id=cadre.village_id,
            kind=rng.choice(("personal", "sick", "official", "training")), start_date=start,
            end_date=end, reason="家中有事" if length < 3 else "参加县里组织的业务培训",
            status=status, approver_level="township" if length <= 3 else "county",
            digest="demo", created_at=clock.now() - timedelta(days=40),
            returned_on=end + timedelta(days=1) if status == "closed" and end < today else None))
        made += 1
    return made


def _visits(session: Session, rng: random.Random, today: date, villages: dict[int, Village]
            ) -> int:
    zone = clock.zone()
    rows = []
    for household in session.scalars(select(Household)):
        if household.status not in ("poor", "monitored") and rng.random() < 0.7:
            continue
        day = today - timedelta(days=rng.randint(1, 75))
        moment = datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59)), zone)
        base = (household.lat, household.lon) if (
            household.lat is not None and household.lon is not None) else (
            villages[household.village_id].lat, villages[household.village_id].lon)
        lat, lon = _jitter(rng, base[0], base[1], 80)
        kind = "visit" if rng.random() < 0.75 else "contact"
        rows.append({
            "id": str(uuid.uuid4()), "user_id": household.helper_id,
            "household_id": household.id, "village_id": household.village_id, "kind": kind,
            "purposes": rng.choice(("policy", "care", "support,policy", "care,other")),
            "note": rng.choice(("宣讲惠民政策", "了解家庭收入情况", "协调解决饮水问题", "")),
            "lat": lat if kind == "visit" else None, "lon": lon if kind == "visit" else None,
            "accuracy_m": rng.choice((10, 15, 25, 40)) if kind == "visit" else None,
            "recorded_at": moment, "received_at": moment + timedelta(seconds=5),
            "local_day": day, "distance_m": None, "flags": "", "reasons": [],
            "queued": False, "digest": "demo"})
    if rows:
        session.execute(insert(Visit), rows)
    return len(rows)
