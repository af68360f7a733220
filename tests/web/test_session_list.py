"""One place that lists and ends a person's sessions (issue 20, 等保 sessions): every browser
sign-in and app token of an account is listed on the person's security page and on the
administrator's page of the account, and each can be ended alone (a lost phone) while the
others stay signed in."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.domain.devices import describe
from checkin.models import AuditEntry, SigninSession, User
from tests.conftest import csrf_from

PHONE = ("Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36")
DESK = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49")


@pytest.mark.parametrize(("agent", "expected"), [
    (PHONE, ("Chrome", "Android")),
    (DESK, ("Edge", "Windows")),
    (WECHAT, ("WeChat", "iPhone")),
    ("curl/8.5.0", ("", "")),
    ("", None),
    (None, None),
])
def test_describe(agent, expected) -> None:
    assert describe(agent) == expected


def sid_of(client: FlaskClient) -> str:
    with client.session_transaction() as cookie:
        return cookie["sid"]


def post(client: FlaskClient, path: str, page: str = "/account/security"):
    return client.post(path, data={"csrf_token": csrf_from(client, page)})


@pytest.fixture
def two_phones(app: Flask, world, login) -> tuple[FlaskClient, FlaskClient]:
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = PHONE
    desk = app.test_client()
    desk.environ_base["HTTP_USER_AGENT"] = DESK
    return login(phone, "cadre_a"), login(desk, "cadre_a")


def test_the_person_sees_each_session_with_its_device(two_phones) -> None:
    phone, _desk = two_phones
    html = phone.get("/account/security?lang=en").get_data(as_text=True)
    assert "Chrome on Android" in html and "Edge on Windows" in html
    assert html.count("this browser") == 1
    assert html.count('/sessions/') == 2


def test_ending_the_lost_phone_leaves_the_desk_signed_in(app: Flask, world, two_phones) -> None:
    phone, desk = two_phones
    lost = sid_of(phone)
    answer = post(desk, f"/account/security/sessions/{lost}/end")
    assert answer.status_code == 303
    gone = phone.get("/?lang=en")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert "ended from the list of sessions" in phone.get("/login?lang=en").get_data(
        as_text=True)
    assert desk.get("/").status_code == 200
    with app.app_context():
        entry = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "session.end")).one()
        assert entry.actor_id == world["cadre_a"] and entry.entity_id == str(world["cadre_a"])
        assert entry.detail["session"] == lost[:8]


def test_ending_this_session_signs_this_browser_out(two_phones) -> None:
    phone, desk = two_phones
    answer = post(phone, f"/account/security/sessions/{sid_of(phone)}/end")
    assert answer.status_code == 303 and "/login" in answer.headers["Location"]
    assert phone.get("/").status_code == 302
    assert desk.get("/").status_code == 200


def test_nobody_ends_another_persons_session_from_their_own_page(app: Flask, world,
                                                                 login, two_phones) -> None:
    phone, _desk = two_phones
    other = login(app.test_client(), "cadre_b")
    answer = post(other, f"/account/security/sessions/{sid_of(phone)}/end")
    assert answer.status_code == 303
    assert phone.get("/").status_code == 200
    with app.app_context():
        assert db.session().get(SigninSession, sid_of(phone)).ended_at is None


def test_a_cookie_from_before_the_list_is_listed_and_can_be_ended(app: Flask, world,
                                                                  login) -> None:
    old = login(app.test_client(), "cadre_a")
    with old.session_transaction() as cookie:
        first = cookie.pop("sid")
    assert old.get("/").status_code == 200
    new = sid_of(old)
    assert new != first
    with app.app_context():
        assert db.session().get(SigninSession, new).user_id == world["cadre_a"]
    desk = login(app.test_client(), "cadre_a")
    post(desk, f"/account/security/sessions/{new}/end")
    assert old.get("/").status_code == 302


def test_signing_out_everywhere_ends_every_listed_session(app: Flask, world, two_phones) -> None:
    phone, desk = two_phones
    post(desk, "/account/security/end-sessions")
    assert phone.get("/").status_code == 302
    with app.app_context():
        left = db.session().scalars(select(SigninSession).where(
            SigninSession.user_id == world["cadre_a"], SigninSession.ended_at.is_(None))).all()
        assert left == []


def test_an_app_token_is_listed_and_ended_alone(app: Flask, world, two_phones,
                                               token_for) -> None:
    phone, _desk = two_phones
    bearer = token_for("cadre_a")
    assert phone.get("/api/v1/me", headers=bearer).status_code == 200
    html = phone.get("/account/security?lang=en").get_data(as_text=True)
    assert "App token" in html
    with app.app_context():
        from checkin.models import ApiToken

        token_id = db.session().scalars(select(ApiToken.id).where(
            ApiToken.user_id == world["cadre_a"])).one()
    assert post(phone, f"/account/security/tokens/{token_id}/end").status_code == 303
    assert phone.get("/api/v1/me", headers=bearer).status_code == 401
    assert phone.get("/").status_code == 200


def test_the_administrator_lists_and_ends_a_persons_sessions(app: Flask, world, login,
                                                           two_phones) -> None:
    phone, desk = two_phones
    admin = login(app.test_client(), "admin")
    page = f"/admin/users/{world['cadre_a']}"
    html = admin.get(page + "?lang=en").get_data(as_text=True)
    assert "Chrome on Android" in html and "Edge on Windows" in html
    assert post(admin, f"{page}/sessions/{sid_of(phone)}/end", page).status_code == 303
    assert phone.get("/").status_code == 302 and desk.get("/").status_code == 200
    assert post(admin, f"{page}/sessions/end", page).status_code == 303
    assert desk.get("/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session().scalars(select(AuditEntry).where(
            AuditEntry.actor_id == world["admin"],
            AuditEntry.entity_id == str(world["cadre_a"])))]
        assert "session.end" in actions and "logout.everywhere" in actions


def test_with_duties_separated_only_the_security_administrator_ends_sessions(
        app: Flask, world, login, two_phones) -> None:
    phone, _desk = two_phones
    app.config["SEPARATION_OF_DUTIES"] = True
    with app.app_context():
        s = db.session()
        s.add(User(username="secadmin", name="secadmin", role="admin",
                   password_hash=s.get(User, world["admin"]).password_hash))
        s.commit()
    for username, duty in (("admin", "system"), ("secadmin", "security")):
        answer = app.test_cli_runner().invoke(args=["set-duty", username, duty])
        assert answer.exit_code == 0, answer.output
    page = f"/admin/users/{world['cadre_a']}"
    system = login(app.test_client(), "admin")
    refused = system.post(f"{page}/sessions/{sid_of(phone)}/end",
                          data={"csrf_token": csrf_from(system, "/account/security")})
    assert refused.status_code in (403, 404)
    assert phone.get("/").status_code == 200
    security = login(app.test_client(), "secadmin")
    assert post(security, f"{page}/sessions/{sid_of(phone)}/end", page).status_code == 303
    assert phone.get("/").status_code == 302


def test_old_session_rows_are_swept_and_open_ones_kept(app: Flask, world, two_phones,
                                                      login) -> None:
    from datetime import timedelta

    from checkin.models.types import utcnow
    from checkin.services.people import signin_sessions

    phone, desk = two_phones
    with app.app_context():
        s = db.session()
        ended = s.get(SigninSession, sid_of(phone))
        ended.ended_at = utcnow() - timedelta(days=31)
        stale = s.get(SigninSession, sid_of(desk))
        stale.seen_at = utcnow() - timedelta(days=31 + 30)
        s.commit()
        assert signin_sessions.sweep(s, timedelta(days=30)) == 2
        s.commit()
    fresh = login(app.test_client(), "cadre_a")
    with app.app_context():
        s = db.session()
        assert signin_sessions.sweep(s, timedelta(days=30)) == 0
        assert s.get(SigninSession, sid_of(fresh)) is not None
