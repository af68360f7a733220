"""Signing in at a training or quarterly meeting (issue 19): the code on the organiser's
screen, the venue's fence and the session's hours; exactly once; the organiser's mark;
the attendance in the 200-day ledger. Attack tests: a cadre signing in from home, a photo
of the code forwarded to a chat group, a cadre not on the list, an organiser marking
everyone present."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from checkin import db
from checkin.domain import trainings
from checkin.domain.refusal import Refusal
from checkin.models import AuditEntry, Training, TrainingAttendance, TrainingInvitee, User
from checkin.services.trainings import attendance, sessions

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 20 November
TODAY = date(2026, 11, 20)
VENUE = (30.74, 116.36)  # the county's party school, 12 km from village Alpha


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def make_session(app: Flask, organiser: str = "sup_county", audience: str = "all",
                 chosen: tuple[int, ...] = (), kind: str = "training",
                 first: date = TODAY, days: int = 2) -> int:
    with app.app_context():
        s = db.session()
        user = s.scalars(sa.select(User).where(User.username == organiser)).one()
        row = sessions.create(s, user, sessions.SessionInput(
            kind=kind, title="业务培训", first_day=first,
            last_day=first + timedelta(days=days - 1), starts_at=time(8, 30),
            ends_at=time(17, 30), place="县委党校", lat=VENUE[0], lon=VENUE[1],
            coord_system="wgs84", radius_m=300, audience=audience, chosen=chosen))
        s.commit()
        return row.id


def token(app: Flask, training_id: int, at: datetime = NOW) -> str:
    return trainings.token_for(sessions.token_key(app.config), training_id,
                               trainings.slot_of(at))


def signin(client: Any, token_for: Any, training_id: int, code: str, who: str = "cadre_a2",
           at: tuple[float, float] = VENUE, **extra: Any) -> Any:
    body = {"id": str(uuid.uuid4()), "token": code, "lat": at[0], "lon": at[1],
            "accuracy_m": 15, "recorded_at": "2026-11-20T10:00:00+08:00", **extra}
    return client.post(f"/api/v1/trainings/{training_id}/signins", json=body,
                       headers=token_for(who))


def training_days(client: Any, token_for: Any, who: str = "cadre_a2") -> int:
    body = client.get("/api/v1/attendance?year=2026", headers=token_for(who)).get_json()
    return body["training_days"]


def test_a_signin_at_the_venue_counts_as_a_training_day(fixed, client, world, token_for
                                                        ) -> None:
    training_id = make_session(fixed)
    before = training_days(client, token_for)
    answer = signin(client, token_for, training_id, token(fixed, training_id))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"] is True and body["flags"] == [] and body["method"] == "qr"
    assert body["day"] == "2026-11-20" and body["distance_m"] < 1
    assert training_days(client, token_for) == before + 1


def test_signing_in_from_home_is_kept_but_does_not_count(fixed, client, world, token_for
                                                         ) -> None:
    training_id = make_session(fixed)
    home = (30.85, 116.36)  # in the village, 12 km from the venue, with the code forwarded
    answer = signin(client, token_for, training_id, token(fixed, training_id), at=home)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["counts"] is False and body["flags"] == ["outside_fence"]
    assert body["distance_m"] > 10_000
    assert training_days(client, token_for) == 0
    # ... and a later sign-in at the venue still counts the day
    again = signin(client, token_for, training_id, token(fixed, training_id))
    assert again.status_code == 201 and again.get_json()["counts"] is True


def test_a_forwarded_photo_of_the_code_has_expired(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed)
    old = token(fixed, training_id, NOW - timedelta(minutes=3))
    answer = signin(client, token_for, training_id, old)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "training_token_expired"
    other = make_session(fixed)
    wrong = signin(client, token_for, training_id, token(fixed, other))
    assert wrong.get_json()["error"]["code"] == "training_token_invalid"
    with fixed.app_context():
        assert db.session().scalar(sa.select(sa.func.count()).select_from(
            TrainingAttendance)) == 0


def test_outside_the_sessions_hours_does_not_count(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed, first=TODAY + timedelta(days=1))  # starts tomorrow
    answer = signin(client, token_for, training_id, token(fixed, training_id))
    assert answer.status_code == 201
    assert answer.get_json()["flags"] == ["outside_hours"]
    assert answer.get_json()["counts"] is False


def test_a_cadre_not_on_the_list_is_refused(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed, audience="first_secretaries")
    leader = signin(client, token_for, training_id, token(fixed, training_id), who="cadre_a")
    assert leader.status_code == 201
    member = signin(client, token_for, training_id, token(fixed, training_id))
    assert member.status_code == 403
    assert member.get_json()["error"]["code"] == "training_not_invited"
    # a session of another county's cadres is not there at all for a cadre of this one
    stranger = signin(client, token_for, training_id, token(fixed, training_id), who="cadre_c")
    assert stranger.status_code == 404
    supervisor = signin(client, token_for, training_id, token(fixed, training_id),
                        who="sup_county")
    assert supervisor.status_code == 404


def test_signing_in_twice_is_signing_in_once(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed)
    code = token(fixed, training_id)
    first = signin(client, token_for, training_id, code)
    second = signin(client, token_for, training_id, code)  # another id, the same day
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["id"] == first.get_json()["id"]
    body = {"id": first.get_json()["id"], "token": code, "lat": VENUE[0], "lon": VENUE[1],
            "accuracy_m": 15, "recorded_at": "2026-11-20T10:00:00+08:00"}
    replay = client.post(f"/api/v1/trainings/{training_id}/signins", json=body,
                         headers=token_for("cadre_a2"))
    assert replay.status_code == 200
    changed = client.post(f"/api/v1/trainings/{training_id}/signins",
                          json={**body, "accuracy_m": 99}, headers=token_for("cadre_a2"))
    assert changed.status_code == 409
    assert training_days(client, token_for) == 1


def test_a_training_day_and_a_checkin_count_once(fixed, client, world, token_for,
                                                 make_checkin) -> None:
    training_id = make_session(fixed)
    make_checkin("cadre_a2", day=TODAY)
    before = client.get("/api/v1/attendance?year=2026", headers=token_for("cadre_a2")
                        ).get_json()
    assert signin(client, token_for, training_id, token(fixed, training_id)
                  ).get_json()["counts"] is True
    after = client.get("/api/v1/attendance?year=2026", headers=token_for("cadre_a2")
                       ).get_json()
    counted = ("on_post_days", "training_days", "official_days")
    assert sum(after[k] for k in counted) == sum(before[k] for k in counted)


def test_the_invitation_list_is_kept_as_it_was(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed)
    with fixed.app_context():
        s = db.session()
        newcomer = User(username="late", name="Late", role="cadre", password_hash="x",
                        village_id=world["va"], team_id=world["team_a"], active=True)
        s.add(newcomer)
        s.commit()
        invited = set(s.scalars(sa.select(TrainingInvitee.user_id).where(
            TrainingInvitee.training_id == training_id)))
        assert newcomer.id not in invited
        assert {world["cadre_a"], world["cadre_a2"], world["cadre_b"]} <= invited
        assert world["cadre_c"] not in invited  # another county
        with pytest.raises(sa.exc.DBAPIError):
            s.execute(sa.delete(TrainingInvitee).where(
                TrainingInvitee.training_id == training_id))
            s.flush()
        s.rollback()


def test_attendance_is_insert_only(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed)
    signin(client, token_for, training_id, token(fixed, training_id),
           at=(30.85, 116.36))
    with fixed.app_context():
        s = db.session()
        with pytest.raises(sa.exc.DBAPIError):
            s.execute(sa.update(TrainingAttendance).values(counts=True, flags=""))
            s.flush()
        s.rollback()


def test_the_organiser_marks_present_with_a_reason_and_it_shows(fixed, client, world,
                                                                token_for) -> None:
    training_id = make_session(fixed)
    with fixed.app_context():
        s = db.session()
        training = s.get(Training, training_id)
        county = s.get(User, world["sup_county"])
        everyone = list(s.scalars(sa.select(TrainingInvitee.user_id).where(
            TrainingInvitee.training_id == training_id)))
        with pytest.raises(Refusal) as err:
            attendance.mark_present(s, county, training, everyone, TODAY, "  ")
        assert err.value.code == "training_mark_needs_reason"
        with pytest.raises(Refusal) as err:
            attendance.mark_present(s, county, training, everyone, TODAY + timedelta(days=1),
                                    "paper list")
        assert err.value.code == "training_day_future"
        township = s.get(User, world["sup_t1"])  # sees the county's session, does not run it
        with pytest.raises(Refusal) as err:
            attendance.mark_present(s, township, training, everyone, TODAY, "paper list")
        assert err.value.code == "not_found"
        marked = attendance.mark_present(s, county, training, [*everyone, world["cadre_c"]],
                                         TODAY, "签到表")
        assert marked == len(everyone)  # cadre_c is not on the list: ignored
        again = attendance.mark_present(s, county, training, everyone, TODAY, "签到表")
        assert again == 0
        tally = attendance.counts(s, training_id)
        assert (tally.by_organiser, tally.by_qr) == (len(everyone), 0)
        entry = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "training.mark")
                          ).first()
        assert entry is not None and entry.detail["marked"] == len(everyone)
        s.commit()
    assert training_days(client, token_for) == 1
    # a sign-in after the mark answers the day's counting record: the mark
    answer = signin(client, token_for, training_id, token(fixed, training_id))
    assert answer.status_code == 200 and answer.get_json()["method"] == "organiser"


def test_a_meeting_day_counts_as_official_business(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed, kind="meeting", audience="list",
                               chosen=(world["cadre_a2"],), days=1)
    signin(client, token_for, training_id, token(fixed, training_id))
    body = client.get("/api/v1/attendance?year=2026", headers=token_for("cadre_a2")).get_json()
    assert body["training_days"] == 0 and body["official_days"] == 1
