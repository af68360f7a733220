"""The offline window (issue 12, case 1): a record that reaches the server long after it was
made, or whose live clock disagrees with the server's, is kept as evidence but never counts
for the day, and says why in the cadre's language."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 20 November
SHANGHAI_10AM = timedelta(hours=2)  # 10:00 Shanghai is 02:00 UTC
INSIDE = {"lat": 30.851, "lon": 116.361, "accuracy_m": 25}


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def checkin(recorded_at: datetime, **extra) -> dict:
    return {"id": str(uuid.uuid4()), **INSIDE, "recorded_at": recorded_at.isoformat(), **extra}


def october_on_post(client, token_for, world) -> int:
    rows = client.get("/api/v1/attendance/summary?month=2026-10",
                      headers=token_for("sup_t1")).get_json()["items"]
    return next(r["on_post_days"] for r in rows if r["user_id"] == world["cadre_a2"])


def test_31_late_check_ins_do_not_take_october_from_11_to_31_days(
        fixed, client, world, token_for, make_checkin) -> None:
    for day in range(1, 12):
        make_checkin("cadre_a2", day=date(2026, 10, day))
    assert october_on_post(client, token_for, world) == 11
    bearer = token_for("cadre_a2")
    for day in range(1, 32):
        moment = datetime(2026, 10, day, tzinfo=UTC) + SHANGHAI_10AM
        response = client.post("/api/v1/checkins", json=checkin(moment, queued=True),
                               headers=bearer)
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["counts_for_day"] is False, day
        assert "synced_too_late" in body["flags"]
        assert any("72" in r["message"] and "小时" in r["message"] for r in body["reasons"])
    assert october_on_post(client, token_for, world) == 11


def test_a_live_check_in_dated_5_days_back_does_not_count(fixed, client, world,
                                                          token_for) -> None:
    response = client.post("/api/v1/checkins", json=checkin(NOW - timedelta(days=5)),
                           headers=token_for("cadre_a2"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["counts_for_day"] is False and "clock_disagrees" in body["flags"]
    client.set_cookie("lang", "en")
    again = client.post("/api/v1/checkins", json=checkin(NOW - timedelta(days=5)),
                        headers=token_for("cadre_a2")).get_json()
    assert any("clock" in r["message"] for r in again["reasons"])


@pytest.mark.parametrize("recorded_at, status", [
    ("0001-01-01T10:00:00+08:00", 201),
    ("0001-01-01T00:00:00+00:00", 201),
    ("0001-01-01T00:00:00-08:00", 201),
    ("0001-01-01T00:00:00+08:00", 400),  # before year 1 in UTC: no such moment to store
    ("1970-01-01T00:00:00Z", 201),
    ("1900-06-01T12:00:00+08:00", 201),
])
@pytest.mark.parametrize("queued", [True, False])
def test_an_absurd_recorded_at_never_counts_and_never_fails(fixed, client, world, token_for,
                                                           recorded_at, status, queued) -> None:
    body = {"id": str(uuid.uuid4()), **INSIDE, "recorded_at": recorded_at, "queued": queued}
    response = client.post("/api/v1/checkins", json=body, headers=token_for("cadre_a2"))
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["counts_for_day"] is False
    else:
        assert response.get_json()["error"]["code"] == "not_a_time"
    year = client.get("/api/v1/attendance?year=2026", headers=token_for("cadre_a2"))
    assert year.status_code == 200 and year.get_json()["on_post_days"] == 0


def test_a_check_in_synced_within_the_window_still_counts(fixed, client, world,
                                                         token_for) -> None:
    # A weekend without signal in a mountain village: made Friday, sent Monday morning.
    moment = NOW - timedelta(hours=71)
    body = client.post("/api/v1/checkins", json=checkin(moment, queued=True),
                       headers=token_for("cadre_a2")).get_json()
    assert body["counts_for_day"] is True and body["flags"] == ["late_sync"]


def test_late_check_ins_weigh_on_the_presence_check_of_the_week_they_arrived(
        fixed, client, world, token_for) -> None:
    fixed.config["SPOTCHECK_PRESENCE_SHARE"] = 1.0  # everyone is drawn: look at the risk
    bearer = token_for("cadre_a2")
    fixed.config["FIXED_NOW"] = NOW - timedelta(days=2)  # Wednesday 18 November
    for day in (5, 6, 7):
        moment = datetime(2026, 10, day, tzinfo=UTC) + SHANGHAI_10AM
        client.post("/api/v1/checkins", json=checkin(moment, queued=True), headers=bearer)
    fixed.config["FIXED_NOW"] = NOW + timedelta(days=3)  # Monday 23 November: week 48
    drawn = client.post("/api/v1/spotchecks/draw",
                        json={"area_id": world["county"], "week": "2026-W48"},
                        headers=token_for("sup_county"))
    assert drawn.status_code == 201, drawn.get_json()
    (item,) = [i for i in drawn.get_json()["items"]
               if i["kind"] == "presence" and i["user_id"] == world["cadre_a2"]]
    assert "synced_too_late" in [r["code"] for r in item["reasons"]]
    others = [i["risk"] for i in drawn.get_json()["items"]
              if i["kind"] == "presence" and i["user_id"] == world["cadre_b2"]]
    assert others and item["risk"] >= others[0] + 3.0
