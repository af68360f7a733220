"""A generated county for the spot-check and bulletin benchmarks, written with Core inserts.

10 townships, 200 villages with one work team of 3 cadres each (600 cadres), 50 households
per village (10,000); for November 2026: check-ins and days on post (about 20 days per
cadre), visits and contacts from 1 October to 30 November (two months: the coverage looks
back 60 days), some approved leave, and four weekly spot-check batches with results.
"""

from __future__ import annotations

import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench._common import scratch_sqlite  # noqa: E402
from checkin.domain import findings  # noqa: E402
from checkin.models import (  # noqa: E402
    Area,
    AttendanceDay,
    Checkin,
    Household,
    Leave,
    SendingUnit,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    Team,
    User,
    Village,
    Visit,
)

TOWNSHIPS = 10
VILLAGES_PER_TOWNSHIP = 20
HOUSEHOLDS = 50
CADRES_PER_TEAM = 3
UNITS = 40
MONTH_FIRST = date(2026, 11, 1)
MONTH_LAST = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai, the month's last day
ZONE_OFFSET = timedelta(hours=8)
FLAGS = ("", "", "", "", "", "", "late_sync", "low_accuracy", "far_from_household",
         "outside_fence", "duplicate_photo")


@dataclass
class County:
    county_id: int
    township_ids: list[int]
    cadre_ids: list[int]
    team_ids: list[int]


scratch = scratch_sqlite  # a fresh migrated SQLite file (bench/_common.py)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), UTC) - ZONE_OFFSET


def build(engine: Engine, seed: int = 2026, visit_weeks: int = 9) -> County:
    rng = random.Random(seed)
    with engine.begin() as conn:
        def area(area_id: int, code: str, level: str, parent: int | None, path: str) -> None:
            conn.execute(insert(Area), [{"id": area_id, "code": code, "name": code,
                                         "level": level, "parent_id": parent, "path": path}])

        area(1, "34", "province", None, "/1/")
        area(2, "3408", "county", 1, "/1/2/")
        conn.execute(insert(SendingUnit), [{"id": u, "code": f"U{u}", "name": f"单位{u}"}
                                           for u in range(1, UNITS + 1)])
        villages, teams, users, households = [], [], [], []
        next_area, township_ids = 3, []
        for t in range(TOWNSHIPS):
            township = next_area
            next_area += 1
            township_ids.append(township)
            area(township, f"3408{t:02d}", "township", 2, f"/1/2/{township}/")
            for v in range(VILLAGES_PER_TOWNSHIP):
                node = next_area
                next_area += 1
                path = f"/1/2/{township}/{node}/"
                area(node, f"3408{t:02d}{v:02d}", "village", township, path)
                vid = len(villages) + 1
                villages.append({"id": vid, "area_id": node, "code": f"V{vid}",
                                 "name": f"村{vid}", "lat": 30.8 + vid / 1000, "lon": 116.3,
                                 "radius_m": 1500, "landline": "0556-1234567",
                                 "poverty_status": "poor", "area_path": path})
                teams.append({"id": vid, "code": f"T{vid}", "village_id": vid,
                              "unit_id": 1 + vid % UNITS, "leader_id": None,
                              "term_start": date(2026, 1, 1), "term_end": None})
                for c in range(CADRES_PER_TEAM):
                    users.append({"id": len(users) + 1, "username": f"c{vid}_{c}",
                                  "name": f"干部{vid}-{c}", "role": "cadre",
                                  "password_hash": "x", "active": True, "session_epoch": 0,
                                  "is_leader": c == 0, "village_id": vid, "team_id": vid,
                                  "unit_id": 1 + vid % UNITS, "created_at": NOW})
        conn.execute(insert(Village), villages)
        conn.execute(insert(Team), teams)
        conn.execute(insert(User), users)
        supervisor = len(users) + 1
        conn.execute(insert(User), [{"id": supervisor, "username": "county", "name": "县",
                                     "role": "supervisor", "password_hash": "x",
                                     "active": True, "session_epoch": 0, "area_id": 2,
                                     "created_at": NOW}])
        for vid in range(1, len(villages) + 1):
            helpers = [u["id"] for u in users if u["village_id"] == vid]
            for h in range(HOUSEHOLDS):
                households.append({"id": len(households) + 1, "code": f"H{vid}-{h}",
                                   "head_name": f"户{vid}-{h}", "address": "", "phone": None,
                                   "village_id": vid, "lat": None, "lon": None,
                                   "status": "poor" if h % 5 else "monitored",
                                   "helper_id": helpers[h % len(helpers)]})
        conn.execute(insert(Household), households)
        _attendance(conn, rng, users)
        visits = _visits(conn, rng, households, visit_weeks)
        _spotchecks(conn, rng, users, visits, township_ids, supervisor)
    return County(2, township_ids, [u["id"] for u in users], [t["id"] for t in teams])


