"""Signing in and out on the web: sessions end everywhere, cookies are safe, CSRF holds."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import create_app, db
from checkin.models import AuditEntry, User
from checkin.settings import ConfigurationError
from tests.conftest import PASSWORD, csrf_from


def test_login_page_is_chinese_by_default_and_english_on_request(client, world) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    client.get("/lang/en?next=/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page


def test_anonymous_is_sent_to_login_with_a_local_next(client, world) -> None:
    response = client.get("/villages")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/villages")


def test_wrong_password_is_refused_and_audited(app: Flask, client, world) -> None:
    token = csrf_from(client)
    response = client.post("/login", data={"username": "cadre_a", "password": "nope-nope",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert "账号或密码错误" in response.get_data(as_text=True)
    with app.app_context():
        actions = db.session().scalars(select(AuditEntry.action)).all()
    assert "login.failed" in actions


def test_login_without_csrf_token_is_refused(client, world) -> None:
    response = client.post("/login", data={"username": "cadre_a", "password": PASSWORD})
    assert response.status_code == 400


def test_cookie_flags(client, world, login) -> None:
    token = csrf_from(client)
    response = client.post("/login", data={"username": "cadre_a", "password": PASSWORD,
                                           "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_cookie_captured_before_logout_is_refused_after(app: Flask, world, login) -> None:
    phone = login(app.test_client(), "cadre_a")
    captured = phone.get_cookie("session").value
    assert phone.get("/").status_code == 200
    phone.post("/logout", data={"csrf_token": csrf_from(phone, "/")})
    thief = app.test_client()
    thief.set_cookie("session", captured)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_on_one_device_ends_the_other_devices_and_tokens(app: Flask, world, login,
                                                                 token_for) -> None:
    laptop = login(app.test_client(), "cadre_a")
    phone = login(app.test_client(), "cadre_a")
    bearer = token_for("cadre_a")
    laptop.post("/logout", data={"csrf_token": csrf_from(laptop, "/")})
    assert phone.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_disabling_a_user_ends_its_sessions(app: Flask, world, login) -> None:
    phone = login(app.test_client(), "cadre_a")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["disable-user", "cadre_a"])
    assert result.exit_code == 0, result.output
    assert phone.get("/").status_code == 302
    stranger = app.test_client()
    token = csrf_from(stranger)
    refused = stranger.post("/login", data={"username": "cadre_a", "password": PASSWORD,
                                            "csrf_token": token})
    assert refused.status_code == 401


def test_password_change_checks_rules_and_ends_sessions(app: Flask, world, login) -> None:
    other = login(app.test_client(), "cadre_a")
    me = login(app.test_client(), "cadre_a")
    token = csrf_from(me, "/account/password")
    short = me.post("/account/password", data={"current": PASSWORD, "new": "short",
                                               "csrf_token": token})
    assert "至少需要 8 个字符" in short.get_data(as_text=True)
    common = me.post("/account/password", data={"current": PASSWORD, "new": "password123",
                                                "csrf_token": token})
    assert "过于常见" in common.get_data(as_text=True)
    done = me.post("/account/password", data={"current": PASSWORD, "new": "a-New-long-secret",
                                              "csrf_token": token})
    assert done.status_code == 302
    assert other.get("/").status_code == 302
    login(app.test_client(), "cadre_a", "a-New-long-secret")


def test_redirect_after_login_stays_on_this_site(client, world) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = csrf_from(client)
        response = client.post(f"/login?next={target}", data={
            "username": "cadre_a", "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": csrf_from(client, "/")})


def test_login_is_rate_limited_per_account_with_retry_after(app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    statuses = []
    for n in range(5):
        client = app.test_client()  # a fresh client each time: the key is the account
        token = csrf_from(client)
        response = client.post("/login", data={"username": "cadre_b", "password": f"bad{n}xxx",
                                               "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses[:3] == [401, 401, 401] and statuses[3] == 429
    assert int(response.headers["Retry-After"]) > 0
    # Another account is not affected by the attack on cadre_b.
    client = app.test_client()
    token = csrf_from(client)
    ok = client.post("/login", data={"username": "cadre_a", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302


def test_production_refuses_to_start_without_secret_key() -> None:
    import pytest

    with pytest.raises(ConfigurationError):
        create_app({"CHECKIN_ENV": "production", "SECRET_KEY": None,
                    "DATABASE_URL": "sqlite://"})


def test_passwords_are_hashed_with_scrypt_outside_tests(app: Flask, world) -> None:
    from checkin.services.people import accounts

    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    with app.app_context():
        assert accounts.hash_password("whatever-long").startswith("scrypt:")
        user = db.session().scalars(select(User).where(User.username == "cadre_a")).one()
        assert PASSWORD not in user.password_hash


def test_security_headers(client: FlaskClient, world) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
