"""Benchmark: the year ledger of a province (22,000 cadres x 365 days) and a county's pages.

Usage: .venv/bin/python bench/ledger_scale.py [--cadres 22000] [--runs 5]
       [--db sqlite,postgresql] [--reuse]

Builds, with the app's migrations, a scratch SQLite file /tmp/checkin_bench.db and a
PostgreSQL database `checkin_bench`: 15 counties of 1,500 cadres (the last one short), one
check-in per cadre and day of 2026 (8,030,000 rows, about 85 % of them counting), the
attendance days they make, and about three approved or closed leaves per cadre. The bulk
load runs in SQL (a recursive CTE on SQLite, generate_series on PostgreSQL) with the
attendance_years triggers off, and folds the days into attendance_years at the end, as
the triggers would have. --reuse keeps databases from an earlier run.

Then, in one run and interleaved, median of --runs:
- the baseline: COUNT(DISTINCT local_day) of counting check-ins per cadre for 2026 over
  the raw check-ins (with the (user_id, recorded_at) index), for the whole province;
- the ledger path, `ledger.ledgers` for all 22,000 cadres (the cadres loaded beforehand),
  and the old path (`ledger.reference_ledgers`: every cadre-day row and the domain
  function per cadre) for one county;
- the service calls behind a county supervisor's /attendance/year, /attendance/month and
  /attendance/today (1,500 cadres, from listing the cadres to the rows a page renders).
"Today" is fixed at 2026-12-31 16:00 in Shanghai.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import (
    Integer,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection

from bench._common import (
    chunks,
    ms,
    postgres_available,
    scratch_postgres,
    scratch_sqlite,
    seed_world,
)
from checkin import create_app, db
from checkin.db import make_engine
from checkin.domain import attendance
from checkin.models import AttendanceDay, AttendanceYear, Checkin, Leave, User
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.attendance import boards, ledger
from checkin.settings import policy

SQLITE_PATH = "/tmp/checkin_bench.db"
PG_NAME = "checkin_bench"
YEAR = 2026
DAYS = 365
NOW = datetime(2026, 12, 31, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
COUNTY_SHAPE = {"townships_per_county": 15, "villages_per_township": 20,
                "cadres_per_village": 5}  # 1,500 cadres a county
COUNTING_PERCENT = 85


def term(index: int) -> tuple[date, date | None]:
    """Most teams serve the whole year; one in ten rotates in July, one in ten leaves."""
    if index % 10 == 3:
        return date(2026, 7, 1), date(2028, 6, 30)
    if index % 10 == 7:
        return date(2024, 7, 1), date(2026, 6, 30)
    return date(2025, 3, 1), date(2027, 2, 28)


def leave_rows(cadres: list[tuple[int, int]], seed: int = 2026) -> list[dict[str, Any]]:
    """About three approved or closed leaves per cadre and year, of every kind."""
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for user_id, village_id in cadres:
        for _ in range(rng.choice((1, 2, 3, 3, 4, 5))):
            start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, DAYS))
            end = start + timedelta(days=rng.choice((0, 0, 1, 2, 4, 9)))
            status = rng.choice(("approved", "closed", "closed", "pending", "rejected"))
            returned = end + timedelta(days=1) if status == "closed" else None
            rows.append({"id": str(uuid.uuid4()), "user_id": user_id, "village_id": village_id,
                         "kind": rng.choice(("personal", "sick", "official", "training")),
                         "start_date": start, "end_date": end, "reason": "", "status": status,
                         "approver_level": "township", "created_at": now, "digest": "x",
                         "returned_on": returned})
    return rows


# Generating the data --------------------------------------------------------------------

SQLITE_CHECKINS = f"""
WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < {DAYS - 1})
INSERT INTO checkins (id, user_id, village_id, recorded_at, received_at, local_day, lat, lon,
                      accuracy_m, distance_m, in_fence, counts_for_day, flags, reasons, note,
                      queued, digest)
SELECT printf('%08x-%04x-4000-8000-000000000000', u.id, d.n), u.id, u.village_id,
       date('{YEAR}-01-01', '+' || d.n || ' days') || ' ' ||
         printf('%02d:%02d:%02d.000000', (u.id + d.n) % 2, (u.id * 7 + d.n) % 60,
                (u.id * 13 + d.n * 7) % 60),
       date('{YEAR}-01-01', '+' || d.n || ' days') || ' 03:00:00.000000',
       date('{YEAR}-01-01', '+' || d.n || ' days'),
       30.85, 116.36, 20.0, 35.0, 1, (u.id * 7919 + d.n * 104729) % 100 < {COUNTING_PERCENT},
       '', '[]', NULL, 0, 'bench'
FROM users AS u, d WHERE u.role = 'cadre' ORDER BY u.id, d.n
"""

PG_CHECKINS = f"""
INSERT INTO checkins (id, user_id, village_id, recorded_at, received_at, local_day, lat, lon,
                      accuracy_m, distance_m, in_fence, counts_for_day, flags, reasons, note,
                      queued, digest)
