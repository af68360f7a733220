"""Benchmark: the households' pages of a county and a province with real numbers of
households and visits.

Usage: .venv/bin/python bench/household_pages.py [--runs 3] [--per-cadre 10]

Adds to the PostgreSQL world of bench/area_pages.py (`checkin_area_pages`, 22,112 cadres in
4,423 villages; run that bench first) ten households per cadre (221,120: 60 % poor, 15 %
monitored, 20 % lifted, 5 % other) and a year of visits: each household is visited every
17 days from a day of its own in January (one in five of them a phone contact), except
that one in ten is no longer visited after June, so that overdue lists are long — about
4.5 million visits. Added once; later runs reuse them.

Then, as the first county's and the province's supervisors through the app's test client,
median of --runs interleaved: /coverage, /overdue, /visits, /households, /villages, the
API's household list (a page, and a page filtered by due state), the coverage and overdue
exports, each as a ratio to GET /api/v1/health of the same rounds, with bytes and SQL
statements. "Today" is fixed at 2026-12-31 16:00 in Shanghai.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text

import bench.area_pages as pages
import bench.ledger_scale as world_of
from bench._common import ms
from checkin import create_app, db
from checkin.db import make_engine

HOUSEHOLDS = """
INSERT INTO households (code, head_name, address, village_id, lat, lon, status, helper_id,
                        coord_source)
SELECT 'H' || lpad(u.id::text, 6, '0') || lpad(n::text, 2, '0'), '户主' || u.id || '-' || n,
       '', u.village_id, v.lat + n * 0.0001, v.lon,
       CASE WHEN n <= 6 THEN 'poor' WHEN n <= 7 THEN 'monitored'
            WHEN n <= 9 THEN 'lifted' ELSE 'other' END, u.id, 'wgs84'
FROM users u JOIN villages v ON v.id = u.village_id
CROSS JOIN generate_series(1, :per_cadre) AS n
WHERE u.role = 'cadre'
"""
VISITS = """
INSERT INTO visits (id, user_id, household_id, village_id, kind, purposes, note, lat, lon,
                    accuracy_m, recorded_at, received_at, local_day, distance_m, flags,
                    reasons, queued, digest)
SELECT gen_random_uuid()::text, h.helper_id, h.id, h.village_id,
       CASE WHEN (h.id + extract(doy FROM d)::int) % 5 = 0 THEN 'contact' ELSE 'visit' END,
       'care', '', h.lat, h.lon, 12.0, d + interval '2 hours', d + interval '2 hours',
       d::date, 3.0,
       '', '[]', false, 'x'
FROM households h
CROSS JOIN LATERAL generate_series((date '2026-01-01' + h.id % 17)::timestamp,
                                   timestamp '2026-12-31', interval '17 days') AS d
WHERE NOT (h.id % 10 = 0 AND d > timestamp '2026-06-30')
"""


def add_households(url: str, per_cadre: int) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT count(*) FROM households"))
    if found:
        print(f"reusing {found:,} households and their visits")
        engine.dispose()
        return
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text(HOUSEHOLDS), {"per_cadre": per_cadre})
        conn.execute(text(VISITS))
        households = conn.scalar(text("SELECT count(*) FROM households"))
        visits = conn.scalar(text("SELECT count(*) FROM visits"))
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM ANALYZE households"))
        conn.execute(text("VACUUM ANALYZE visits"))
    engine.dispose()
    print(f"added {households:,} households and {visits:,} visits in "
          f"{time.perf_counter() - start:,.0f} s")


def measure(url: str, runs: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": world_of.NOW,
                      "EXPORT_DIR": "/tmp/checkin_bench_exports",
                      "BACKGROUND_WORKER": "external"})
    ids = pages.supervisors(url)
    county, province = pages.signed_in(app, "county1"), pages.signed_in(app, "province1")
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine(), "before_cursor_execute", count)
    named: dict[str, tuple[Any, str]] = {"baseline GET /api/v1/health": (county,
                                                                         "/api/v1/health")}
    for who, client in (("county", county), ("province", province)):
        named |= {f"{who} {path}": (client, path) for path in (
            "/coverage", "/overdue", "/visits", "/households", "/villages",
            "/api/v1/households?limit=100", "/api/v1/households?limit=100&due=overdue",
            "/coverage.xlsx", "/overdue.xlsx")}
    named["province > county /coverage"] = (province, f"/coverage?area={ids['county']}")
    times: dict[str, list[float]] = {name: [] for name in named}
    sizes: dict[str, tuple[int, int, int]] = {}
    for _ in range(runs):
        for name, (client, path) in named.items():
            statements[0] = 0
            start = time.perf_counter()
            answer = client.get(path)
            times[name].append(time.perf_counter() - start)
            assert answer.status_code in (200, 303), (name, answer.status_code)
            sizes[name] = (answer.status_code, len(answer.data), statements[0])
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["baseline GET /api/v1/health"]
    print(f"median of {runs} interleaved runs; ratios to the baseline of the same rounds "
          "(303: queued as an export job)")
    print(f"  {'page':<52}{'time':>10}{'x base':>8}{'answer':>7}{'bytes':>11}{'SQL':>5}")
    for name, seconds in median.items():
        status, size, sql = sizes[name]
        print(f"  {name:<52}{ms(seconds):>10}{seconds / base:>8.0f}{status:>7}{size:>11,}"
              f"{sql:>5}")
    app.extensions["checkin_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-cadre", type=int, default=10)
    args = parser.parse_args()
    url = world_of.existing("postgresql", 22_112)
    if url is None:
        sys.exit("no province database: run bench/area_pages.py --cadres 22112 --db postgresql")
    add_households(url, args.per_cadre)
    measure(url, args.runs)


if __name__ == "__main__":
    main()
