"""Benchmark: a page of the API's check-ins list deep in a province, by keyset cursor and by
the offset the list took before (issue 14).

Usage: .venv/bin/python bench/api_lists.py [--cadres 22112] [--runs 5] [--depths ...]

Uses the PostgreSQL world of bench/area_pages.py (`checkin_area_pages`: 22,112 cadres, one
check-in per cadre and day of 2026, 8 million rows; run that bench first, or with --reuse).
As the province's supervisor through the app's test client, median of --runs, interleaved:
- the baseline, GET /api/v1/health;
- GET /api/v1/checkins?limit=50 at each depth, the cursor of the row before the page taken
  from the database (the page a client reaches after depth/50 pages);
- the statement the offset list ran for the same page (ORDER BY recorded_at DESC, id
  LIMIT 51 OFFSET depth), timed on the same connection.
Figures are ratios to the baseline of the same rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

import bench.area_pages as pages
import bench.ledger_scale as world_of
from bench._common import ms, postgres_available
from checkin import create_app, db
from checkin.models import Checkin
from checkin.platform import keyset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=22_112)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--depths", default="0,10000,100000,1000000")
    args = parser.parse_args()
    if not postgres_available():
        sys.exit("PostgreSQL is not reachable")
    url = world_of.existing("postgresql", args.cadres)
    if url is None:
        sys.exit("no province database: run bench/area_pages.py --cadres 22112 --db postgresql")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": world_of.NOW})
    pages.supervisors(url)
    client = pages.signed_in(app, "province1")
    depths = [int(d) for d in args.depths.split(",")]
    cursors: dict[int, str] = {}
    with app.app_context():
        session = db.session()
        order = (Checkin.recorded_at.desc(), Checkin.id.desc())
        for depth in depths:
            if depth == 0:
                cursors[depth] = ""
                continue
            row = session.execute(select(Checkin.recorded_at, Checkin.id).order_by(*order)
                                  .offset(depth - 1).limit(1)).one()
            cursors[depth] = keyset.encode((row[0].isoformat(), row[1]))
        session.rollback()
    times: dict[str, list[float]] = {"baseline GET /api/v1/health": []}
    for depth in depths:
        times[f"keyset page after row {depth:,}"] = []
        times[f"offset page after row {depth:,}"] = []
    offset_sql = select(Checkin).order_by(Checkin.recorded_at.desc(), Checkin.id).limit(51)
    for _ in range(args.runs):
        start = time.perf_counter()
        assert client.get("/api/v1/health").status_code == 200
        times["baseline GET /api/v1/health"].append(time.perf_counter() - start)
        for depth in depths:
            start = time.perf_counter()
            answer = client.get(f"/api/v1/checkins?limit=50&cursor={cursors[depth]}")
            times[f"keyset page after row {depth:,}"].append(time.perf_counter() - start)
            assert answer.status_code == 200 and len(answer.get_json()["items"]) == 50
            with app.app_context():
                start = time.perf_counter()
                found: Any = db.session().scalars(offset_sql.offset(depth)).all()
                times[f"offset page after row {depth:,}"].append(time.perf_counter() - start)
                assert len(found) == 51
                db.session().rollback()
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["baseline GET /api/v1/health"]
    print(f"\nPostgreSQL, {args.cadres:,} cadres: median of {args.runs} interleaved runs "
          "(ratios to the baseline of the same rounds; the offset row is the statement "
          "alone, without the request around it)")
    print(f"  {'what':<36}{'time':>10}{'x base':>9}")
    for name, seconds in median.items():
        print(f"  {name:<36}{ms(seconds):>10}{seconds / base:>9.1f}")
    app.extensions["checkin_engine"].dispose()


if __name__ == "__main__":
    main()
