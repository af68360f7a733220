"""The supervisors' daily and weekly digests at county size: 1,500 cadres in 500 villages
of 10 townships, a county supervisor and one per township (bench/_spotcheck_county.py with
50 villages a township), on a SQLite scratch file.

The baseline, measured in the same run: boards.today_board for the county, which is what
the county supervisor's own *Today* page computes. The daily digest reads that board once
for everybody and tallies it per area; the ratio says what the rest (pending leave and
make-ups per decider, the findings, one notification per supervisor) adds. Each digest run
is rolled back, so every run writes its 11 messages again. Also prints the statements each
one sends: the same for 600 cadres or 1,500 (no query per cadre or per supervisor).

    .venv/bin/python -m bench.notify_digests
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, insert

from bench import _spotcheck_county as county_data
from bench._common import interleaved, ms
from checkin import create_app, db
from checkin.models import Area, User
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.attendance import boards
from checkin.services.notify import digests
from config import TestConfig

PATH = "/tmp/checkin_bench_digests.db"
RUNS = 7


def main() -> None:
    county_data.VILLAGES_PER_TOWNSHIP = 50  # 10 x 50 villages x 3 cadres = 1,500
    county_data.HOUSEHOLDS = 10
    url = county_data.scratch(PATH)

    class Config(TestConfig):
        DATABASE_URL = url
        FIXED_NOW = county_data.NOW  # 20:00 on 30 November: after the day's work

    app = create_app(Config)
    started = time.perf_counter()
    with app.app_context():
        county = county_data.build(db.engine())
        with db.engine().begin() as conn:
            first = len(county.cadre_ids) + 2
            conn.execute(insert(User), [
                {"id": first + n, "username": f"town{n}", "name": f"乡镇{n}",
                 "role": "supervisor", "password_hash": "x", "active": True,
                 "session_epoch": 0, "area_id": township, "created_at": county_data.NOW}
                for n, township in enumerate(county.township_ids)])
    print(f"generated {len(county.cadre_ids):,} cadres, {len(county.township_ids) + 1} "
          f"supervisors in {time.perf_counter() - started:.1f} s ({PATH})")

    with app.app_context():
        session = db.session()
        scope = Scope.for_user(session.get(User, county.cadre_ids[-1] + 1))
        assert scope.is_supervisor and session.get(Area, county.county_id) is not None
        today = clock.today()

        def board() -> None:
            session.expire_all()
            boards.today_board(session, scope, today, boards.Filters())

        def rolled_back(job: Callable[..., int]) -> Callable[[], int]:
            def run() -> int:
                session.expire_all()
                try:
                    return job(session, today)
                finally:
                    session.rollback()
            return run

        named: dict[str, Callable[[], Any]] = {
            "baseline: today_board (county)": board,
            "daily digest": rolled_back(digests.supervisor_daily),
            "weekly digest": rolled_back(digests.supervisor_weekly)}
        made = {name: fn() for name, fn in named.items() if name != next(iter(named))}
        counts = {name: statements(fn) for name, fn in named.items()}
        medians = interleaved(named, RUNS)
        base = medians[next(iter(named))]
        for name, seconds in medians.items():
            extra = f", {made[name]} messages" if name in made else ""
            print(f"{name:<32} median of {RUNS}: {ms(seconds):>9} = {seconds / base:.2f}x "
                  f"the baseline, {counts[name]} statements{extra}")


def statements(fn: Callable[[], Any]) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    engine = db.engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


if __name__ == "__main__":
    main()
