"""Benchmark: a county's monthly bulletin (200 teams, a month of data), target < 500 ms.

Run from the repository root: `.venv/bin/python -m bench.bulletin`; the county of issue 15
(1,520 cadres: 13 townships of 39 villages, 507 teams, 1,521 cadres) with
`.venv/bin/python -m bench.bulletin --townships 13 --villages 39`.
The data (bench/_spotcheck_county.py) goes to a SQLite scratch file; the figure is the
median of several runs of services.bulletin.monthly_bulletin as the county supervisor
sees it, after one warm-up run, and the same with the page and the .xlsx made from it
(each with its ratio to the computation alone, measured in the same run); after
publishing, the published page, a cadre's own row and the open warning talks.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench import _spotcheck_county
from bench._spotcheck_county import MONTH_FIRST, NOW, build, scratch
from checkin import create_app, db
from checkin.models import Area, User, Visit
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.reporting import bulletin, publication
from checkin.settings import policy
from config import TestConfig

PATH = "/tmp/checkin_bench_bulletin.db"
RUNS = 9


def median_ms(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=_spotcheck_county.TOWNSHIPS)
    parser.add_argument("--villages", type=int, default=_spotcheck_county.VILLAGES_PER_TOWNSHIP,
                        help="villages (one team each) per township")
    args = parser.parse_args()
    _spotcheck_county.TOWNSHIPS = args.townships
    _spotcheck_county.VILLAGES_PER_TOWNSHIP = args.villages
    url = scratch(PATH)

    class Config(TestConfig):
        DATABASE_URL = url
        FIXED_NOW = NOW

    app = create_app(Config)
    start = time.perf_counter()
    with app.app_context():
        county = build(db.engine())
    print(f"generated {len(county.team_ids)} teams, {len(county.cadre_ids)} cadres in "
          f"{time.perf_counter() - start:.1f} s ({PATH})")
    month = MONTH_FIRST.strftime("%Y-%m")
    with app.app_context():
        session = db.session()
        visits = session.query(Visit).count()
        supervisor = session.query(User).filter(User.role == "supervisor").one()
        supervisor_id = supervisor.id
        scope = Scope.for_user(supervisor)
        area = session.get(Area, county.county_id)

        def run() -> bulletin.Bulletin:
            session.expire_all()
            return bulletin.monthly_bulletin(session, scope, area, month, clock.today(),
                                             policy())

        found = run()
        med, best = median_ms(run)
        computed_ms = med
        print(f"{visits:,} visits; bulletin {month}: {len(found.lines)} teams, "
              f"{len(found.findings)} serious findings, "
              f"{sum(line.row.award == 'red_flag' for line in found.lines)} red flag(s)")
        print(f"monthly_bulletin, median of {RUNS}: {med:.0f} ms (best {best:.0f} ms); "
              f"target < 500 ms: {'met' if med < 500 else 'MISSED'}")

    client = app.test_client()
    with client.session_transaction() as web_session:
        web_session["_user_id"] = f"{supervisor_id}:0"
        web_session["_fresh"] = True
    for label, path in (("bulletin page", f"/bulletin?area={county.county_id}&month={month}"),
                        (".xlsx export", f"/bulletin.xlsx?area={county.county_id}"
                                         f"&month={month}")):
        def fetch(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        med, best = median_ms(fetch, runs=5)
        print(f"{label}, whole request, median of 5: {med:.0f} ms (best {best:.0f} ms); "
              f"{med / computed_ms:.2f}x the computation alone")
    publish_and_read(app, client, county.county_id, supervisor_id, month)
    cadre_and_talks(app, client, county.cadre_ids[0], supervisor_id)


def publish_and_read(app: Any, client: Any, county_id: int, supervisor_id: int,
                     month: str) -> None:
    """Once published, the API answers the stored snapshot; the page adds the late changes
    (the bulletin computed now, compared with the snapshot). The clock moves to the next
    morning: only a finished month is published."""
    app.config["FIXED_NOW"] = NOW + timedelta(hours=14)
    with app.app_context():
        session = db.session()
        supervisor = session.get(User, supervisor_id)
        area = session.get(Area, county_id)
        start = time.perf_counter()
        publication.publish(session, Scope.for_user(supervisor), supervisor, area, month,
                            clock.today(), policy())
        session.commit()  # the bench is its own commit point
        print(f"publish {month}: {(time.perf_counter() - start) * 1000:.0f} ms")
    for label, path in (("published bulletin, API", f"/api/v1/bulletins/{month}"
                                                    f"?area_id={county_id}"),
                        ("published bulletin page with late changes",
                         f"/bulletin?area={county_id}&month={month}")):
        def fetch(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        med, best = median_ms(fetch, runs=5)
        print(f"{label}, whole request, median of 5: {med:.0f} ms (best {best:.0f} ms)")


def cadre_and_talks(app: Any, client: Any, cadre_id: int, supervisor_id: int) -> None:
    """A cadre's own rows of published bulletins, and the supervisor's open warning talks."""
    from checkin.models import WarningTalk

    with app.app_context():
        talks = db.session().query(WarningTalk).count()
    print(f"warning talks raised by the publication: {talks}")
    for label, user_id, path in (("open warning talks page", supervisor_id, "/warning-talks"),
                                 ("a cadre's own bulletin rows", cadre_id, "/bulletin")):
        with client.session_transaction() as web_session:
            web_session["_user_id"] = f"{user_id}:0"
            web_session["_fresh"] = True

        def fetch(path: str = path) -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        med, best = median_ms(fetch, runs=5)
        print(f"{label}, whole request, median of 5: {med:.0f} ms (best {best:.0f} ms)")


if __name__ == "__main__":
    main()
