"""A Bearer header never lets the session cookie skip CSRF (issue 13, item 4): the cookie
authenticates only with a valid CSRF token, a Bearer request by its token alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import Checkin, Leave
from tests.conftest import csrf_from

JUNK = {"Authorization": "Bearer junk"}


def checkin_body() -> dict:
    return {"id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 25,
            "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}


def leave_body() -> dict:
    start = datetime.now(UTC).date() + timedelta(days=30)
    return {"id": str(uuid.uuid4()), "kind": "personal", "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=1)).isoformat(), "reason": "家中有事"}


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_cookie_and_junk_bearer_cannot_check_in_or_ask_leave(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    checkins, leaves = count(app, Checkin), count(app, Leave)
    checkin = browser.post("/api/v1/checkins", json=checkin_body(), headers=JUNK)
    leave = browser.post("/api/v1/leaves", json=leave_body(), headers=JUNK)
    assert checkin.status_code in (400, 401), checkin.get_data(as_text=True)
    assert leave.status_code in (400, 401), leave.get_data(as_text=True)
    assert (count(app, Checkin), count(app, Leave)) == (checkins, leaves)


def test_cookie_and_junk_bearer_cannot_decide_leave(app: Flask, world, login,
                                                    make_leave) -> None:
    pending = make_leave("cadre_a", start_date=datetime.now(UTC).date() + timedelta(days=40),
                         end_date=datetime.now(UTC).date() + timedelta(days=40))
    browser = login(app.test_client(), "sup_t1")
    api = browser.post(f"/api/v1/leaves/{pending.id}/decision", json={"approve": True},
                       headers=JUNK)
    page = browser.post(f"/attendance/leaves/{pending.id}/decision",
                        data={"decision": "approve"}, headers=JUNK)
    assert api.status_code in (400, 401), api.get_data(as_text=True)
    assert page.status_code in (302, 400, 401), page.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session().get(Leave, pending.id).status == "pending"


def test_web_form_with_cookie_and_junk_bearer_is_refused(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    leaves = count(app, Leave)
    start = datetime.now(UTC).date() + timedelta(days=50)
    response = browser.post("/my/leaves", data={"kind": "personal",
                                             "start_date": start.isoformat(),
                                             "end_date": start.isoformat(), "reason": "x"},
                            headers=JUNK)
    assert response.status_code in (302, 400, 401)
    assert count(app, Leave) == leaves


def test_bearer_alone_decides_who_asks_even_with_a_cookie(app: Flask, world, login,
                                                          token_for) -> None:
    bearer = token_for("cadre_b")
    browser = login(app.test_client(), "cadre_a")
    me = browser.get("/api/v1/me", headers=bearer)
    assert me.get_json()["username"] == "cadre_b"
    assert browser.get("/api/v1/me", headers=JUNK).status_code == 401
    created = browser.post("/api/v1/leaves", json=leave_body(), headers=bearer)
    assert created.status_code == 201 and created.get_json()["user_id"] == world["cadre_b"]


def test_cookie_with_csrf_token_still_works(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    token = csrf_from(browser, "/")
    created = browser.post("/api/v1/leaves", json=leave_body(), headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_data(as_text=True)
