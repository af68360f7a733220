"""An export longer than EXPORT_INLINE_ROWS is not written inside the request (a province's
month grid took 24 s there, and a worker timeout cuts a longer one): it is queued, written
by the worker as the supervisor who asked, and downloaded from its page, never truncated.
Only that supervisor sees the job or its file."""

from __future__ import annotations

import csv
import io
import os
import time
from typing import Any

import openpyxl
import pytest
from sqlalchemy import update

from checkin import db
from checkin.models import ExportJob, User
from checkin.services import worker
from checkin.services.reporting import export_jobs


@pytest.fixture
def small_limit(app) -> Any:
    """Every table of the test world is 'long': more than one row."""
    app.config.update(EXPORT_INLINE_ROWS=1, BACKGROUND_WORKER="external")
    return app


def run_worker(app) -> None:
    worker.work(app, idle_rounds=1)


def inline(app, client, path: str) -> bytes:
    app.config["EXPORT_INLINE_ROWS"] = 10**6
    try:
        answer = client.get(path)
        assert answer.status_code == 200
        return answer.data
    finally:
        app.config["EXPORT_INLINE_ROWS"] = 1


def rows_of(data: bytes) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def queued(client, path: str) -> int:
    answer = client.get(path)
    assert answer.status_code == 303, answer.status_code
    location = answer.headers["Location"]
    assert "/exports/" in location
    return int(location.rstrip("/").split("/")[-1])


@pytest.mark.parametrize("username", ["sup_county", "sup_t1"])
def test_a_long_month_grid_is_written_by_the_worker_as_the_supervisor(
        small_limit, client, world, login, username) -> None:
    app = small_limit
    login(client, username)
    job_id = queued(client, "/attendance/month.xlsx")
    page = client.get(f"/exports/{job_id}")
    assert page.status_code == 200 and 'data-poll=' in page.text
    run_worker(app)
    page = client.get(f"/exports/{job_id}")
    assert "export-file" in page.text and "data-poll=" not in page.text
    status = client.get(f"/exports/{job_id}.json").get_json()
    assert status["status"] == "done" and status["progress"] == 1.0
    answer = client.get(f"/exports/{job_id}/file")
    assert answer.status_code == 200 and "spreadsheetml" in answer.content_type
    assert "filename*=UTF-8''%E8%80%83%E5%8B%A4%E8%A1%A8" in answer.headers[
        "Content-Disposition"]  # 考勤表-…
    written = rows_of(answer.data)
    # The worker's file is the page's own export, with that supervisor's jurisdiction.
    assert written == rows_of(inline(app, client, "/attendance/month.xlsx"))
    assert status["rows"] == len(written) - 1
    names = {r[0] for r in written[1:]}
    if username == "sup_t1":
        assert names == {"CadreALeader", "CadreAMember"}
    else:
        assert "CadreBLeader" in names and "CadreCLeader" not in names


def test_the_filters_and_sort_of_the_page_apply_to_the_queued_file(small_limit, client,
                                                                  world, login) -> None:
    login(client, "sup_county")
    path = f"/attendance/year.xlsx?village={world['vb']}&sort=on_post"
    job_id = queued(client, path)
    run_worker(small_limit)
    written = rows_of(client.get(f"/exports/{job_id}/file").data)
    assert {r[1] for r in written[1:]} == {"VillageBeta村"}
    assert written == rows_of(inline(small_limit, client, path))


def test_a_streamed_csv_is_queued_whole(small_limit, client, world, login,
                                        make_visit) -> None:
    for _ in range(3):
        make_visit("cadre_a")
    login(client, "sup_county")
    job_id = queued(client, "/visits.csv")
    run_worker(small_limit)
    answer = client.get(f"/exports/{job_id}/file")
    assert answer.content_type.startswith("text/csv")
    lines = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert len(lines) > 1 + 3  # the world's visits and these three, more than the limit
    assert answer.data == inline(small_limit, client, "/visits.csv")


def test_a_short_export_is_still_sent_at_once(app, client, world, login) -> None:
    login(client, "sup_county")
    answer = client.get("/attendance/month.xlsx")
    assert answer.status_code == 200 and "spreadsheetml" in answer.content_type


def test_nobody_else_sees_the_job_or_its_file(small_limit, client, world, login) -> None:
    login(client, "sup_county")
    job_id = queued(client, "/attendance/month.xlsx")
    run_worker(small_limit)
    other = small_limit.test_client()
    login(other, "sup_t1")
    for path in (f"/exports/{job_id}", f"/exports/{job_id}.json", f"/exports/{job_id}/file"):
        assert other.get(path).status_code == 404
    assert f"/exports/{job_id}" not in other.get("/exports").text
    mine = client.get("/exports")
    assert f"/exports/{job_id}/file" in mine.text
    cadre = small_limit.test_client()
    login(cadre, "cadre_a")
    assert cadre.get(f"/exports/{job_id}/file").status_code == 404


def test_a_job_of_a_disabled_account_fails_and_writes_nothing(small_limit, client, world,
                                                              login) -> None:
    login(client, "sup_county")
    job_id = queued(client, "/attendance/month.xlsx")
    with small_limit.app_context():
        session = db.session()
        session.execute(update(User).where(User.id == world["sup_county"]).values(active=False))
        session.commit()
    run_worker(small_limit)
    with small_limit.app_context():
        job = db.session().get(ExportJob, job_id)
        assert job is not None and job.status == "failed"
        assert job.error == "export_actor_gone"
        assert not export_jobs.file_of(job).exists()


def test_an_address_that_answers_no_table_fails_in_the_readers_language(
        small_limit, client, world, login) -> None:
    with small_limit.app_context():
        session = db.session()
        job = export_jobs.enqueue(session, world["sup_county"], "/attendance/nowhere.xlsx",
                                  "en")
        session.commit()
        job_id = job.id
    run_worker(small_limit)
    login(client, "sup_county")
    page = client.get(f"/exports/{job_id}?lang=en")
    assert page.status_code == 200
    assert "could not be written" in page.text
    assert "导出未能生成" in client.get(f"/exports/{job_id}").text
    assert client.get(f"/exports/{job_id}/file").status_code == 404


def test_files_older_than_a_day_are_deleted_and_the_page_says_so(small_limit, client, world,
                                                                  login) -> None:
    login(client, "sup_county")
    job_id = queued(client, "/attendance/month.xlsx")
    run_worker(small_limit)
    with small_limit.app_context():
        job = db.session().get(ExportJob, job_id)
        assert job is not None
        path = export_jobs.file_of(job)
        old = time.time() - export_jobs.KEEP_FOR.total_seconds() - 60
        os.utime(path, (old, old))
        assert export_jobs.sweep() == 1
        assert not path.exists()
    assert client.get(f"/exports/{job_id}/file").status_code == 404
    assert "export-file" not in client.get(f"/exports/{job_id}").text


def test_progress_is_seen_while_the_worker_writes(small_limit, world, monkeypatch) -> None:
    """The rows written so far reach the job's row apart from the export's transaction."""
    monkeypatch.setattr(export_jobs, "BEAT_EVERY", 1)
    with small_limit.app_context():
        session = db.session()
        job = export_jobs.enqueue(session, world["sup_county"], "/x", "zh")
        session.commit()
        sink = export_jobs.Sink(job.id, io.BytesIO())
        sink.progress(1, 4)
        seen = db.session()
        seen.expire_all()
        row = seen.get(ExportJob, job.id)
        assert row is not None and row.rows == 1 and row.progress == 0.25
