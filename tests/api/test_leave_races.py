"""The overlap rule of leave under concurrency (issue 12, case 5): requests sent together,
each on its own connection, are serialised per cadre by the database (an advisory lock on
PostgreSQL, the write lock on SQLite), so overlapping leave is never stored; a replay racing
its original answers the stored leave; the web form sent twice stores one."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from checkin import db
from checkin.models import Leave
from tests.concurrency import together

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)
ROUNDS = 5
AT_ONCE = 4


def leave_body(start: date, leave_id: str | None = None) -> dict[str, Any]:
    return {"id": leave_id or str(uuid.uuid4()), "kind": "personal",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=1)).isoformat(), "reason": "家中有事"}


def leaves_from(app: Flask, user_id: int, start: date) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Leave).where(
            Leave.user_id == user_id, Leave.start_date == start))


def test_different_leaves_for_the_same_days_sent_together_store_one(
        app: Flask, world, token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        start = TODAY + timedelta(days=5 + 3 * round_)

        def send(_n: int, start: date = start) -> tuple[int, Any]:
            response = app.test_client().post("/api/v1/leaves", json=leave_body(start),
                                              headers=bearer)
            return response.status_code, (response.get_json() or {}).get("error", {}).get(
                "code")

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [201] + [422] * (AT_ONCE - 1), (
            round_, answers)
        assert {code for status, code in answers if status == 422} == {"leave_overlaps"}
        assert leaves_from(app, world["cadre_a"], start) == 1, round_


def test_a_replay_racing_its_original_answers_the_stored_leave(
        app: Flask, world, token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        start = TODAY + timedelta(days=5 + 3 * round_)
        body = leave_body(start)

        def send(_n: int, body: dict[str, Any] = body) -> tuple[int, Any]:
            response = app.test_client().post("/api/v1/leaves", json=body, headers=bearer)
            return response.status_code, (response.get_json() or {}).get("id")

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [200] * (AT_ONCE - 1) + [201], (
            round_, answers)
        assert {leave_id for _, leave_id in answers} == {body["id"]}
        assert leaves_from(app, world["cadre_a"], start) == 1


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REQUEST_RE = re.compile(r'name="request_id" type="hidden" value="([^"]+)"')


def test_the_web_form_sent_twice_stores_one_leave(app: Flask, world, login) -> None:
    app.config["FIXED_NOW"] = NOW
    for round_ in range(ROUNDS):
        browser: FlaskClient = login(app.test_client(), "cadre_a")
        page = browser.get("/my/leaves").get_data(as_text=True)
        csrf = CSRF_RE.search(page)
        assert csrf is not None
        request_id = REQUEST_RE.search(page)
        form = {"csrf_token": csrf.group(1), "kind": "personal",
                "start": (TODAY + timedelta(days=5 + 3 * round_)).isoformat(),
                "end": (TODAY + timedelta(days=6 + 3 * round_)).isoformat(), "reason": "事"}
        if request_id is not None:
            form["request_id"] = request_id.group(1)

        cookie = browser.get_cookie("session")
        assert cookie is not None
        tabs = [app.test_client() for _ in range(2)]  # one browser, the same signed-in session
        for tab in tabs:
            tab.set_cookie("session", cookie.value)

        def send(n: int, form: dict[str, str] = form,
                 tabs: list[FlaskClient] = tabs) -> tuple[int, Any]:
            response = tabs[n].post("/my/leaves", data=form)
            return response.status_code, None

        answers = together(2, send)
        # both submissions end as the one request made: a redirect to the list
        assert sorted(status for status, _ in answers) == [302, 302], (round_, answers)
        assert leaves_from(app, world["cadre_a"],
                           TODAY + timedelta(days=5 + 3 * round_)) == 1, round_


def test_two_decisions_sent_together_settle_the_leave_once(app: Flask, world, token_for
                                                           ) -> None:
    app.config["FIXED_NOW"] = NOW
    cadre, township, county = (token_for("cadre_a"), token_for("sup_t1"),
                               token_for("sup_county"))
    for round_ in range(ROUNDS):
        start = TODAY + timedelta(days=5 + 3 * round_)
        body = leave_body(start)
        assert app.test_client().post("/api/v1/leaves", json=body,
                                      headers=cadre).status_code == 201
        def send(n: int, body: dict[str, Any] = body) -> tuple[int, Any]:
            deciders = [(township, True), (county, False), (cadre, None)]
            headers, approve = deciders[n]
            client = app.test_client()
            if approve is None:  # the cadre withdraws at the same moment
                response = client.post(f"/api/v1/leaves/{body['id']}/withdraw",
                                       headers=headers)
            else:
                response = client.post(f"/api/v1/leaves/{body['id']}/decision",
                                       json={"approve": approve, "comment": "人手不足"},
                                       headers=headers)
            return response.status_code, (response.get_json() or {}).get("status")

        answers = together(3, send)
        assert sorted(status for status, _ in answers) == [200, 409, 409], (round_, answers)
        [settled] = [state for status, state in answers if status == 200]
        with app.app_context():
            stored = db.session().get(Leave, body["id"])
            assert stored is not None and stored.status == settled, (round_, answers)
