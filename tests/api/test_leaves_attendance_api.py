"""Leave asked, decided by the right level, closed on return; the year ledger over the API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, mid-June
TODAY = date(2026, 6, 15)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def leave(kind="personal", start=TODAY + timedelta(days=1), days=2, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=days - 1)).isoformat(), "reason": "家中有事",
            **extra}


def test_short_leave_is_approved_by_the_township(fixed, client, world, token_for) -> None:
    created = client.post("/api/v1/leaves", json=leave(), headers=token_for("cadre_a"))
    assert created.status_code == 201
    body = created.get_json()
    assert body["status"] == "pending" and body["approver_level"] == "township"
    other = client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": True},
                        headers=token_for("sup_t2"))
    assert other.status_code == 404  # another township's cadre does not exist for it
    decided = client.post(f"/api/v1/leaves/{body['id']}/decision",
                          json={"approve": True, "comment": "同意"}, headers=token_for("sup_t1"))
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": False},
                        headers=token_for("sup_t1"))
    # issue 12: a decision on a decided leave is a conflict that names who decided and when
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "leave_already_decided"


def test_long_leave_needs_the_county(fixed, client, world, token_for) -> None:
    body = client.post("/api/v1/leaves", json=leave(days=5),
                       headers=token_for("cadre_a")).get_json()
    assert body["approver_level"] == "county"
    township = client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": True},
                           headers=token_for("sup_t1"))
    assert township.status_code == 403
    county = client.post(f"/api/v1/leaves/{body['id']}/decision",
                         json={"approve": False, "comment": "时间太长"},
                         headers=token_for("sup_county"))
    assert county.get_json()["status"] == "rejected"


def test_overlapping_and_backdated_requests_get_clear_errors(fixed, client, world,
                                                             token_for) -> None:
    bearer = token_for("cadre_a")
    client.post("/api/v1/leaves", json=leave(), headers=bearer)
    overlap = client.post("/api/v1/leaves", json=leave(start=TODAY + timedelta(days=2)),
                          headers=bearer)
    assert overlap.status_code == 422
    assert overlap.get_json()["error"]["code"] == "leave_overlaps"
    back = client.post("/api/v1/leaves", json=leave(start=TODAY - timedelta(days=3)),
                       headers=bearer)
    assert back.get_json()["error"]["code"] == "leave_backdated"
    assert "不能早于" in back.get_json()["error"]["message"]
    reversed_ = leave()
    reversed_["end_date"] = TODAY.isoformat()
    assert client.post("/api/v1/leaves", json=reversed_, headers=bearer).status_code == 422
    bad_kind = client.post("/api/v1/leaves", json=leave(kind="holiday"), headers=bearer)
    assert bad_kind.get_json()["error"]["code"] == "leave_bad_kind"


def test_return_closes_the_leave_and_everything_is_audited(fixed: Flask, client, world,
                                                           token_for) -> None:
    # same-day leave: sick (issue 12: a personal leave is asked by the day before)
    body = client.post("/api/v1/leaves", json=leave(kind="sick", start=TODAY, days=1),
                       headers=token_for("cadre_a")).get_json()
    client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": True},
                headers=token_for("sup_t1"))
    fixed.config["FIXED_NOW"] = NOW + timedelta(days=3)
    listed = client.get("/api/v1/leaves", headers=token_for("sup_t1")).get_json()["items"]
    assert [item["overdue"] for item in listed if item["id"] == body["id"]] == [True]
    closed = client.post(f"/api/v1/leaves/{body['id']}/return",
                         json={"date": (TODAY + timedelta(days=1)).isoformat()},
                         headers=token_for("cadre_a"))
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    with fixed.app_context():
        actions = db.session().scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "leave")).all()
    assert actions == ["leave.request", "leave.approved", "leave.closed"]


def test_attendance_counts_days_on_post_and_leave(fixed: Flask, client, world,
                                                  token_for) -> None:
    bearer = token_for("cadre_a")
    before = client.get("/api/v1/attendance?year=2026", headers=bearer).get_json()
    for days_ago in (1, 2, 3):
        moment = NOW - timedelta(days=days_ago)
        fixed.config["FIXED_NOW"] = moment + timedelta(minutes=1)
        response = client.post("/api/v1/checkins", json={
            "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
            "recorded_at": moment.isoformat()}, headers=bearer)
        assert response.get_json()["counts_for_day"] is True
    fixed.config["FIXED_NOW"] = NOW
    mine = client.get("/api/v1/attendance?year=2026", headers=bearer).get_json()
    assert mine["on_post_days"] == before["on_post_days"] + 3 and mine["target_days"] == 200
    assert mine["forecast_days"] < 200 and mine["on_pace"] is False
    assert client.get(f"/api/v1/attendance?user_id={world['cadre_b']}",
                      headers=bearer).status_code == 404
    sup = client.get(f"/api/v1/attendance?user_id={world['cadre_a']}&year=2026",
                     headers=token_for("sup_t1")).get_json()
    assert sup == mine
    summary = client.get("/api/v1/attendance/summary?year=2026",
                         headers=token_for("sup_county")).get_json()["items"]
    assert {r["user_id"] for r in summary} == {world[k] for k in (
        "cadre_a", "cadre_a2", "cadre_b", "cadre_b2")}
    area = client.get(f"/api/v1/attendance/summary?area_id={world['t2']}",
                      headers=token_for("sup_t1"))
    assert area.status_code == 404


def test_summary_for_a_month(fixed: Flask, client, world, token_for) -> None:
    bearer = token_for("sup_t1")
    body = client.get("/api/v1/attendance/summary?month=2026-06", headers=bearer).get_json()
    assert body["month"] == "2026-06" and body["year"] == 2026
    row = next(r for r in body["items"] if r["user_id"] == world["cadre_a"])
    # 15 elapsed days of June (the world's check-in is on the fixed "today", 15 June)
    assert row["on_post_days"] + row["absent_days"] + row["leave_days"] == 15
    # 200 × 30/365 = 16.4, rounded up like every target (the month used to say 16)
    assert row["target_days"] == 17
    assert client.get("/api/v1/attendance/summary?month=2026-13",
                      headers=bearer).status_code == 400
