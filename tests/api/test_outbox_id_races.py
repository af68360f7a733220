"""销假 and a team report's remarks carry the id the phone made (issue 17, item 4: they are
sent through the outbox, which sends again until it hears an answer): the same request sent
again, or several times at once, is one change, answered as the stored one; another request
under the same id is a conflict; an old resend never overwrites remarks saved after it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.domain import reporting
from checkin.models import AuditEntry, TeamReport, TeamReportRemarks
from tests.api.test_leave_races import AT_ONCE, ROUNDS
from tests.concurrency import together

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Monday 15 June, 10:00 in Shanghai


def approved_leave(app: Flask, token_for, day: date) -> str:
    asked = app.test_client().post("/api/v1/leaves", json={
        "id": str(uuid.uuid4()), "kind": "sick", "reason": "发烧", "start_date": day.isoformat(),
        "end_date": day.isoformat()}, headers=token_for("cadre_a"))
    assert asked.status_code == 201, asked.get_json()
    leave_id = asked.get_json()["id"]
    decided = app.test_client().post(f"/api/v1/leaves/{leave_id}/decision",
                                     json={"approve": True}, headers=token_for("sup_t1"))
    assert decided.status_code == 200, decided.get_json()
    return leave_id


def closings_of(app: Flask, leave_id: str) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "leave", AuditEntry.entity_id == leave_id,
            AuditEntry.action == "leave.closed"))


def test_a_return_sent_again_answers_the_closed_leave_and_another_under_its_id_is_refused(
        app: Flask, world, token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    leave_id = approved_leave(app, token_for, NOW.date())
    bearer = token_for("cadre_a")
    body = {"id": str(uuid.uuid4()), "date": NOW.date().isoformat()}
    first = app.test_client().post(f"/api/v1/leaves/{leave_id}/return", json=body,
                                   headers=bearer)
    again = app.test_client().post(f"/api/v1/leaves/{leave_id}/return", json=body,
                                   headers=bearer)
    assert (first.status_code, again.status_code) == (200, 200), again.get_json()
    assert again.get_json()["status"] == "closed"
    other_date = app.test_client().post(f"/api/v1/leaves/{leave_id}/return", json={
        "id": body["id"], "date": (NOW.date() - timedelta(days=1)).isoformat()}, headers=bearer)
    assert other_date.status_code == 409
    assert other_date.get_json()["error"]["code"] == "id_conflict"
    # A 销假 with another id (a second tap on a page without the outbox) is refused as now.
    second = app.test_client().post(f"/api/v1/leaves/{leave_id}/return", json={
        "id": str(uuid.uuid4()), "date": NOW.date().isoformat()}, headers=bearer)
    assert second.status_code in (409, 422)
    assert closings_of(app, leave_id) == 1


def test_a_return_sent_several_times_at_once_closes_the_leave_once(
        app: Flask, world, token_for) -> None:
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        now = NOW + timedelta(days=round_)
        app.config["FIXED_NOW"] = now
        leave_id = approved_leave(app, token_for, now.date())
        body = {"id": str(uuid.uuid4()), "date": now.date().isoformat()}

        def send(_n: int, leave_id: str = leave_id, body: dict[str, Any] = body
                 ) -> tuple[int, Any]:
            response = app.test_client().post(f"/api/v1/leaves/{leave_id}/return", json=body,
                                              headers=bearer)
            return response.status_code, (response.get_json() or {}).get("status")

        answers = together(AT_ONCE, send)
        assert answers == [(200, "closed")] * AT_ONCE, (round_, answers)
        assert closings_of(app, leave_id) == 1, round_


def remarks(app: Flask, bearer: dict[str, str], request_id: str, text: str,
            period: str) -> Any:
    return app.test_client().post("/api/v1/team-report/remarks", json={
        "id": request_id, "period": period, "remarks": text}, headers=bearer)


def stored_remarks(app: Flask, team_id: int, period: str) -> tuple[str, int]:
    with app.app_context():
        session = db.session()
        report = session.scalars(select(TeamReport).where(
            TeamReport.team_id == team_id, TeamReport.period == period)).one()
        saves = session.scalar(select(func.count()).select_from(TeamReportRemarks).where(
            TeamReportRemarks.report_id == report.id))
        return report.remarks, saves


def test_remarks_sent_again_change_nothing_and_an_old_resend_does_not_overwrite(
        app: Flask, world, token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    period = reporting.week_of(NOW.date())
    bearer = token_for("cadre_a")
    first_id, later_id = str(uuid.uuid4()), str(uuid.uuid4())
    assert remarks(app, bearer, first_id, "本周走访 12 户", period).status_code == 201
    assert remarks(app, bearer, later_id, "本周走访 14 户，修订", period).status_code == 201
    # The first save's answer was lost: the outbox sends it again after the later save.
    replay = remarks(app, bearer, first_id, "本周走访 12 户", period)
    assert replay.status_code == 200
    assert replay.get_json()["remarks"] == "本周走访 12 户"
    assert stored_remarks(app, world["team_a"], period) == ("本周走访 14 户，修订", 2)
    changed = remarks(app, bearer, first_id, "另一段话", period)
    assert changed.status_code == 409
    assert changed.get_json()["error"]["code"] == "id_conflict"
    # Only the leader writes the remarks, in the language of the request.
    member = remarks(app, token_for("cadre_a2"), str(uuid.uuid4()), "x", period)
    assert member.status_code == 403


def test_remarks_sent_several_times_at_once_are_saved_once(app: Flask, world,
                                                          token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    bearer = token_for("cadre_a")
    for round_ in range(ROUNDS):
        period = reporting.week_of(NOW.date() - timedelta(weeks=round_))
        request_id = str(uuid.uuid4())

        def send(_n: int, request_id: str = request_id, period: str = period,
                 round_: int = round_) -> tuple[int, Any]:
            response = remarks(app, bearer, request_id, f"第 {round_} 周小结", period)
            return response.status_code, (response.get_json() or {}).get("id")

        answers = together(AT_ONCE, send)
        assert sorted(status for status, _ in answers) == [200] * (AT_ONCE - 1) + [201], (
            round_, answers)
        assert {answer for _, answer in answers} == {request_id}
        assert stored_remarks(app, world["team_a"], period) == (f"第 {round_} 周小结", 1)
