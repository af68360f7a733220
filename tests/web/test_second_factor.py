"""The second factor and session limits (issue 20, 等保 2.0 level 3): enrolment with a first
code and recovery codes shown once; the sign-in's second step (no replay, recovery codes
once, a time limit, counted by the sign-in guard); the API's `otp`; the setting that forces
roles to enrol; an admin's removal; sessions that end when idle or too old."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, User
from tests.conftest import PASSWORD, csrf_from

Login = Callable[..., FlaskClient]


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        return db.session().scalars(select(User).where(User.username == username)).one()


def _actions(app: Flask, prefix: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)))


def _post(client: FlaskClient, path: str, page: str = "/account/security", **data: str):
    return client.post(path, data={"csrf_token": csrf_from(client, page), **data})


def _enrol(client: FlaskClient) -> tuple[str, list[str]]:
    begun = _post(client, "/account/security/second-factor/begin")
    assert begun.status_code == 200
    body = begun.get_data(as_text=True)
    assert "<svg" in body
    secret = re.search(r'id="secret">([A-Z2-7]+)<', body)
    assert secret
    totp = pyotp.TOTP(secret.group(1))
    done = client.post("/account/security/second-factor/confirm", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                body).group(1),  # type: ignore[union-attr]
        "code": totp.now()})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    assert done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r'<li class="code">([A-Z0-9-]+)</li>', done.get_data(as_text=True))
    assert len(codes) == 10
    return secret.group(1), codes


def _password_step(app: Flask, username: str = "sup_county") -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": csrf_from(client)})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/login/second-factor")
    return client


def _code_step(client: FlaskClient, code: str):
    return client.post("/login/second-factor", data={
        "code": code, "csrf_token": csrf_from(client, "/login/second-factor")})


def _next_code(secret: str) -> str:
    """A code of a later step than any used so far (the same step may not be used twice)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + 30)


def test_enrolment_needs_a_right_first_code(app: Flask, client: FlaskClient, world,
                                            login: Login) -> None:
    login(client, "sup_county")
    begun = _post(client, "/account/security/second-factor/begin")
    secret = re.search(r'id="secret">([A-Z2-7]+)<', begun.get_data(as_text=True))
    assert secret
    wrong = _post(client, "/account/security/second-factor/confirm", code="000000")
    assert wrong.status_code == 422 and "验证码不对" in wrong.get_data(as_text=True)
    assert _user(app, "sup_county").totp_enabled_at is None
    _, codes = _enrol(client)
    assert _user(app, "sup_county").totp_enabled_at is not None
    assert [e.action for e in _actions(app, "user.second_factor")] == [
        "user.second_factor.on"]
    page = client.get("/account/security").get_data(as_text=True)
    assert codes[0] not in page and "10" in page  # codes shown once; 10 left