SELECT lpad(to_hex(u.id), 8, '0') || '-' || lpad(to_hex(d.n), 4, '0')
         || '-4000-8000-000000000000', u.id, u.village_id,
       timestamp '{YEAR}-01-01 00:00' + d.n * interval '1 day'
         + ((u.id * 37 + d.n * 11) % 7200) * interval '1 second',
       timestamp '{YEAR}-01-01 03:00' + d.n * interval '1 day',
       date '{YEAR}-01-01' + d.n, 30.85, 116.36, 20.0, 35.0, true,
       (u.id * 7919 + d.n * 104729) % 100 < {COUNTING_PERCENT}, '', '[]', NULL, false, 'bench'
FROM users AS u CROSS JOIN generate_series(0, {DAYS - 1}) AS d(n)
WHERE u.role = 'cadre' ORDER BY u.id, d.n
"""

DAYS_FROM_CHECKINS = """
INSERT INTO attendance_days (user_id, day, village_id, first_checkin_id)
SELECT user_id, local_day, village_id, id FROM checkins WHERE counts_for_day ORDER BY 1, 2
"""


def fold_years(connection: Connection) -> None:
    """Fill attendance_years from attendance_days, as migration 0004's triggers would have
    row by row: the bulk loads here run with the triggers off."""
    days = AttendanceDay.__table__
    years = AttendanceYear.__table__
    year = cast(extract("year", days.c.day), Integer)
    month = cast(extract("month", days.c.day), Integer)
    bit = literal_column("1").op("<<")(cast(extract("day", days.c.day), Integer) - 1)
    # (user_id, day) is unique, so the sum of a month's bits is their OR.
    masks = [func.sum(case((month == number, bit), else_=0)) for number in range(1, 13)]
    connection.execute(delete(years))
    connection.execute(years.insert().from_select(
        ["user_id", "year", *(f"m{number:02d}" for number in range(1, 13))],
        select(days.c.user_id, year, *masks).group_by(days.c.user_id, year)))


def generate_sqlite(cadres: int) -> tuple[str, float]:
    start = time.perf_counter()
    url = scratch_sqlite(SQLITE_PATH)
    engine = make_engine(url)
    world = seed_world(engine, counties=-(-cadres // 1500), max_cadres=cadres,
                       term=term, **COUNTY_SHAPE)
    with engine.begin() as conn:
        for chunk in chunks(leave_rows(world.cadres), 5000):
            conn.execute(insert(Leave), chunk)
    engine.dispose()
    raw = sqlite3.connect(SQLITE_PATH, isolation_level=None)
    triggers = [sql for (sql,) in raw.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'attendance_days'")]
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name = 'attendance_days'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("PRAGMA journal_mode=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-2000000")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("BEGIN")
    raw.execute(SQLITE_CHECKINS)
    raw.execute(DAYS_FROM_CHECKINS)
    raw.execute("COMMIT")
    for sql in triggers:
        raw.execute(sql)
    raw.execute("ANALYZE")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.close()
    engine = make_engine(url)
    with engine.begin() as conn:
        fold_years(conn)
    engine.dispose()
    return url, time.perf_counter() - start


def generate_postgres(cadres: int) -> tuple[str, float]:
    start = time.perf_counter()
    url = scratch_postgres(PG_NAME)
    engine = make_engine(url)
    world = seed_world(engine, counties=-(-cadres // 1500), max_cadres=cadres,
                       term=term, **COUNTY_SHAPE)
    with engine.begin() as conn:
        for chunk in chunks(leave_rows(world.cadres), 5000):
            conn.execute(insert(Leave), chunk)
        # Foreign keys and the attendance_years trigger are off for the bulk load (the rows
        # are consistent by construction); the years are folded in afterwards.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        conn.execute(text(PG_CHECKINS))
        conn.execute(text(DAYS_FROM_CHECKINS))
        fold_years(conn)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url, time.perf_counter() - start


def existing(kind: str, cadres: int) -> str | None:
    """The URL of a database from an earlier run with the same size, if there is one."""
    url = (f"sqlite:///{SQLITE_PATH}" if kind == "sqlite"
           else f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_NAME}")
    if kind == "sqlite" and not Path(SQLITE_PATH).exists():
        return None
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(User).where(
                User.role == "cadre"))
            days = conn.scalar(select(func.count()).select_from(Checkin))
        engine.dispose()
    except Exception:  # no such database yet
        return None
    return url if count == cadres and days == cadres * DAYS else None


# Timing ---------------------------------------------------------------------------------

def baseline(session: Any) -> int:
    """Distinct counting days per cadre for the year, straight from the raw check-ins."""
    zone = clock.zone()
    first = datetime(YEAR, 1, 1, tzinfo=zone)
    last = datetime(YEAR + 1, 1, 1, tzinfo=zone)
    rows = session.execute(
        select(Checkin.user_id, func.count(Checkin.local_day.distinct()))
        .where(Checkin.recorded_at >= first, Checkin.recorded_at < last,
               Checkin.counts_for_day.is_(True))
        .group_by(Checkin.user_id)).all()
    return len(rows)


def old_month_grid(session: Any, cadres: list[User], year: int, month: int, today: date
                   ) -> list[tuple[str, ...]]:
    """The month grid as it was: every cadre-day row and the domain classification."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    ids = [c.id for c in cadres]
    days = ledger.days_on_post(session, ids, first, last)
    leaves = ledger.leaves_of(session, ids, first, last)
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    out = []
    for cadre in cadres:
        classified = attendance.classify_days(days.get(cadre.id, set()),
                                              leaves.get(cadre.id, []), first, last, today)
        out.append(tuple(classified[d] for d in dates))
    return out


