"""The scheduler: each due job runs at most once per period, even when two processes run
`flask run-jobs` at the same moment; every run is logged with its outcome; a failed job is
tried again (a few times) and does not stop the others."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Delivery, JobRun
from checkin.ops import delivery, scheduler
from checkin.ops.jobs import JOBS, Job
from tests.notify.servers import http_server

ROOT = Path(__file__).resolve().parents[2]


def _runs(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        return sorted((r.job, r.outcome, r.attempts) for r in db.session().scalars(
            select(JobRun)))


def test_two_processes_at_once_run_each_job_once(app: Flask, client, world, token_for,
                                                 database_url: str, tmp_path: Path) -> None:
    with http_server() as (hook, url):
        app.config["WEBHOOK_URL"] = f"{url}/hook"
        for who, days in (("cadre_a", 1), ("cadre_b", 5)):  # township's and county's
            start = date.today() + timedelta(days=5)
            assert client.post("/api/v1/leaves", headers=token_for(who), json={
                "id": str(uuid.uuid4()), "kind": "personal", "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=days - 1)).isoformat()}).status_code == 201
        env = {**os.environ, "DATABASE_URL": database_url, "CHECKIN_ENV": "development",
               "SECRET_KEY": "test", "PHOTO_DIR": str(tmp_path / "photos"),
               "WEBHOOK_URL": f"{url}/hook", "JOBS_DAILY_HOUR": "0", "PYTHONPATH": str(ROOT),
               "DIGEST_DAILY_HOUR": "0", "DIGEST_WEEKLY_HOUR": "0",
               "SPOTCHECK_DRAW_AREAS": "340801"}
        while datetime.now(UTC).second > 45:  # both inside one minute: one delivery period
            time.sleep(1)
        command = [sys.executable, "-m", "flask", "--app", "checkin", "run-jobs"]
        both = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in both]
        assert [p.returncode for p in both] == [0, 0], outputs
        runs = _runs(app)
        assert sorted(job for job, _, _ in runs) == sorted(j.name for j in JOBS)
        assert all(outcome == "ok" and attempts == 1 for _, outcome, attempts in runs), runs
        with app.app_context():
            keys = sorted(db.session().scalars(select(Delivery.dedupe_key)))
        # Two leave asked, two cadres without check-ins (the daily job), and the three
        # supervisors' daily and weekly digests (the members were not on post): each once.
        assert len(keys) == 4 + 3 * 2
        # What one process wrote while the other was delivering waits for the next minute's
        # delivery (a job runs once per period, whichever process takes it): run that one.
        with app.app_context():
            delivery.deliver_all()
        assert sorted(r.headers["X-Checkin-Delivery"] for r in hook.received) == keys
        printed = outputs[0][0] + outputs[1][0]
        assert printed.count("deliver ") == 1 and printed.count("spotcheck_draw ") == 1
    with app.app_context():
        assert {d.status for d in db.session().scalars(select(Delivery))} == {"sent"}


def test_a_second_pass_in_the_same_period_runs_nothing(app: Flask, world) -> None:
    app.config["JOBS_DAILY_HOUR"] = 0
    with app.app_context():
        first = scheduler.run_due(holder="one")
        second = scheduler.run_due(holder="two")
    assert {r.outcome for r in first} == {"ok"}
    assert {(r.outcome, r.detail) for r in second} == {("skipped", "already run this period")}


def test_a_failed_job_is_logged_retried_and_does_not_stop_the_others(app: Flask,
                                                                     world) -> None:
    calls: list[str] = []

    def broken() -> str:
        calls.append("broken")
        raise RuntimeError("the disk is full")

    def fine() -> str:
        calls.append("fine")
        return "did it"

    jobs = [Job("broken", "day", broken), Job("fine", "day", fine)]
    app.config["JOBS_DAILY_HOUR"] = 0
    with app.app_context():
        for _ in range(5):
            scheduler.run_due(jobs, holder="host")
        rows = {r.job: r for r in db.session().scalars(select(JobRun))}
    assert calls == ["broken", "fine"] + ["broken"] * (scheduler.MAX_ATTEMPTS - 1)
    assert rows["broken"].outcome == "error" and "the disk is full" in rows["broken"].detail
    assert rows["broken"].attempts == scheduler.MAX_ATTEMPTS
    assert rows["fine"].outcome == "ok" and rows["fine"].detail == "did it"


def test_a_held_job_is_skipped(app: Flask, world) -> None:
    ran: list[str] = []
    job = Job("held", "minute", lambda: ran.append("x") or "")
    with app.app_context(), scheduler.held("held", "other-host") as mine:
        assert mine
        with app.app_context():  # another host: its own connection and session
            result = scheduler.run_one(job, "p", "this-host")
    assert result.outcome == "skipped" and ran == []


def test_daily_and_weekly_jobs_wait_for_their_hour(app: Flask) -> None:
    with app.app_context():
        early = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # 06:30 on the 3rd in Shanghai
        later = early + timedelta(hours=1)
        day, week, minute = (Job("d", "day", str), Job("w", "week", str),
                             Job("m", "minute", str))
        assert scheduler.period_of(day, early, 7) is None
        assert scheduler.period_of(day, later, 7) == "2026-12-03"
        assert scheduler.period_of(week, later, 7) == "2026-W49"
        assert scheduler.period_of(minute, early, 7) == "2026-12-03T06:30"
