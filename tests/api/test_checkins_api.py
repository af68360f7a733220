"""POST /checkins: the fence, the reasons, exactly once (also under concurrency)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import event, func, select

from checkin import db
from checkin.models import ApiToken, AttendanceDay, AttendanceYear, AuditEntry, Checkin, User
from checkin.platform import audit
from checkin.services.people import accounts
from tests.conftest import csrf_from

INSIDE = {"lat": 30.851, "lon": 116.361, "accuracy_m": 25}


def payload(**overrides) -> dict:
    body = {"id": str(uuid.uuid4()), **INSIDE,
            "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}
    body.update(overrides)
    return body


def test_inside_the_fence_counts_for_the_day(client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    response = client.post("/api/v1/checkins", json=payload(note="走访3户"), headers=bearer)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["counts_for_day"] is True and body["in_fence"] is True
    assert body["flags"] == [] and body["distance_m"] < 200
    assert body["received_at"].endswith("Z") and body["village_id"] == world["va"]
    assert body["user_id"] == world["cadre_a"]


def test_low_accuracy_says_why_in_chinese_and_english(client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    body = client.post("/api/v1/checkins", json=payload(accuracy_m=850),
                       headers=bearer).get_json()
    assert body["counts_for_day"] is False and body["flags"] == ["low_accuracy"]
    assert body["reasons"][0]["message"] == "精度 850 米，超过 500 米的上限"
    client.set_cookie("lang", "en")
    again = client.post("/api/v1/checkins", json=payload(accuracy_m=850), headers=bearer)
    assert "850" in again.get_json()["reasons"][0]["message"]
    assert "精度" not in again.get_json()["reasons"][0]["message"]


def test_outside_the_fence_does_not_count(client, world, token_for) -> None:
    body = client.post("/api/v1/checkins", json=payload(lat=30.95, lon=116.36),
                       headers=token_for("cadre_a")).get_json()
    assert body["counts_for_day"] is False and body["in_fence"] is False
    assert "outside_fence" in body["flags"] and body["distance_m"] > 10_000


def test_replay_answers_200_and_a_changed_payload_409(app: Flask, client, world,
                                                      token_for) -> None:
    bearer = token_for("cadre_a")
    first = payload()
    assert client.post("/api/v1/checkins", json=first, headers=bearer).status_code == 201
    replay = client.post("/api/v1/checkins", json=first, headers=bearer)
    assert replay.status_code == 200 and replay.get_json()["id"] == first["id"]
    changed = dict(first, lat=30.852)
    conflict = client.post("/api/v1/checkins", json=changed, headers=bearer)
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "id_conflict"
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Checkin).where(
            Checkin.id == first["id"])) == 1


def test_future_time_is_refused_and_bad_input_is_400(client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = client.post("/api/v1/checkins", json=payload(recorded_at=future), headers=bearer)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "recorded_at_in_future"
    for bad in ({"id": "not-a-uuid"}, {"lat": "north"}, {"lat": 95.0},
                {"recorded_at": "yesterday"}, {"recorded_at": "2026-11-22T08:00:00"},
                {"accuracy_m": -1}, {"note": "x" * 5000}):
        response = client.post("/api/v1/checkins", json=payload(**bad), headers=bearer)
        assert response.status_code in (400, 422), (bad, response.get_json())
        assert "error" in response.get_json()


def test_supervisors_cannot_check_in(client, world, token_for) -> None:
    response = client.post("/api/v1/checkins", json=payload(), headers=token_for("sup_t1"))
    assert response.status_code == 404


def test_two_counting_checkins_make_one_day(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    client.post("/api/v1/checkins", json=payload(), headers=bearer)
    client.post("/api/v1/checkins", json=payload(), headers=bearer)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(AttendanceDay).where(
            AttendanceDay.user_id == world["cadre_a"])) == 1


def test_concurrent_requests_with_one_id_store_one_row(app: Flask, world, token_for) -> None:
    bearer = token_for("cadre_a")
    body = payload()
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/checkins", json=body, headers=bearer).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(201) == 1 and set(statuses) <= {200, 201}, statuses
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Checkin).where(
            Checkin.id == body["id"])) == 1


def test_lists_are_scoped(client, world, token_for) -> None:
    client.post("/api/v1/checkins", json=payload(), headers=token_for("cadre_a"))
    client.post("/api/v1/checkins", json=payload(lat=30.90, lon=116.45),
                headers=token_for("cadre_b"))
    own = client.get("/api/v1/checkins", headers=token_for("cadre_a")).get_json()["items"]
    assert {c["user_id"] for c in own} == {world["cadre_a"]} and len(own) == 2
    mate = client.get("/api/v1/checkins", headers=token_for("cadre_a2")).get_json()["items"]
    assert mate == []
    t1 = client.get("/api/v1/checkins", headers=token_for("sup_t1")).get_json()["items"]
    assert {c["user_id"] for c in t1} == {world["cadre_a"]}
    county = client.get("/api/v1/checkins", headers=token_for("sup_county")).get_json()["items"]
    assert {c["user_id"] for c in county} == {world["cadre_a"], world["cadre_b"]}


def test_a_check_in_writes_its_day_its_year_bits_and_its_audit_entry(app: Flask, client, world,
                                                                    token_for) -> None:
    bearer = token_for("cadre_a2")  # no check-in yet (the fixture gives cadre_a one)
    inside = payload()
    outside = payload(lat=30.95, lon=116.36)
    assert client.post("/api/v1/checkins", json=inside, headers=bearer).status_code == 201
    assert client.post("/api/v1/checkins", json=outside, headers=bearer).status_code == 201
    with app.app_context():
        session = db.session()
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "checkin.create")).all()
        by_id = {e.entity_id: e for e in entries}
        assert set(by_id) == {inside["id"], outside["id"]}
        stored = session.get(Checkin, inside["id"])
        entry = by_id[inside["id"]]
        assert entry.actor_id == world["cadre_a2"] and entry.entity == "checkin"
        assert entry.after_digest == audit.digest({"digest": stored.digest})
        assert entry.before_digest is None and entry.detail == {}
        day = session.get(AttendanceDay, (world["cadre_a2"], stored.local_day))
        assert day.first_checkin_id == inside["id"]
        assert session.scalar(select(func.count()).select_from(AttendanceDay).where(
            AttendanceDay.first_checkin_id == outside["id"])) == 0
        year = session.get(AttendanceYear, (world["cadre_a2"], stored.local_day.year))
        month = getattr(year, f"m{stored.local_day.month:02d}")
        assert month >> (stored.local_day.day - 1) & 1
        assert stored.recorded_at == datetime.fromisoformat(inside["recorded_at"])
        assert stored.reasons == [] and stored.flags == ""
        far = session.get(Checkin, outside["id"])
        assert far.counts_for_day is False and far.flag_list[0] == "outside_fence"
        assert [r["code"] for r in far.reasons] == far.flag_list


def test_dead_tokens_cannot_check_in(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    assert client.post("/api/v1/checkins", json=payload(), headers=bearer).status_code == 201
    with app.app_context():
        session = db.session()
        token = session.scalars(select(ApiToken).where(
            ApiToken.user_id == world["cadre_a"])).one()
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert client.post("/api/v1/checkins", json=payload(), headers=bearer).status_code == 401
    bearer = token_for("cadre_a")
    with app.app_context():
        session = db.session()
        accounts.set_active(session, session.get(User, world["cadre_a"]), False, actor_id=None)
        session.commit()
    response = client.post("/api/v1/checkins", json=payload(), headers=bearer)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_signed_in"


def test_a_signed_in_browser_checks_in_with_its_cookie(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    token = csrf_from(browser, "/")
    response = browser.post("/api/v1/checkins", json=payload(), headers={"X-CSRFToken": token})
    assert response.status_code == 201 and response.get_json()["user_id"] == world["cadre_a"]
    supervisor = login(app.test_client(), "sup_t1")
    token = csrf_from(supervisor, "/")
    refused = supervisor.post("/api/v1/checkins", json=payload(),
                              headers={"X-CSRFToken": token})
    assert refused.status_code == 404


def test_who_is_asking_is_decided_before_the_body(client, world, token_for) -> None:
    bad_body = {"id": "not-a-uuid"}
    nobody = client.post("/api/v1/checkins", json=bad_body,
                         headers={"Authorization": "Bearer not-a-token"})
    assert nobody.status_code == 401
    assert client.post("/api/v1/checkins", json=payload(),
                       headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    supervisor = client.post("/api/v1/checkins", json=bad_body, headers=token_for("sup_t1"))
    assert supervisor.status_code == 404
    cadre = client.post("/api/v1/checkins", data="{", headers={
        **token_for("cadre_a"), "Content-Type": "application/json"})
    assert cadre.status_code == 400
    assert cadre.get_json()["error"]["code"] == "malformed_json"


def test_a_check_in_runs_every_statement_where_sqlalchemy_sees_it(app: Flask, client, world,
                                                                 token_for) -> None:
    """Logging, tracing and other listeners of SQLAlchemy's events see the whole check-in:
    the reads and the three writes, on the request's one connection."""
    bearer = token_for("cadre_a2")
    seen: list[str] = []
    checkouts: list[object] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(" ".join(statement.split()[:3]).upper())

    with app.app_context():
        engine = db.engine()

    def checkout(*args: object) -> None:
        checkouts.append(args)

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine.pool, "checkout", checkout)
    try:
        assert client.post("/api/v1/checkins", json=payload(), headers=bearer).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", note)
        event.remove(engine.pool, "checkout", checkout)
    assert "INSERT INTO CHECKINS" in seen and "INSERT INTO ATTENDANCE_DAYS" in seen
    assert "INSERT INTO AUDIT_LOG" in seen
    assert sum(s.startswith("SELECT") for s in seen) >= 3  # who, a replay, fence and fix
    assert len(checkouts) == 1


def test_a_browser_check_in_takes_one_pooled_connection(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    token = csrf_from(browser, "/")
    checkouts: list[object] = []
    with app.app_context():
        pool = db.engine().pool

    def listener(*args: object) -> None:
        checkouts.append(args)

    event.listen(pool, "checkout", listener)
    try:
        response = browser.post("/api/v1/checkins", json=payload(),
                                headers={"X-CSRFToken": token})
    finally:
        event.remove(pool, "checkout", listener)
    assert response.status_code == 201
    assert len(checkouts) == 1
