"""A password someone else chose (create-user, the roster import, an admin's set-password)
must be changed at first sign-in: the web sends every page to the change-password page, the
API answers 403 password_change_required to everything but the password change. The demo
accounts of seed-demo are not forced (make run stays usable)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.models import User
from tests.conftest import PASSWORD, csrf_from
from tests.roster.test_roster_import import run_import, xlsx


def _forced(app: Flask, username: str) -> bool:
    with app.app_context():
        return bool(db.session().scalars(select(User.must_change_password).where(
            User.username == username)).one())


def _signed_in(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": csrf_from(client)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def test_create_user_forces_a_change_on_every_page_until_done(app: Flask, world) -> None:
    made = app.test_cli_runner().invoke(args=[
        "create-user", "newadmin", "--name", "新管理员", "--role", "admin",
        "--password", "given-by-someone-42"])
    assert made.exit_code == 0, made.output
    assert _forced(app, "newadmin")
    browser = _signed_in(app, "newadmin", "given-by-someone-42")
    for path in ("/", "/admin/roster", "/villages"):
        answer = browser.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith(
            "/account/password"), path
    page = browser.get("/account/password").get_data(as_text=True)
    assert "请先修改密码" in page
    token = csrf_from(browser, "/account/password")
    done = browser.post("/account/password", data={
        "current": "given-by-someone-42", "new": "my-own-choice-77", "csrf_token": token})
    assert done.status_code == 302
    assert not _forced(app, "newadmin")
    again = _signed_in(app, "newadmin", "my-own-choice-77")
    assert again.get("/").status_code == 200


def test_the_api_refuses_a_forced_account_but_its_password_change(app: Flask, world) -> None:
    app.test_cli_runner().invoke(args=["set-password", "cadre_a", "--password",
                                       "reset-by-admin-42"])
    assert _forced(app, "cadre_a")
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "cadre_a",
                                                "password": "reset-by-admin-42"})
    assert token.status_code == 201
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    for path in ("/api/v1/me", "/api/v1/villages", "/api/v1/households"):
        answer = client.get(path, headers=bearer)
        assert answer.status_code == 403, path
        assert answer.get_json()["error"]["code"] == "password_change_required"
    english = client.get("/api/v1/me?lang=en", headers=bearer).get_json()["error"]["message"]
    assert "change your password" in english.lower()
    weak = client.post("/api/v1/me/password", headers=bearer,
                       json={"current": "reset-by-admin-42", "new": "password123"})
    assert weak.status_code == 422 and weak.get_json()["error"]["code"] == "password_common"
    wrong = client.post("/api/v1/me/password", headers=bearer,
                        json={"current": "not-it-at-all", "new": "my-own-choice-77"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["code"] == "current_password_wrong"
    changed = client.post("/api/v1/me/password", headers=bearer,
                          json={"current": "reset-by-admin-42", "new": "my-own-choice-77"})
    assert changed.status_code == 204
    assert client.get("/api/v1/me", headers=bearer).status_code == 401  # every token ended
    assert not _forced(app, "cadre_a")
    fresh = client.post("/api/v1/tokens", json={"username": "cadre_a",
                                                "password": "my-own-choice-77"}).get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['token']}"})
    assert me.status_code == 200


def test_the_roster_import_forces_a_change(app: Flask) -> None:
    result = run_import(app, xlsx())
    assert result.new_accounts
    assert all(_forced(app, username) for username, _ in result.new_accounts)


def test_the_demo_accounts_are_not_forced(app: Flask) -> None:
    demo = app.test_cli_runner().invoke(args=["seed-demo", "--password", "training-room-1"])
    assert demo.exit_code == 0, demo.output
    assert not _forced(app, "cadre01a") and not _forced(app, "admin")
    assert _signed_in(app, "cadre01a", "training-room-1").get("/").status_code == 200


def test_an_account_that_changed_its_own_password_is_not_forced(app: Flask, world) -> None:
    assert not _forced(app, "cadre_a")
    browser = _signed_in(app, "cadre_a", PASSWORD)
    assert browser.get("/").status_code == 200


def test_passwords_easy_to_guess_are_refused_in_both_languages(app: Flask, world) -> None:
    browser = _signed_in(app, "cadre_a", PASSWORD)
    token = csrf_from(browser, "/account/password")
    for weak in ("Password2024!", "iloveyou2024", "qwer1234tyui", "1qaz2wsx3edc",
                 "abc123abc123", "cadre_a2026"):
        answer = browser.post("/account/password", data={
            "current": PASSWORD, "new": weak, "csrf_token": token})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and ("过于常见" in text or "容易猜到" in text), weak
    browser.get("/lang/en?next=/account/password")
    answer = browser.post("/account/password", data={
        "current": PASSWORD, "new": "Summer2024", "csrf_token": token})
    assert "too common" in answer.get_data(as_text=True) or \
        "easy to guess" in answer.get_data(as_text=True)


def test_the_password_change_answers_as_documented(app: Flask, world) -> None:
    from tests.api.test_spotchecks_api import _conforms, _response_schema

    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    app.test_cli_runner().invoke(args=["set-password", "cadre_a", "--password",
                                       "reset-by-admin-42"])
    raw = client.post("/api/v1/tokens", json={"username": "cadre_a",
                                              "password": "reset-by-admin-42"}).get_json()
    bearer = {"Authorization": f"Bearer {raw['token']}"}
    forced = client.get("/api/v1/me", headers=bearer)
    _conforms(forced.get_json(), _response_schema(doc, "/me", "get", 403), doc, "403")
    for body, status in (({"current": "reset-by-admin-42", "new": "12345678"}, 422),
                         ({"current": "reset-by-admin-42"}, 400)):
        answer = client.post("/api/v1/me/password", json=body, headers=bearer)
        assert answer.status_code == status
        _conforms(answer.get_json(), _response_schema(doc, "/me/password", "post", status),
                  doc, str(status))
    done = client.post("/api/v1/me/password", headers=bearer,
                       json={"current": "reset-by-admin-42", "new": "my-own-choice-77"})
    assert done.status_code == 204 and "204" in doc["paths"]["/me/password"]["post"][
        "responses"]