def measure(kind: str, url: str, runs: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": NOW})
    with app.app_context():
        session = db.session()
        pol = policy()
        start = time.perf_counter()
        province = list(session.scalars(select(User).where(User.role == "cadre")
                                        .order_by(User.village_id, User.id)))
        load_cadres = time.perf_counter() - start
        supervisor = session.scalars(select(User).where(User.username == "county1")).one()
        scope = Scope.for_user(supervisor)
        county = boards.cadres_in(session, scope, boards.Filters())
        today = clock.today()
        rows = session.scalar(select(func.count()).select_from(Checkin))
        day_rows = session.scalar(select(func.count()).select_from(AttendanceDay))
        leave_count = session.scalar(select(func.count()).select_from(Leave))
        print(f"\n{kind}: {len(province):,} cadres, {rows:,} check-ins, {day_rows:,} "
              f"attendance days, {leave_count:,} leaves; county1 {len(county):,} cadres")

        # The two paths agree before anything is timed.
        fast = ledger.ledgers(session, county, YEAR, pol)
        slow = ledger.reference_ledgers(session, county, YEAR, pol)
        assert [r.ledger for r in fast] == [r.ledger for r in slow], "ledgers differ"
        grid = boards.month_grid(session, county, YEAR, 12, today)[1]
        assert [r.cells for r in grid] == old_month_grid(session, county, YEAR, 12, today)

        new_session = app.extensions["checkin_sessionmaker"]

        def page(fn: Callable[[Any], Any]) -> Callable[[], Any]:
            """A page's service calls in a session of their own, as a request has."""
            def run() -> Any:
                with new_session() as own:
                    return fn(own)
            return run

        named: dict[str, Callable[[], Any]] = {
            "baseline: COUNT(DISTINCT day), province": lambda: baseline(session),
            "ledgers(), province": lambda: ledger.ledgers(session, province, YEAR, pol),
            "old ledger path, county": lambda: ledger.reference_ledgers(
                session, county, YEAR, pol),
            "ledgers(), county": lambda: ledger.ledgers(session, county, YEAR, pol),
            "old month grid, county": lambda: old_month_grid(session, county, YEAR, 12,
                                                             today),
            "county /attendance/year": page(lambda s: boards.year_rows(
                s, boards.cadres_in(s, scope, boards.Filters()), YEAR, pol)),
            "county /attendance/month": page(lambda s: boards.month_grid(
                s, boards.cadres_in(s, scope, boards.Filters()), YEAR, 12, today)),
            "county /attendance/today": page(lambda s: boards.today_board(
                s, scope, today, boards.Filters())),
            "  of which cadres_in": page(lambda s: boards.cadres_in(s, scope,
                                                                   boards.Filters())),
        }
        times: dict[str, list[float]] = {name: [] for name in named}
        cpu: dict[str, list[float]] = {name: [] for name in named}
        for _ in range(runs):
            for name, fn in named.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                fn()
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
        median = {name: statistics.median(ts) for name, ts in times.items()}
        print(f"  loading the {len(province):,} cadres (ORM, not timed below): "
              f"{ms(load_cadres)}")
        where = "this process" if kind == "sqlite" else "this process, not the server"
        print(f"  {'median of ' + str(runs) + ' interleaved runs':<44}{'wall':>10}"
              f"{'CPU (' + where + ')':>36}")
        for name, seconds in median.items():
            print(f"  {name:<44}{ms(seconds):>10}{ms(statistics.median(cpu[name])):>36}")
        base = median["baseline: COUNT(DISTINCT day), province"]
        print(f"  baseline / ledgers() for the province: "
              f"{base / median['ledgers(), province']:.1f}x")
        print(f"  old / new ledger path for a county: "
              f"{median['old ledger path, county'] / median['ledgers(), county']:.1f}x; "
              f"old / new month grid: "
              f"{median['old month grid, county'] / median['county /attendance/month']:.1f}x"
              " (old without cadres_in)")
    app.extensions["checkin_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=22_000)
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
        url = existing(kind, args.cadres) if args.reuse else None
        if url is None:
            make = generate_sqlite if kind == "sqlite" else generate_postgres
            url, seconds = make(args.cadres)
            print(f"{kind}: generated {args.cadres:,} cadres x {DAYS} days in "
                  f"{seconds:,.0f} s")
        else:
            print(f"{kind}: reusing the database of an earlier run")
        measure(kind, url, args.runs)


if __name__ == "__main__":
    main()
