"""POST /round-checkins and GET /rounds: an envoy or district secretary checks in at any
village of their duty, exactly once, never outside it, never as a day on post."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import AttendanceDay, AuditEntry, RoundCheckin, User
from checkin.platform import clock
from checkin.services.rounds import duties
from tests.conftest import PASSWORD, World
from tests.conftest import _user as new_user

# VillageBeta村 (t2) is at 30.90, 116.45; VillageAlpha村 (t1) at 30.85, 116.36.
IN_BETA = {"lat": 30.901, "lon": 116.451, "accuracy_m": 20}


def payload(village_id: int, **overrides: object) -> dict:
    body = {"id": str(uuid.uuid4()), "village_id": village_id, **IN_BETA,
            "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}
    body.update(overrides)
    return body


def assign(app: Flask, username: str, kind: str, codes: tuple[str, ...], *,
           start: date | None = None, weekday: int | None = None) -> int:
    with app.app_context():
        s = db.session()
        admin = s.get(User, 1) or s.scalar(select(User).where(User.role == "admin"))
        duty = duties.assign(s, admin.id, duties.DutyInput(
            username=username, kind=kind, village_codes=codes,
            start=start or clock.today() - timedelta(days=30), weekday=weekday))
        s.commit()
        return duty.id


@pytest.fixture
def envoy(app: Flask, world: World) -> str:
    with app.app_context():
        s = db.session()
        new_user(s, "envoy1", "EnvoyOne特派员", "supervisor", area_id=world["county"])
        s.commit()
    assign(app, "envoy1", "envoy", ("34080101", "34080201"))
    return "envoy1"


def test_an_envoy_checks_in_at_any_village_of_the_duty(app, client, world, envoy,
                                                       token_for) -> None:
    bearer = token_for(envoy)
    answer = client.post("/api/v1/round-checkins", json=payload(world["vb"]), headers=bearer)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"] is True and body["in_fence"] is True and body["flags"] == []
    alpha = client.post("/api/v1/round-checkins", headers=bearer, json=payload(
        world["va"], lat=30.851, lon=116.361))
    assert alpha.status_code == 201 and alpha.get_json()["counts"] is True
    # This week is in the report of the month its Thursday is in.
    today = clock.today()
    thursday = today + timedelta(days=3 - today.weekday())
    rounds = client.get(f"/api/v1/rounds?month={thursday:%Y-%m}", headers=bearer).get_json()
    [duty] = rounds["duties"]
    assert duty["kind"] == "envoy" and duty["missed"] == 0
    this_week = f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}"
    for village in duty["villages"]:
        weeks = {w["week"]: (w["state"], w["visits"]) for w in village["weeks"]}
        assert weeks[this_week] == ("met", 1), village
        assert village["last_visit"] == today.isoformat()
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "round_checkin.create")) == 2


def test_a_village_outside_the_duty_is_refused_and_nothing_kept(app, client, world, envoy,
                                                                token_for) -> None:
    answer = client.post("/api/v1/round-checkins", json=payload(world["vc"]),
                         headers=token_for(envoy))
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "round_not_your_village"
    assert "不是" in answer.get_json()["error"]["message"]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(RoundCheckin)) == 0


def test_before_the_duty_began_or_after_it_ended_is_refused(app, client, world,
                                                           token_for) -> None:
    with app.app_context():
        s = db.session()
        new_user(s, "envoy2", "EnvoyTwo", "supervisor", area_id=world["county"])
        s.commit()
    assign(app, "envoy2", "envoy", ("34080201",), start=clock.today() + timedelta(days=1))
    answer = client.post("/api/v1/round-checkins", json=payload(world["vb"]),
                         headers=token_for("envoy2"))
    assert answer.status_code == 403


def test_replay_is_200_and_a_changed_payload_409(client, world, envoy, token_for) -> None:
    bearer = token_for(envoy)
    body = payload(world["vb"])
    assert client.post("/api/v1/round-checkins", json=body, headers=bearer).status_code == 201
    assert client.post("/api/v1/round-checkins", json=body, headers=bearer).status_code == 200
    changed = {**body, "lat": 30.9011}
    assert client.post("/api/v1/round-checkins", json=changed,
                       headers=bearer).status_code == 409


def test_outside_the_fence_is_kept_and_does_not_count(client, world, envoy, token_for) -> None:
    body = client.post("/api/v1/round-checkins", headers=token_for(envoy),
                       json=payload(world["vb"], lat=31.05)).get_json()
    assert body["counts"] is False and "outside_fence" in body["flags"]
    assert body["reasons"] and body["reasons"][0]["message"]


def test_a_cadre_holder_s_round_check_in_is_no_day_on_post(app, client, world,
                                                          token_for) -> None:
    """A resident cadre of Alpha who is also envoy to Beta: a check-in at Beta is the
    duty's, and never fills a day on post in the 200-day ledger."""
    assign(app, "cadre_a2", "envoy", ("34080201",))
    with app.app_context():
        before = db.session().scalar(select(func.count()).select_from(AttendanceDay).where(
            AttendanceDay.user_id == world["cadre_a2"]))
    answer = client.post("/api/v1/round-checkins", json=payload(world["vb"]),
                         headers=token_for("cadre_a2"))
    assert answer.status_code == 201 and answer.get_json()["counts"] is True
    with app.app_context():
        after = db.session().scalar(select(func.count()).select_from(AttendanceDay).where(
            AttendanceDay.user_id == world["cadre_a2"]))
    assert after == before


