"""Make-up requests under concurrency: "one pending make-up per day" held by the database
(the cadre's make-up requests are serialised, as leave requests are), and a replay racing
its original answers the stored request, never 422."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import AttendanceCorrection, CorrectionDecision
from tests.api.test_leave_races import AT_ONCE, ROUNDS
from tests.concurrency import together
from tests.conftest import csrf_from

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Monday 15 June, 10:00 in Shanghai


def makeups_of(app: Flask, user_id: int, day: date) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(AttendanceCorrection)
                                   .where(AttendanceCorrection.user_id == user_id,
                                          AttendanceCorrection.day == day))


def test_different_make_ups_for_one_day_sent_together_store_one(app: Flask, world,
                                                                token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        day = date(2026, 6, 1) + timedelta(days=round_)

        def send(_n: int, day: date = day) -> tuple[int, Any]:
            response = app.test_client().post("/api/v1/attendance/corrections", json={
                "id": str(uuid.uuid4()), "day": day.isoformat(), "reason": "手机没电"},
                headers=bearer)
            return response.status_code, (response.get_json() or {}).get("error", {}).get(
                "code")

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [201] + [422] * (AT_ONCE - 1), (
            round_, answers)
        assert makeups_of(app, world["cadre_a"], day) == 1, round_


def test_a_make_up_replay_racing_its_original_answers_the_stored_one(app: Flask, world,
                                                                     token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        body = {"id": str(uuid.uuid4()), "day": (date(2026, 6, 8) + timedelta(days=round_))
                .isoformat(), "reason": "手机没电"}

        def send(_n: int, body: dict[str, Any] = body) -> tuple[int, Any]:
            response = app.test_client().post("/api/v1/attendance/corrections", json=body,
                                              headers=bearer)
            return response.status_code, (response.get_json() or {}).get("id")

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [200] * (AT_ONCE - 1) + [201], (
            round_, answers)
        assert {answer for _, answer in answers} == {body["id"]}


def test_two_decisions_sent_together_from_the_page_store_one_and_answer_no_500(
        app: Flask, world, token_for, login) -> None:
    app.config["FIXED_NOW"] = NOW
    for round_ in range(ROUNDS):
        asked = app.test_client().post("/api/v1/attendance/corrections", json={
            "id": str(uuid.uuid4()), "day": (date(2026, 6, 1) + timedelta(days=round_))
            .isoformat(), "reason": "手机没电"}, headers=token_for("cadre_a"))
        assert asked.status_code == 201
        clients = [login(app.test_client(), "sup_t1") for _ in range(AT_ONCE)]
        tokens = [csrf_from(c, "/attendance/leaves") for c in clients]

        def send(n: int, correction: str = asked.get_json()["id"],
                 clients: list[Any] = clients, tokens: list[str] = tokens) -> tuple[int, Any]:
            response = clients[n].post(f"/attendance/corrections/{correction}/decision",
                                       data={"csrf_token": tokens[n], "decision": "approve",
                                             "comment": ""})
            return response.status_code, None

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [302] * AT_ONCE, answers
        with app.app_context():
            assert db.session().scalar(select(func.count()).select_from(CorrectionDecision)
                                       .where(CorrectionDecision.correction_id
                                              == asked.get_json()["id"])) == 1
