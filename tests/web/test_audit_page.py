"""The audit log page (issue 20): searchable by who, what, when and from where, exported in
full, reading it audited; refused access is in the log; with duties separated (三员分立)
each admin reaches only the pages of their one duty."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, User
from checkin.platform import audit, clock
from tests.conftest import csrf_from

Login = Callable[..., FlaskClient]


def _entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == action).order_by(AuditEntry.id)))


def _id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session().scalars(select(User.id).where(User.username == username)).one()


def _duty(app: Flask, username: str, duty: str) -> None:
    answer = app.test_cli_runner().invoke(args=["set-duty", username, duty])
    assert answer.exit_code == 0, answer.output


def test_failed_sign_ins_are_found_by_who_what_and_where(app: Flask, client: FlaskClient,
                                                         world, login: Login) -> None:
    stranger = app.test_client()
    stranger.post("/login", data={"username": "sup_t1", "password": "wrong-guess-1",
                                  "csrf_token": csrf_from(stranger)},
                  environ_base={"REMOTE_ADDR": "10.9.8.7"})
    login(client, "admin")
    page = client.get("/audit?action=login.failed&address=10.9.").get_data(as_text=True)
    assert "login.failed" in page and "10.9.8.7" in page and "sup_t1" in page
    assert "10.9.8.7" not in client.get("/audit?action=login.failed&address=192.").get_data(
        as_text=True)
    mine = client.get("/audit?who=TheAdmin").get_data(as_text=True)
    assert "login" in mine and "10.9.8.7" not in mine
    reads = _entries(app, "audit.read")
    assert reads and reads[-1].detail == {"who": "TheAdmin"}


def test_days_bound_the_search_and_a_bad_date_is_said_not_a_500(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    with app.app_context():
        s = db.session()
        old = audit.record(s, actor_id=None, action="test.old", entity="x", entity_id=None)
        old.at = clock.now() - timedelta(days=40)
        s.commit()
    login(client, "admin")
    today = clock.today()
    recent = client.get(f"/audit?action=test.&first={today - timedelta(days=7)}")
    assert "test.old" not in recent.get_data(as_text=True)
    back_then = client.get(f"/audit?action=test.&last={today - timedelta(days=30)}")
    assert "test.old" in back_then.get_data(as_text=True)
    bad = client.get("/audit?first=2026-13-45")
    assert bad.status_code == 200 and "2026-12-01" in bad.get_data(as_text=True)


def test_the_page_is_paged_and_the_export_holds_every_match(app: Flask, client: FlaskClient,
                                                            world, login: Login) -> None:
    with app.app_context():
        s = db.session()
        for n in range(250):
            audit.record(s, actor_id=None, action="test.many", entity="x", entity_id=n)
        s.commit()
    login(client, "admin")
    first = client.get("/audit?action=test.many").get_data(as_text=True)
    assert first.count('<td class="code">test.many</td>') == 100
    assert 'rel="next"' in first
    sheet = client.get("/audit/export.xlsx?action=test.many")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "时间", "账号", "姓名", "操作")
    assert len(rows) == 1 + 250 and all(r[4] == "test.many" for r in rows[1:])
    assert _entries(app, "audit.export")


def test_a_refused_page_is_in_the_audit_log(app: Flask, client: FlaskClient, world,
                                            login: Login) -> None:
    login(client, "cadre_a")
    assert client.get("/audit").status_code == 404
    assert client.get("/admin/users").status_code == 404
    denied = _entries(app, "access.denied")
    assert [(e.entity_id, e.detail["path"]) for e in denied] == [
        ("audit_log.entries", "/audit"), ("admin.users", "/admin/users")]
    assert denied[0].actor_id == world["cadre_a"]


def test_separated_duties_reach_only_their_own_pages(app: Flask, world, login: Login) -> None:
    app.config["SEPARATION_OF_DUTIES"] = True
    with app.app_context():
        s = db.session()
        for username in ("secadmin", "auditadmin"):
            s.add(User(username=username, name=username, role="admin",
                       password_hash=s.get(User, world["admin"]).password_hash))
        s.commit()
    _duty(app, "admin", "system")
    _duty(app, "secadmin", "security")
    _duty(app, "auditadmin", "audit")
    system = login(app.test_client(), "admin")
    security = login(app.test_client(), "secadmin")
    auditor = login(app.test_client(), "auditadmin")
    assert system.get("/admin/roster").status_code == 200
    assert system.get("/audit").status_code == 404
    assert auditor.get("/audit").status_code == 200
    for path in ("/admin/roster", "/admin/users", "/attendance/today", "/visits"):
        assert auditor.get(path).status_code == 404, path
    assert "审计日志" in auditor.get("/").get_data(as_text=True)
    assert "花名册导入" not in auditor.get("/").get_data(as_text=True)
    assert security.get("/admin/users").status_code == 200
    assert security.get("/admin/roster").status_code == 404
    page = f"/admin/users/{world['sup_t1']}"
    assert security.post(f"{page}/active", data={
        "active": "0", "csrf_token": csrf_from(security, page)}).status_code == 303
    assert system.post(f"{page}/active", data={
        "active": "1", "csrf_token": csrf_from(system, page)}).status_code == 404
    assert security.post(f"{page}/password", data={
        "csrf_token": csrf_from(security, page)}).status_code == 404
    # no admin takes over another admin's sign-in from a page (the auditor's, say)
    auditor_page = f"/admin/users/{_id(app, 'auditadmin')}"
    taken = system.post(f"{auditor_page}/password", data={
        "csrf_token": csrf_from(system, auditor_page)})
    assert taken.status_code == 403 and "flask set-password" in taken.get_data(as_text=True)
    assert not _entries(app, "user.password")
    duties = [e.detail for e in _entries(app, "user.duty")]
    assert {"before": None, "after": "audit"} in duties
    denied = {e.entity_id for e in _entries(app, "access.denied")}
    assert {"audit_log.entries", "admin.roster", "admin.user_active",
            "admin.user_password"} <= denied
