"""Roster import as a background job: POST /api/v1/imports answers 202 at once; the job
runs outside the request; a preview lists every change and writes nothing; the import is
all or nothing; the new accounts' credentials sheet is there once for the admin who ran it."""

from __future__ import annotations

import io
import time
from typing import Any

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import check_password_hash

from checkin import db
from checkin.models import Household, User, Village
from tests.conftest import csrf_from
from tests.roster.test_roster_import import changed, counts, xlsx


def wait(client: FlaskClient, job_id: int, headers: dict[str, str] | None = None,
         timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/v1/imports/{job_id}", headers=headers or {})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        job = answer.get_json()
        assert 0 <= job["progress"] <= 1
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def post(client: FlaskClient, headers: dict[str, str], data: bytes, **form: str) -> Any:
    return client.post("/api/v1/imports", headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(data), "roster.xlsx")], **form})


def test_a_preview_lists_every_change_and_writes_nothing_then_the_import_does(
        app: Flask, world, client: FlaskClient, token_for) -> None:
    admin = token_for("admin")
    before = counts(app)
    started = post(client, admin, xlsx(), dry_run="true")
    assert started.status_code == 202, started.get_data(as_text=True)
    assert set(started.get_json()) == {"id", "status"} and started.get_json()["status"] == "queued"
    preview = wait(client, started.get_json()["id"], admin)
    assert preview["status"] == "done" and preview["dry_run"], preview
    assert preview["created"]["household"] == 2 and preview["problems"] == []
    village = next(c for c in preview["changes"] if c["entity"] == "village")
    assert village["action"] == "create" and village["fields"]["landline"] == [
        None, "0556-8123456"]
    assert counts(app) == before, "a preview writes nothing"

    done = wait(client, post(client, admin, xlsx()).get_json()["id"], admin)
    assert done["status"] == "done" and done["created"]["user"] == 3, done
    assert done["new_accounts"] == 3 and done["credentials_available"]
    with app.app_context():
        assert len(db.session().scalars(select(Household.code)).all()) >= 2

    again = wait(client, post(client, admin, xlsx(changed("村", 1, 6, "0556-1111111")),
                               dry_run="1").get_json()["id"], admin)
    assert again["updated"] == {"village": 1}
    assert [c["fields"] for c in again["changes"]] == [
        {"landline": ["0556-8123456", "0556-1111111"]}]

    sheet = client.get(f"/api/v1/imports/{done['id']}/credentials.xlsx", headers=admin)
    assert sheet.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "电话", "账号", "初始密码")
    assert {r[2] for r in rows[1:]} == {"zhangsan", "lisi", "wenquan"}
    assert ("张三", "13800000001", "zhangsan") in {r[:3] for r in rows}
    with app.app_context():
        user = db.session().scalars(select(User).where(User.username == "zhangsan")).one()
        password = next(r[3] for r in rows if r[2] == "zhangsan")
        assert check_password_hash(user.password_hash, password)
    assert client.get(f"/api/v1/imports/{done['id']}/credentials.xlsx",
                      headers=admin).status_code == 410, "once"


def test_a_file_with_problems_fails_with_each_located_and_imports_nothing(
        app: Flask, world, client: FlaskClient, token_for) -> None:
    admin = token_for("admin")
    before = counts(app)
    job = wait(client, post(client, admin, xlsx(changed("村", 1, 3, 300))).get_json()["id"],
               admin)
    assert job["status"] == "failed"
    assert job["problems"][0] | {"message": ""} == {
        "sheet": "村", "row": 2, "column": "纬度", "letter": "D", "code": "latitude",
        "message": ""}
    assert "D 列（纬度）" in job["problems"][0]["message"]
    assert counts(app) == before


def test_only_an_admin_imports(app: Flask, world, client: FlaskClient, token_for) -> None:
    county = token_for("sup_county")
    assert post(client, county, xlsx()).status_code == 404
    assert client.get("/api/v1/imports/1", headers=county).status_code == 404


def test_the_page_previews_asks_to_confirm_then_imports(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "admin")
    token = csrf_from(browser, "/admin/roster")
    sent = browser.post("/admin/roster", data={"csrf_token": token, "file": [
        (io.BytesIO(xlsx()), "roster.xlsx")]}, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    job_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    wait(browser, job_id)
    page = browser.get(f"/admin/roster/{job_id}").get_data(as_text=True)
    assert "0556-8123456" in page and "确认并导入" in page
    with app.app_context():
        assert db.session().scalars(select(Village).where(
            Village.code == "340828101201")).first() is None
    confirmed = browser.post(f"/admin/roster/{job_id}/confirm",
                             data={"csrf_token": csrf_from(browser, f"/admin/roster/{job_id}")})
    assert confirmed.status_code == 303
    final = int(confirmed.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert wait(browser, final)["status"] == "done"
    page = browser.get(f"/admin/roster/{final}").get_data(as_text=True)
    assert "初始密码" in page and "credentials.xlsx" in page
    with app.app_context():
        assert db.session().scalars(select(Village).where(
            Village.code == "340828101201")).first() is not None
