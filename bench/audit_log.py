"""Benchmark: the audit log page's searches on a log of province size.

Usage: .venv/bin/python bench/audit_log.py --url postgresql+psycopg://postgres@127.0.0.1/DB
                                           [--rows 2000000] [--runs 5]

Fills the database's audit_log with --rows entries (five common actions, one a second,
addresses 10.0.x.1) and 20 failed sign-ins from 10.9.8.7 200 days ago, unless it holds that
many already. Then times `services.people.audit_log.page` (the page's one query), median of
--runs, for each search, against the baseline measured in the same run: the newest page
with no filter.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from checkin.models import AuditEntry
from checkin.platform import clock
from checkin.services.people import audit_log

FILL = """
INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail, address)
SELECT now() - (g || ' seconds')::interval, NULL,
       (ARRAY['checkin.create','visit.create','login','leave.ask','user.edit'])[1 + g % 5],
       'x', g::text, '{}', '10.0.' || (g % 250) || '.1'
FROM generate_series(1, :rows) g
"""
RARE = """
INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail, address)
SELECT now() - interval '200 days', NULL, 'login.failed', 'user', NULL, '{}', '10.9.8.7'
FROM generate_series(1, 20)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = create_engine(args.url)
    with Session(engine) as session:
        if (session.scalar(select(func.count()).select_from(AuditEntry)) or 0) < args.rows:
            session.execute(text(FILL), {"rows": args.rows})
            session.execute(text(RARE))
            session.commit()
            session.execute(text("ANALYZE audit_log"))
        today = clock.today()
        searches = {
            "newest page (baseline)": audit_log.Filters(),
            "a common action": audit_log.Filters(action="login"),
            "a rare action, long ago": audit_log.Filters(action="login.failed"),
            "a rare address": audit_log.Filters(address="10.9."),
            "one week": audit_log.Filters(first=today - timedelta(days=7), last=today),
            "a day 200 days ago": audit_log.Filters(first=today - timedelta(days=200),
                                                    last=today - timedelta(days=200)),
            "a name nobody has": audit_log.Filters(who="无此人"),
        }
        spent: dict[str, list[float]] = {name: [] for name in searches}
        for _ in range(args.runs):
            for name, filters in searches.items():  # interleaved: the machine is noisy
                started = time.perf_counter()
                audit_log.page(session, filters, None)
                spent[name].append(time.perf_counter() - started)
        base = statistics.median(spent["newest page (baseline)"])
        for name, times in spent.items():
            median = statistics.median(times)
            print(f"{name:28} {median * 1000:9.1f} ms  {median / base:8.1f}x")

if __name__ == "__main__":
    main()