def _attendance(conn: Any, rng: random.Random, users: list[dict[str, Any]]) -> None:
    checkins, days, leaves = [], [], []
    for user in users:
        day = MONTH_FIRST
        while day <= MONTH_LAST:
            if day.weekday() < 5 and rng.random() < 0.9:
                cid = str(uuid.uuid4())
                moment = _moment(day, 8)
                checkins.append({"id": cid, "user_id": user["id"],
                                 "village_id": user["village_id"], "recorded_at": moment,
                                 "received_at": moment, "local_day": day, "lat": 30.8,
                                 "lon": 116.3, "accuracy_m": 20, "distance_m": 100,
                                 "in_fence": True, "counts_for_day": True, "flags": "",
                                 "reasons": [], "queued": False, "digest": "x"})
                days.append({"user_id": user["id"], "day": day, "village_id": user["village_id"],
                             "first_checkin_id": cid})
            day += timedelta(days=1)
        if rng.random() < 0.2:
            start = MONTH_FIRST + timedelta(days=rng.randint(0, 25))
            leaves.append({"id": str(uuid.uuid4()), "user_id": user["id"],
                           "village_id": user["village_id"],
                           "kind": rng.choice(("personal", "sick", "official", "training")),
                           "start_date": start, "end_date": start + timedelta(days=2),
                           "reason": "", "status": "approved", "approver_level": "township",
                           "created_at": NOW, "digest": "x"})
    conn.execute(insert(Checkin), checkins)
    conn.execute(insert(AttendanceDay), days)
    if leaves:
        conn.execute(insert(Leave), leaves)


def _visits(conn: Any, rng: random.Random, households: list[dict[str, Any]], weeks: int
            ) -> list[dict[str, Any]]:
    """About 1.2 contacts or visits per household per month over `weeks` weeks."""
    rows = []
    first = MONTH_LAST - timedelta(weeks=weeks) + timedelta(days=1)
    span = (MONTH_LAST - first).days
    for household in households:
        for _ in range(max(1, round(rng.gauss(0.28 * weeks, 1)))):
            day = first + timedelta(days=rng.randint(0, span))
            moment = _moment(day, 10)
            rows.append({"id": str(uuid.uuid4()), "user_id": household["helper_id"],
                         "household_id": household["id"], "village_id": household["village_id"],
                         "kind": "visit" if rng.random() < 0.6 else "contact",
                         "purposes": "care", "note": "", "lat": None, "lon": None,
                         "accuracy_m": None, "recorded_at": moment, "received_at": moment,
                         "local_day": day, "distance_m": None, "flags": rng.choice(FLAGS),
                         "reasons": [], "queued": False, "digest": "x"})
    for start in range(0, len(rows), 50_000):
        conn.execute(insert(Visit), rows[start:start + 50_000])
    return rows


def _spotchecks(conn: Any, rng: random.Random, users: list[dict[str, Any]],
                visits: list[dict[str, Any]], townships: list[int], supervisor: int) -> None:
    """Four weekly batches per township, worked: about 2 checks per team in the month."""
    batches, items, results = [], [], []
    in_month = [v for v in visits if MONTH_FIRST <= v["local_day"] <= MONTH_LAST]
    for week in (45, 46, 47, 48):
        monday = date.fromisocalendar(2026, week, 1)
        for township in townships:
            bid = len(batches) + 1
            batches.append({"id": bid, "area_id": township, "area_path": f"/1/2/{township}/",
                            "week": f"2026-W{week}", "seed": "0" * 64, "candidates": {},
                            "drawn_at": NOW, "drawn_by_id": supervisor})
            for position in range(8):
                iid = len(items) + 1
                if position < 4:
                    user = rng.choice(users)
                    items.append({"id": iid, "batch_id": bid, "position": position,
                                  "kind": "presence", "user_id": user["id"],
                                  "village_id": user["village_id"], "visit_id": None,
                                  "household_id": None,
                                  "day": monday + timedelta(days=rng.randint(0, 4)),
                                  "window_start": time(9), "window_end": time(11), "risk": 3.0,
                                  "reasons": []})
                    satisfaction = None
                else:
                    visit = rng.choice(in_month)
                    items.append({"id": iid, "batch_id": bid, "position": position,
                                  "kind": "visit", "user_id": visit["user_id"],
                                  "village_id": visit["village_id"], "visit_id": visit["id"],
                                  "household_id": visit["household_id"],
                                  "day": visit["local_day"], "window_start": None,
                                  "window_end": None, "risk": 3.0, "reasons": []})
                    satisfaction = rng.choice(("satisfied", "satisfied", "basic",
                                               "unsatisfied"))
                day = monday + timedelta(days=rng.randint(0, 4))
                outcome = rng.choice(("confirmed",) * 8 + ("not_confirmed", "unreachable"))
                kind = items[-1]["kind"]
                results.append({"item_id": iid, "checked_by_id": supervisor, "method": "phone",
                                "outcome": outcome,
                                "satisfaction": None if outcome == "unreachable"
                                else satisfaction, "note": "",
                                "verdict": findings.verdict(kind, outcome, False),
                                "recorded_at": _moment(day, 10), "local_day": day})
    conn.execute(insert(SpotcheckBatch), batches)
    conn.execute(insert(SpotcheckItem), items)
    conn.execute(insert(SpotcheckResult), results)
