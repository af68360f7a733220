"""Benchmark: a supervisor's today / month / year pages, drilled down by area and paged.

Usage: .venv/bin/python bench/area_pages.py [--cadres 1500] [--runs 5]
       [--db sqlite,postgresql] [--reuse]

Builds the world of bench/ledger_scale.py (counties of 1,500 cadres in 15 townships of 20
villages, one check-in per cadre and day of 2026, about three leaves per cadre) in its own
scratch databases (/tmp/checkin_area_pages.db, PostgreSQL `checkin_area_pages`). Then, in
one run and interleaved, median of --runs, through the app's test client as the county's
supervisor (and, above 1,500 cadres, a province supervisor): each page's server time,
HTML bytes and SQL statements, and the time as a ratio to GET /api/v1/health measured in
the same rounds. "Today" is fixed at 2026-12-31 16:00 in Shanghai.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select, update

import bench.ledger_scale as world_of
from bench._common import ms, postgres_available
from checkin import create_app, db
from checkin.db import make_engine
from checkin.models import Area, User
from checkin.services.people import accounts

PASSWORD = "bench-Password-1"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
world_of.SQLITE_PATH = "/tmp/checkin_area_pages.db"
world_of.PG_NAME = "checkin_area_pages"


def supervisors(url: str) -> dict[str, Any]:
    """Passwords for the first county's supervisor and a province supervisor (made once)."""
    engine = make_engine(url)
    digest = accounts.hash_password(PASSWORD)
    with engine.begin() as conn:
        province = conn.scalar(select(Area.id).where(Area.level == "province"))
        county = conn.scalar(select(User.area_id).where(User.username == "county1"))
        if conn.scalar(select(User.id).where(User.username == "province1")) is None:
            conn.execute(insert(User).values(
                username="province1", name="省督查", role="supervisor", area_id=province,
                password_hash=digest, active=True, session_epoch=0))
        conn.execute(update(User).where(User.username.in_(("county1", "province1")))
                     .values(password_hash=digest))
        township = conn.scalar(select(Area.id).where(Area.parent_id == county)
                               .order_by(Area.code))
    engine.dispose()
    return {"county": county, "township": township}


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token, "no CSRF token on /login"
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.status_code
    return client


def measure(kind: str, url: str, runs: int, province: bool) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": world_of.NOW})
    ids = supervisors(url)
    county = signed_in(app, "county1")
    statements: list[int] = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine(), "before_cursor_execute", count)
    town = ids["township"]
    second = county.get("/attendance/month").get_data(as_text=True)
    found = re.search(r'href="[^"]*after=([^"&]+)[^"]*" rel="next"', second)
    after = found.group(1) if found else ""
    pages: dict[str, tuple[Any, str]] = {
        "baseline GET /api/v1/health": (county, "/api/v1/health"),
        "county /attendance/today": (county, "/attendance/today"),
        "county /attendance/month": (county, "/attendance/month"),
        "county /attendance/year": (county, "/attendance/year"),
        "county /attendance/year?sort=behind": (county, "/attendance/year?sort=behind"),
        "township /attendance/today": (county, f"/attendance/today?area={town}"),
        "township /attendance/month": (county, f"/attendance/month?area={town}"),
        "county /attendance/month, 2nd page": (county, f"/attendance/month?after={after}"),
        "township /attendance/year": (county, f"/attendance/year?area={town}"),
        "county search ?q=": (county, "/attendance/year?q=干部1"),
        "county /cadres": (county, "/cadres"),
        "county /villages": (county, "/villages"),
        "county /households": (county, "/households"),
        "county month.xlsx (whole county)": (county, "/attendance/month.xlsx"),
        "county year.csv (whole county)": (county, "/attendance/year.csv"),
    }
    if province:
        top = signed_in(app, "province1")
        pages |= {"province /attendance/today": (top, "/attendance/today"),
                  "province /attendance/month": (top, "/attendance/month"),
                  "province /attendance/year": (top, "/attendance/year"),
                  "province > county /attendance/year": (
                      top, f"/attendance/year?area={ids['county']}")}
    times: dict[str, list[float]] = {name: [] for name in pages}
    sizes: dict[str, int] = {}
    counted: dict[str, int] = {}
    for _ in range(runs):
        for name, (client, path) in pages.items():
            statements[0] = 0
            start = time.perf_counter()
            answer = client.get(path)
            times[name].append(time.perf_counter() - start)
            assert answer.status_code == 200, (name, answer.status_code)
            sizes[name], counted[name] = len(answer.data), statements[0]
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["baseline GET /api/v1/health"]
    base_size = sizes["baseline GET /api/v1/health"]
    print(f"\n{kind}: median of {runs} interleaved runs (server time through the test "
          f"client; ratios to the baseline of the same rounds)")
    print(f"  {'page':<40}{'time':>10}{'x base':>9}{'bytes':>12}{'x base':>9}"
          f"{'SQL':>6}")
    for name, seconds in median.items():
        print(f"  {name:<40}{ms(seconds):>10}{seconds / base:>9.0f}{sizes[name]:>12,}"
              f"{sizes[name] / base_size:>9.0f}{counted[name]:>6}")
    app.extensions["checkin_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=1_500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--reuse", action="store_true",
                        help="keep databases of the same size from an earlier run")
    args = parser.parse_args()
    kinds = [k for k in args.db.split(",") if k]
    if "postgresql" in kinds and not postgres_available():
        print("PostgreSQL is not reachable; measuring SQLite only")
        kinds.remove("postgresql")
    for kind in kinds:
        url = world_of.existing(kind, args.cadres) if args.reuse else None
        if url is None:
            make = world_of.generate_sqlite if kind == "sqlite" else world_of.generate_postgres
            url, seconds = make(args.cadres)
            print(f"{kind}: generated {args.cadres:,} cadres x {world_of.DAYS} days in "
                  f"{seconds:,.0f} s")
        else:
            print(f"{kind}: reusing the database of an earlier run")
        measure(kind, url, args.runs, province=args.cadres > 1_500)


if __name__ == "__main__":
    main()
