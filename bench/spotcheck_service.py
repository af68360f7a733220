"""Benchmark: the spot-check draw as the service runs it (load candidates, score, freeze,
draw, store), and re-deriving a draw of 1 million frozen candidates (what verify does).

Run from the repository root: `.venv/bin/python -m bench.spotcheck_service`.
The county of bench/_spotcheck_county.py goes to a SQLite scratch file; then 100,000
visits are added to the week before the draw, to see how the service path scales.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from datetime import date, timedelta

from sqlalchemy import delete, insert, select

from bench._spotcheck_county import _moment, build, scratch
from checkin import create_app, db
from checkin.domain.sampling import derive_seed
from checkin.models import Area, Household, SpotcheckBatch, SpotcheckItem, Visit
from checkin.services.spotchecks import weekly_draw
from checkin.settings import policy
from config import TestConfig

PATH = "/tmp/checkin_bench_spotcheck.db"
WEEK = "2026-W49"  # Monday 30 November; the visits drawn from are those of W48
NOW = _moment(date(2026, 12, 2), 10)
EXTRA_VISITS = 100_000
MILLION = 1_000_000


def draw_once(app, area_id: int) -> tuple[float, int, int]:
    """Seconds for one draw of the county, candidates and items. The batch is removed
    afterwards so the next run draws again (its audit entry stays: the log is insert-only)."""
    with app.app_context():
        s = db.session()
        settings = weekly_draw.settings_from(app.config, policy())
        start = time.perf_counter()
        batch, _ = weekly_draw.draw(s, s.get(Area, area_id), WEEK, settings, None)
        s.commit()
        seconds = time.perf_counter() - start
        found = len(batch.candidates["visits"]["ids"]), len(batch.items)
        s.execute(delete(SpotcheckItem).where(SpotcheckItem.batch_id == batch.id))
        s.execute(delete(SpotcheckBatch).where(SpotcheckBatch.id == batch.id))
        s.commit()
    return seconds, *found


def median_draw(app, area_id: int, runs: int = 5) -> None:
    results = [draw_once(app, area_id) for _ in range(runs)]
    seconds = statistics.median(r[0] for r in results)
    print(f"  {results[0][1]:,} candidate visits -> {results[0][2]} items: "
          f"{seconds * 1000:.0f} ms median of {runs} (whole service path, SQLite)")


def add_visits(app, count: int) -> None:
    rng = random.Random(7)
    monday = date(2026, 11, 23)
    with app.app_context():
        s = db.session()
        households = s.execute(select(Household.id, Household.village_id,
                                      Household.helper_id)).all()
        rows = []
        for _ in range(count):
            hid, village, helper = rng.choice(households)
            day = monday + timedelta(days=rng.randint(0, 6))
            moment = _moment(day, 10)
            rows.append({"id": str(uuid.uuid4()), "user_id": helper, "household_id": hid,
                         "village_id": village, "kind": "visit", "purposes": "care",
                         "note": "", "recorded_at": moment, "received_at": moment,
                         "local_day": day, "flags": rng.choice(("", "", "", "late_sync",
                                                                 "far_from_household")),
                         "reasons": [], "queued": False, "digest": "x"})
        for start in range(0, len(rows), 50_000):
            s.execute(insert(Visit), rows[start:start + 50_000])
        s.commit()


def million_frozen() -> None:
    """The frozen candidates of a 1-million-visit week: JSON in, draw out."""
    rng = random.Random(2026)
    weights = [1.0, 3.0, 3.5, 5.0, 9.0]
    ids = sorted(str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(MILLION))
    users = [1 + n % 22_000 for n in range(MILLION)]
    candidates = {
        "version": 1,
        "presence": {"per_week": 2200, "users": list(range(1, 22_001)),
                     "last": [None] * 22_000},
        "visits": {"share": 0.15, "ids": ids, "users": users,
                   "risk": [rng.choice(weights) for _ in range(MILLION)],
                   "last": {str(u): "2026-10-20" if u % 3 else None
                            for u in range(1, 22_001)}},
    }
    text = json.dumps(candidates)
    seed = derive_seed(b"bench", 1, WEEK)
    times, loads = [], []
    for _ in range(3):
        start = time.perf_counter()
        frozen = json.loads(text)
        loaded = time.perf_counter()
        presence, visits = weekly_draw.run_draw(frozen, WEEK, seed)
        times.append(time.perf_counter() - loaded)
        loads.append(loaded - start)
    print(f"  1,000,000 frozen visits of 22,000 cadres ({len(text) / 1e6:.0f} MB of JSON): "
          f"read {statistics.median(loads) * 1000:.0f} ms, draw "
          f"{statistics.median(times) * 1000:.0f} ms median of 3 "
          f"({len(visits):,} back-checks, {len(presence):,} presence checks); "
          f"target < 1 s for the draw: {'met' if statistics.median(times) < 1 else 'MISSED'}")


def main() -> None:
    url = scratch(PATH)

    class Config(TestConfig):
        DATABASE_URL = url
        FIXED_NOW = NOW

    app = create_app(Config)
    with app.app_context():
        county = build(db.engine(), visit_weeks=13)
    print("county of 600 cadres, visits of the 13 weeks to 30 November:")
    median_draw(app, county.county_id)
    add_visits(app, EXTRA_VISITS)
    print(f"with {EXTRA_VISITS:,} more visits in the week before the draw:")
    median_draw(app, county.county_id, runs=3)
    print("re-deriving (spotcheck-verify) without the database:")
    million_frozen()


if __name__ == "__main__":
    main()
