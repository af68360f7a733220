"""Make-up requests (补卡, issue 12): the honest path for a missed day. Asked once by id,
for a past day of this month or the previous one that does not count yet; decided by the
township (or above) of that cadre, once; an approved one counts the day everywhere."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 20 November
TODAY = date(2026, 11, 20)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def makeup(day: date = date(2026, 11, 3), **extra) -> dict:
    return {"id": str(uuid.uuid4()), "day": day.isoformat(), "reason": "山里无信号，手机没电",
            **extra}


def ask(client, token_for, body: dict, who: str = "cadre_a2"):
    return client.post("/api/v1/attendance/corrections", json=body, headers=token_for(who))


def decide(client, token_for, correction_id: str, who: str = "sup_t1", **body):
    return client.post(f"/api/v1/attendance/corrections/{correction_id}/decision",
                       json={"approve": True, **body}, headers=token_for(who))


def on_post(client, token_for, world, month: str = "2026-11") -> int:
    rows = client.get(f"/api/v1/attendance/summary?month={month}",
                      headers=token_for("sup_county")).get_json()["items"]
    return next(r["on_post_days"] for r in rows if r["user_id"] == world["cadre_a2"])


def test_a_make_up_is_asked_once_and_a_replay_answers_the_stored_record(
        fixed, client, world, token_for) -> None:
    body = makeup(lat=30.851, lon=116.361)
    first = ask(client, token_for, body)
    assert first.status_code == 201, first.get_json()
    stored = first.get_json()
    assert stored["status"] == "pending" and stored["day"] == "2026-11-03"
    assert stored["id"] == body["id"] and stored["reason"] == body["reason"]
    assert stored["user_id"] == world["cadre_a2"] and stored["lat"] == 30.851
    again = ask(client, token_for, body)
    assert again.status_code == 200 and again.get_json() == stored
    changed = ask(client, token_for, {**body, "reason": "另一个理由"})
    assert changed.status_code == 409


def test_an_approved_make_up_counts_the_day_and_is_audited(fixed, client, world,
                                                          token_for) -> None:
    before = on_post(client, token_for, world)
    asked = ask(client, token_for, makeup()).get_json()
    assert on_post(client, token_for, world) == before  # pending: nothing counts yet
    decided = decide(client, token_for, asked["id"], comment="核实属实")
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"
    assert on_post(client, token_for, world) == before + 1
    year = client.get("/api/v1/attendance?year=2026", headers=token_for("cadre_a2")).get_json()
    assert year["on_post_days"] == before + 1
    with fixed.app_context():
        actions = db.session().scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "attendance_correction").order_by(AuditEntry.id)).all()
    assert actions == ["correction.request", "correction.approved"]


def test_a_second_decision_is_a_conflict_that_names_who_decided_and_when(
        fixed, client, world, token_for) -> None:
    asked = ask(client, token_for, makeup()).get_json()
    assert decide(client, token_for, asked["id"], approve=False,
                  comment="当天有人反映不在村").status_code == 200
    again = decide(client, token_for, asked["id"], who="sup_county")
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "correction_decided"
    assert "SupTownOne" in error["message"] and "2026-11-20 10:00" in error["message"]
    assert on_post(client, token_for, world) == 0  # rejected: the day does not count


def test_a_rejection_needs_a_comment(fixed, client, world, token_for) -> None:
    asked = ask(client, token_for, makeup()).get_json()
    refused = decide(client, token_for, asked["id"], approve=False)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "correction_needs_comment"
    blank = decide(client, token_for, asked["id"], approve=False, comment="  ")
    assert blank.status_code == 422


def test_only_the_township_or_above_of_that_cadre_decides(fixed, client, world,
                                                         token_for) -> None:
    asked = ask(client, token_for, makeup()).get_json()
    assert decide(client, token_for, asked["id"], who="sup_t2").status_code == 404
    assert client.post(f"/api/v1/attendance/corrections/{asked['id']}/decision",
                       json={"approve": True},
                       headers=token_for("cadre_a2")).status_code == 404  # roles_required
    assert decide(client, token_for, asked["id"], who="sup_county").status_code == 200


@pytest.mark.parametrize("day, code", [
    (TODAY, "correction_not_past"),  # today can still be checked in
    (date(2026, 11, 21), "correction_not_past"),
    (date(2026, 9, 30), "correction_too_old"),  # before last month
    (date(2025, 11, 3), "correction_too_old"),
])
def test_only_a_past_day_of_this_month_or_the_previous_one(fixed, client, world, token_for,
                                                           day, code) -> None:
    refused = ask(client, token_for, makeup(day))
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["error"]["code"] == code
    assert refused.get_json()["error"]["fields"] == {"day": refused.get_json()["error"][
        "fields"]["day"]}


def test_the_first_day_of_the_previous_month_may_be_asked(fixed, client, world,
                                                          token_for) -> None:
    assert ask(client, token_for, makeup(date(2026, 10, 1))).status_code == 201


def test_not_a_day_that_counts_and_one_pending_per_day(fixed, client, world, token_for,
                                                      make_checkin) -> None:
    make_checkin("cadre_a2", day=date(2026, 11, 2))
    counted = ask(client, token_for, makeup(date(2026, 11, 2)))
    assert counted.get_json()["error"]["code"] == "correction_day_counts"
    assert ask(client, token_for, makeup()).status_code == 201
    twice = ask(client, token_for, makeup())
    assert twice.status_code == 422 and twice.get_json()["error"]["code"] == "correction_pending"


def test_a_reason_is_needed_and_positions_are_checked(fixed, client, world, token_for) -> None:
    assert ask(client, token_for, makeup(reason=" ")).get_json()["error"]["code"] == (
        "field_required")
    assert ask(client, token_for, makeup(lat=91, lon=116.3)).status_code == 422
    assert ask(client, token_for, {**makeup(), "day": "11/03"}).status_code == 400


def test_after_a_rejection_the_day_may_be_asked_again(fixed, client, world, token_for) -> None:
    asked = ask(client, token_for, makeup()).get_json()
    decide(client, token_for, asked["id"], approve=False, comment="证据不足")
    assert ask(client, token_for, makeup()).status_code == 201


def test_the_cadre_lists_its_make_ups_and_the_township_its_pending_ones(
        fixed, client, world, token_for) -> None:
    asked = ask(client, token_for, makeup()).get_json()
    mine = client.get("/api/v1/attendance/corrections", headers=token_for("cadre_a2"))
    assert [c["id"] for c in mine.get_json()["items"]] == [asked["id"]]
    assert client.get("/api/v1/attendance/corrections",
                      headers=token_for("cadre_a")).get_json()["items"] == []
    pending = client.get("/api/v1/attendance/corrections?status=pending",
                         headers=token_for("sup_t1")).get_json()["items"]
    assert [c["id"] for c in pending] == [asked["id"]]
    assert client.get("/api/v1/attendance/corrections",
                      headers=token_for("sup_t2")).get_json()["items"] == []