def test_signing_in_takes_the_code_once_and_recovery_codes_once(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    login(client, "sup_county")
    secret, codes = _enrol(client)
    half = _password_step(app)
    assert half.get("/").status_code == 302  # the password alone signs nobody in
    wrong = _code_step(half, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    assert wrong.status_code == 401
    assert _actions(app, "login.failed")[-1].detail["via"] == "web.second_factor"
    code = _next_code(secret)
    signed = _code_step(half, code)
    assert signed.status_code == 302 and half.get("/").status_code == 200
    replay = _password_step(app)
    assert _code_step(replay, code).status_code == 401  # the same step again
    rescue = _password_step(app)
    assert _code_step(rescue, codes[0].lower().replace("-", " ")).status_code == 302
    assert rescue.get("/").status_code == 200
    again = _password_step(app)
    assert _code_step(again, codes[0]).status_code == 401
    logins = [e.detail for e in _actions(app, "login") if e.action == "login"]
    assert {"second_factor": "recovery"} in logins and {"second_factor": "totp"} in logins


def test_the_code_must_follow_the_password_within_five_minutes(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    login(client, "sup_county")
    _enrol(client)
    half = _password_step(app)
    with half.session_transaction() as cookie:
        pending = dict(cookie["second_factor_pending"])
        pending["at"] -= 301
        cookie["second_factor_pending"] = pending
    late = half.get("/login/second-factor")
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")


def test_wrong_codes_are_counted_as_failed_sign_ins(app: Flask, client: FlaskClient, world,
                                                    login: Login) -> None:
    login(client, "sup_county")
    secret, _ = _enrol(client)
    half = _password_step(app)
    right = {pyotp.TOTP(secret).at(time.time() + d) for d in (-30, 0, 30, 60)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)
    statuses = [_code_step(half, wrong).status_code for _ in range(12)]
    assert statuses[:9] == [401] * 9 and 429 in statuses, statuses
    assert _code_step(half, _next_code(secret)).status_code == 429


def test_the_api_asks_for_otp(app: Flask, client: FlaskClient, world, login: Login) -> None:
    login(client, "sup_county")
    secret, _ = _enrol(client)
    api = app.test_client()
    bare = api.post("/api/v1/tokens", json={"username": "sup_county", "password": PASSWORD})
    assert bare.status_code == 401 and bare.get_json()["error"]["code"] == \
        "second_factor_needed"
    assert "验证" in bare.get_json()["error"]["message"]
    wrong = api.post("/api/v1/tokens", json={"username": "sup_county", "password": PASSWORD,
                                             "otp": "12345x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == \
        "second_factor_wrong"
    right = api.post("/api/v1/tokens", json={"username": "sup_county", "password": PASSWORD,
                                             "otp": _next_code(secret)})
    assert right.status_code == 201


def test_a_required_role_enrols_before_anything_else(app: Flask, world, login: Login) -> None:
    app.config["SECOND_FACTOR_ROLES"] = ("supervisor", "admin")
    supervisor = login(app.test_client(), "sup_t1")
    for path in ("/", "/attendance/today", "/visits"):
        answer = supervisor.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith(
            "/account/security"), path
    token = app.test_client().post("/api/v1/tokens", json={"username": "sup_t1",
                                                           "password": PASSWORD})
    me = app.test_client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {token.get_json()['token']}"})
    assert me.status_code == 403 and me.get_json()["error"]["code"] == \
        "second_factor_required"
    cadre = login(app.test_client(), "cadre_a")
    assert cadre.get("/").status_code == 200
    secret, _ = _enrol(supervisor)
    assert supervisor.get("/").status_code == 200
    refused = _post(supervisor, "/account/security/second-factor/off",
                    code=_next_code(secret))
    assert refused.status_code == 422
    assert _user(app, "sup_t1").totp_enabled_at is not None


def test_the_owner_turns_it_off_with_a_code(app: Flask, client: FlaskClient, world,
                                            login: Login) -> None:
    login(client, "sup_county")
    secret, _ = _enrol(client)
    assert _post(client, "/account/security/second-factor/off",
                 code="000000").status_code == 422
    done = _post(client, "/account/security/second-factor/off", code=_next_code(secret))
    assert done.status_code == 303
    assert _user(app, "sup_county").totp_secret is None
    assert app.test_client().post("/api/v1/tokens", json={
        "username": "sup_county", "password": PASSWORD}).status_code == 201


def test_an_admin_removes_a_lost_factor(app: Flask, client: FlaskClient, world,
                                        login: Login) -> None:
    owner = login(app.test_client(), "sup_county")
    _enrol(owner)
    login(client, "admin")
    page = f"/admin/users/{world['sup_county']}"
    assert "移除双因素" in client.get(page).get_data(as_text=True)
    assert _post(client, f"{page}/second-factor", page).status_code == 303
    assert _user(app, "sup_county").totp_enabled_at is None
    assert owner.get("/").status_code == 302  # their sessions ended
    [entry] = _actions(app, "user.second_factor.removed")
    assert entry.actor_id == world["admin"]


def test_a_desk_session_ends_when_idle_or_old_a_phone_lives_longer(
        app: Flask, world, login: Login) -> None:
    desk = login(app.test_client(), "sup_t1")
    assert desk.get("/").status_code == 200
    with desk.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - 31 * 60
    ended = desk.get("/attendance/today")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert "一段时间未使用" in desk.get("/login").get_data(as_text=True)
    assert desk.get("/").status_code == 302

    old = login(app.test_client(), "sup_t1")
    with old.session_transaction() as cookie:
        cookie["signed_in_at"] = time.time() - 13 * 3600
    assert old.get("/").status_code == 302

    phone = login(app.test_client(), "cadre_a")
    with phone.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - 31 * 60
    assert phone.get("/").status_code == 200
    api = phone.get("/api/v1/me")
    assert api.status_code == 200
    with phone.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - 8 * 86400
    gone = phone.get("/api/v1/me")
    assert gone.status_code == 401 and gone.get_json()["error"]["code"] == "session_expired"
