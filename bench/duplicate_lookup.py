"""Duplicate-photo look-up among 1 million stored perceptual hashes (aim: under 20 ms).

Fills the photos table of a scratch database (SQLite file and PostgreSQL `checkin_bench_dup`)
with 1,000,000 random 64-bit hashes and their bands, in SQL, then times
`find_duplicate` for near-copies of stored hashes (2-6 bits flipped) and for fresh hashes,
against a brute-force scan of all hashes in the same run.

    .venv/bin/python -m bench.duplicate_lookup [--rows 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import create_engine, func, select, text

from checkin import create_app, db
from checkin.models import Photo, Visit
from checkin.ops.demo import seed_demo
from checkin.photos.phash import from_signed64, hamming
from checkin.services.visits.photo_index import find_duplicate
from config import Config

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fill_sql(dialect: str, rows: int, visit_id: str, county_id: int) -> str:
    """INSERT ... SELECT making `rows` random hashes with their four 16-bit bands."""
    if dialect == "postgresql":
        source = ("SELECT (floor(random() * 18446744073709551616) "
                  "- 9223372036854775808)::numeric::bigint AS h FROM generate_series(1, :n)")
    else:
        # MATERIALIZED: otherwise SQLite re-evaluates random() for every use of h.
        source = ("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
                  "WHERE i < :n), g AS MATERIALIZED (SELECT random() AS h FROM s) "
                  "SELECT h FROM g")
    bands = ", ".join(f"(h >> {48 - 16 * n}) & 65535" for n in range(4))
    return (f"INSERT INTO photos (visit_id, county_id, sha256, thumb_sha256, width, height, "
            f"original_format, original_width, original_height, phash, band0, band1, band2, "
            f"band3, flags, created_at) SELECT '{visit_id}', {county_id}, 'x', 'x', 1, 1, "
            f"'JPEG', 1, 1, h, {bands}, '', CURRENT_TIMESTAMP FROM ({source}) AS g")


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def run(url: str, rows: int, queries: int) -> None:
    class BenchConfig(Config):
        DATABASE_URL = url
        SECRET_KEY = "bench"
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    app = create_app(BenchConfig)
    with app.app_context():
        from checkin.migrate import upgrade

        upgrade(db.engine())
        session = db.session()
        if not session.scalar(select(func.count()).select_from(Visit)):
            seed_demo(session, password="bench-pass-1")
            session.commit()
        visit = session.scalars(select(Visit)).first()
        county = 3  # the demo county's area id
        have = session.scalar(select(func.count()).select_from(Photo))
        if have < rows:
            started = time.perf_counter()
            session.execute(text(fill_sql(db.engine().dialect.name, rows - have, visit.id,
                                          county)), {"n": rows - have})
            session.commit()
            print(f"  filled {rows - have:,} hashes in {time.perf_counter() - started:.1f} s")
        rng = random.Random(5)
        stored = [from_signed64(h) for h in session.scalars(
            select(Photo.phash).order_by(func.random()).limit(queries // 2))]
        near = []
        for h in stored:
            for bit in rng.sample(range(64), rng.randint(2, 6)):
                h ^= 1 << bit
            near.append(h)
        fresh = [rng.getrandbits(64) for _ in range(queries - len(near))]
        every = [from_signed64(h) for h in session.scalars(select(Photo.phash))]

        found = 0
        lookups: list[float] = []
        for h in near + fresh:
            start = time.perf_counter()
            hit = find_duplicate(session, county, h, 6)
            lookups.append((time.perf_counter() - start) * 1000)
            found += hit is not None
        brute = timed(lambda: min(hamming(near[0], s) for s in every), 3)
        lookups.sort()
        print(f"  {len(every):,} stored hashes; {len(near)} near-copies, {len(fresh)} fresh: "
              f"{found} found (expect >= {len(near)})")
        print(f"  indexed look-up: median {statistics.median(lookups):.2f} ms, "
              f"p99 {lookups[int(len(lookups) * 0.99) - 1]:.2f} ms, max {lookups[-1]:.2f} ms")
        print(f"  brute-force scan in Python (same run): median {statistics.median(brute):.0f} ms"
              f" -> indexed is {statistics.median(brute) / statistics.median(lookups):.0f}x "
              "faster")
    app.extensions["checkin_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sqlite", default="/tmp/checkin_bench_dup.db")
    args = parser.parse_args()
    print("SQLite")
    run(f"sqlite:///{args.sqlite}", args.rows, args.queries)
    print("PostgreSQL")
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'checkin_bench_dup'"))
        if not exists:
            conn.execute(text("CREATE DATABASE checkin_bench_dup"))
    admin.dispose()
    run(PG_ADMIN.rsplit("/", 1)[0] + "/checkin_bench_dup", args.rows, args.queries)


if __name__ == "__main__":
    main()
