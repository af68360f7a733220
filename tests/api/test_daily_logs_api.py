"""POST/GET /daily-logs (日纪实, issue 17 item 7): one log per cadre and day, exactly once by
the phone's id, an edit is a new version (all kept, insert-only), no position and no
check-in; the draft holds the day's records; refusals in Chinese and English."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import exc, func, select, text

from checkin import db
from checkin.models import AttendanceDay, AuditEntry, Checkin, DailyLog

# 21:30 on 23 November 2026 in Shanghai: the evening, at home, far outside the fence.
EVENING = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
DAY = "2026-11-23"


@pytest.fixture
def evening(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = EVENING
    return app


def log(client, bearer, **overrides):
    body = {"id": str(uuid.uuid4()), "date": DAY, "text": "走访了王大山家，了解用水情况。"}
    body.update(overrides)
    return client.post("/api/v1/daily-logs", json=body, headers=bearer)


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_a_log_is_stored_once_and_makes_no_check_in(evening, client, world, token_for):
    bearer = token_for("cadre_a2")
    checkins, days = _count(evening, Checkin), _count(evening, AttendanceDay)
    first = log(client, bearer, id="8a5f0d1e-8a55-4f0e-9d0a-3b7c0f6c1a01")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["date"], body["supersedes"], body["user_id"]) == (
        DAY, None, world["cadre_a2"])
    again = log(client, bearer, id=body["id"])  # the outbox resends it
    assert again.status_code == 200 and again.get_json() == body
    changed = log(client, bearer, id=body["id"], text="别的内容")
    assert changed.status_code == 409 and changed.get_json()["error"]["code"] == "id_conflict"
    # no GPS, no fence: nothing flagged, no check-in, the day's category untouched
    assert (_count(evening, Checkin), _count(evening, AttendanceDay)) == (checkins, days)
    assert _count(evening, DailyLog) == 1
    with evening.app_context():
        assert db.session().scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "daily_log.create")) == 1


def test_one_log_a_day_and_an_edit_is_a_new_version(evening, client, world, token_for):
    bearer = token_for("cadre_a2")
    first = log(client, bearer).get_json()
    second = log(client, bearer, text="第二篇")
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "daily_log_exists" and "已有" in error["message"]
    client.set_cookie("lang", "en")
    assert "already has a log" in log(client, bearer).get_json()["error"]["message"]
    edit = log(client, bearer, text="走访了王大山家。补充：水管已修好。", supersedes=first["id"])
    assert edit.status_code == 201, edit.get_json()
    stale = log(client, bearer, text="从旧版本改", supersedes=first["id"])
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "daily_log_stale"
    got = client.get(f"/api/v1/daily-logs?date={DAY}", headers=bearer).get_json()
    assert got["log"]["id"] == edit.get_json()["id"]
    assert got["log"]["text"] == "走访了王大山家。补充：水管已修好。"
    assert [v["id"] for v in got["versions"]] == [first["id"], edit.get_json()["id"]]
    assert got["versions"][0]["text"] == first["text"]  # the first version is kept


@pytest.mark.parametrize("overrides, status, code", [
    ({"text": "   "}, 422, "daily_log_empty"),
    ({"text": "x" * 4001}, 422, "daily_log_too_long"),
    ({"date": "2026-11-24"}, 422, "daily_log_future"),
    ({"date": "2026-11-01"}, 422, "daily_log_too_old"),
    ({"date": "23/11/2026"}, 400, "not_a_date"),
    ({"id": "not-a-uuid"}, 400, "invalid_id"),
    ({"text": 5}, 400, "invalid_text"),
    ({"supersedes": str(uuid.uuid4())}, 422, "daily_log_unknown_version"),
])
def test_refusals_say_what_to_do(evening, client, world, token_for, overrides, status, code):
    response = log(client, token_for("cadre_a2"), **overrides)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_the_log_is_insert_only(evening, client, world, token_for):
    row = log(client, token_for("cadre_a2")).get_json()
    engine = evening.extensions["checkin_engine"]
    for sql in (f"UPDATE daily_logs SET text = 'x' WHERE id = '{row['id']}'",
                f"DELETE FROM daily_logs WHERE id = '{row['id']}'"):
        with pytest.raises(exc.DBAPIError) as raised, engine.begin() as conn:
            conn.execute(text(sql))
        assert "insert-only" in str(raised.value.orig)


def test_the_draft_holds_the_days_records(evening, client, world, token_for, make_checkin,
                                          make_visit, make_leave):
    make_checkin("cadre_a2", recorded_at=datetime(2026, 11, 23, 0, 10, tzinfo=UTC),
                 distance_m=120)
    with evening.app_context():
        from checkin.models import Household
        household = db.session().scalars(select(Household).where(
            Household.helper_id == world["cadre_a2"]).order_by(Household.id)).first()
        assert household is not None
        head = household.head_name
    make_visit("cadre_a2", note="了解用水",
               recorded_at=datetime(2026, 11, 23, 2, 5, tzinfo=UTC))
    got = client.get(f"/api/v1/daily-logs?date={DAY}",
                     headers=token_for("cadre_a2")).get_json()
    assert got["log"] is None and got["versions"] == []
    assert "08:10" in got["draft"] and "120" in got["draft"]
    assert f"10:05 走访{head}" in got["draft"] and "了解用水" in got["draft"]


def test_who_reads_a_log(evening, client, world, token_for):
    log(client, token_for("cadre_a2"))
    mine = f"/api/v1/daily-logs?date={DAY}&user_id={world['cadre_a2']}"
    assert client.get(mine, headers=token_for("sup_t1")).get_json()["log"]["text"]
    assert client.get(mine, headers=token_for("sup_t2")).status_code == 404
    assert client.get(mine, headers=token_for("cadre_a")).status_code == 404
    assert client.get(f"/api/v1/daily-logs?date={DAY}",
                      headers=token_for("sup_t1")).status_code == 400
    assert client.post("/api/v1/daily-logs", json={"id": str(uuid.uuid4()), "text": "x"},
                       headers=token_for("sup_t1")).status_code in (403, 404)


def test_a_race_of_two_first_entries_keeps_one(evening, client, world, token_for):
    """The second of two first entries of a day is refused by the database even when
    the check in the service is passed (the partial unique index of migration 0014)."""
    with evening.app_context():
        s = db.session()
        s.add(DailyLog(id=str(uuid.uuid4()), user_id=world["cadre_a2"],
                       village_id=world["va"], day=date(2026, 11, 23), text="一",
                       created_at=EVENING, digest="x"))
        s.commit()
        s.add(DailyLog(id=str(uuid.uuid4()), user_id=world["cadre_a2"],
                       village_id=world["va"], day=date(2026, 11, 23), text="二",
                       created_at=EVENING + timedelta(seconds=1), digest="y"))
        with pytest.raises(exc.IntegrityError):
            s.commit()


def test_answers_match_the_openapi_document(evening, client, world, token_for):
    from tests.api.test_spotchecks_api import _conforms, _response_schema

    doc = client.get("/api/v1/openapi.json").get_json()
    bearer = token_for("cadre_a2")
    created = log(client, bearer)
    _conforms(created.get_json(), _response_schema(doc, "/daily-logs", "post", 201), doc,
              "post")
    refused = log(client, bearer)
    _conforms(refused.get_json(), _response_schema(doc, "/daily-logs", "post", 409), doc,
              "409")
    day = client.get(f"/api/v1/daily-logs?date={DAY}", headers=bearer)
    _conforms(day.get_json(), _response_schema(doc, "/daily-logs", "get", 200), doc, "get")