@pytest.mark.parametrize("bad", [
    {"village_id": "abc"}, {"village_id": None}, {"village_id": True}, {"village_id": 2**40},
    {"lat": "north"}, {"recorded_at": "yesterday"}, {"note": "x" * 2001}, {"queued": "yes"},
])
def test_bad_input_is_a_clear_error(app, client, world, envoy, token_for, bad) -> None:
    answer = client.post("/api/v1/round-checkins", json={**payload(world["vb"]), **bad},
                         headers=token_for(envoy))
    assert answer.status_code in (400, 422), answer.get_json()
    assert answer.get_json()["error"]["message"]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(RoundCheckin)) == 0


def test_an_admin_has_no_rounds_and_a_bad_month_is_400(client, world, envoy,
                                                       token_for) -> None:
    assert client.get("/api/v1/rounds", headers=token_for("admin")).status_code == 404
    bad = client.get("/api/v1/rounds?month=2026-13", headers=token_for(envoy))
    assert bad.status_code in (400, 422) and bad.get_json()["error"]["code"] == "invalid_month"


def test_someone_without_a_duty_has_an_empty_list(client, world, token_for) -> None:
    body = client.get("/api/v1/rounds", headers=token_for("sup_t1")).get_json()
    assert body["duties"] == []
    assert PASSWORD


def test_a_round_check_in_and_a_cadre_s_own_are_one_trail_for_the_travel_check(
        app, client, world, token_for) -> None:
    """A resident cadre who is also an envoy cannot check in at home and, minutes later,
    in a duty village 22 km away, as if the two records were two people's: the travel
    speed is judged over both kinds, whichever came first."""
    assign(app, "cadre_a", "envoy", ("34090101",))  # Gamma, 30.70, 116.20
    bearer = token_for("cadre_a")
    home = client.post("/api/v1/checkins", headers=bearer, json={
        "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
        "recorded_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat()})
    assert home.status_code == 201 and home.get_json()["counts_for_day"] is True
    duty = client.post("/api/v1/round-checkins", headers=bearer, json=payload(
        world["vc"], lat=30.701, lon=116.201,
        recorded_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat()))
    assert duty.status_code == 201
    assert "impossible_travel" in duty.get_json()["flags"]  # for the supervisors' eyes
    back = client.post("/api/v1/checkins", headers=bearer, json={
        "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
        "recorded_at": (datetime.now(UTC) - timedelta(seconds=10)).isoformat()})
    assert "impossible_travel" in back.get_json()["flags"]
