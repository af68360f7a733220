"""Benchmark: a province's exports as background jobs, end to end.

Usage: .venv/bin/python bench/export_jobs.py [--reuse] [--cadres 22112]

On the PostgreSQL world of bench/area_pages.py (15 counties of 1,500 cadres, a year of
check-ins; --reuse keeps it from an earlier run), signed in as the first county's and the
province's supervisors, for /attendance/month.xlsx and /attendance/year.xlsx:
- the request: its time and answer (the whole county inline, 200; the province queued,
  303 to the job's page);
- the job, run by `flask run-worker --once` in a fresh process: wall time, peak RSS, rows
  written, and seconds per 1,000 rows;
- the baseline of the same run: the csv module writing the same number of rows of the
  same width (the floor of writing that many cells at all), as a ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench.area_pages as pages
import bench.ledger_scale as world_of
from bench.exports import baseline
from checkin import create_app, db
from checkin.models import ExportJob

EXPORT_DIR = "/tmp/checkin_bench_exports"


def worker_run(url: str) -> tuple[float, float]:
    """Run the queued jobs in a new process (as `flask run-worker --once` does): its wall
    time and peak RSS in MiB."""
    code = ("import resource, sys; from checkin import create_app; "
            "from checkin.services import worker; "
            f"app = create_app({{'DATABASE_URL': sys.argv[1], 'SECRET_KEY': 'bench', "
            f"'FIXED_NOW': {world_of.NOW!r}, 'EXPORT_DIR': {EXPORT_DIR!r}, "
            "'BACKGROUND_WORKER': 'external'}); worker.work(app, idle_rounds=1); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "import datetime\n" + code, url],
                         check=True, capture_output=True, text=True,
                         env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[1])})
    return time.perf_counter() - start, int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=22_112)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = world_of.existing("postgresql", args.cadres) if args.reuse else None
    if url is None:
        url, seconds = world_of.generate_postgres(args.cadres)
        print(f"generated {args.cadres:,} cadres in {seconds:,.0f} s")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": world_of.NOW,
                      "EXPORT_DIR": EXPORT_DIR, "BACKGROUND_WORKER": "external"})
    pages.supervisors(url)
    clients = {"county": pages.signed_in(app, "county1"),
               "province": pages.signed_in(app, "province1")}
    print(f"{'export':<28}{'request':>9}{'answer':>8}{'job s':>8}{'rows':>8}"
          f"{'s/1000':>8}{'csv s':>7}{'x csv':>7}{'RSS MiB':>9}")
    for who, client in clients.items():
        for path in ("/attendance/month.xlsx", "/attendance/year.xlsx"):
            start = time.perf_counter()
            answer = client.get(path)
            asked = time.perf_counter() - start
            name = f"{who} {path.rsplit('/', 1)[1]}"
            if answer.status_code == 200:
                print(f"{name:<28}{asked:>9.2f}{200:>8}   (written in the request)")
                continue
            assert answer.status_code == 303, answer.status_code
            job_id = int(re.findall(r"\d+", answer.headers["Location"])[-1])
            seconds, rss = worker_run(url)
            with app.app_context():
                job: Any = db.session().get(ExportJob, job_id)
                assert job is not None and job.status == "done", job and job.status
                rows = job.rows
            start = time.perf_counter()
            baseline(rows)
            floor = time.perf_counter() - start
            print(f"{name:<28}{asked:>9.2f}{303:>8}{seconds:>8.1f}{rows:>8,}"
                  f"{seconds / rows * 1000:>8.2f}{floor:>7.2f}{seconds / floor:>7.0f}"
                  f"{rss:>9.0f}")
    app.extensions["checkin_engine"].dispose()


if __name__ == "__main__":
    main()
