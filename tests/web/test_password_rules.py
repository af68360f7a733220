"""Password rules as settings (issue 20, 等保): kinds of character, no username, no reuse of
the last few, expiry; each refusal in the reader's language; an expired password leads to
the change page (web) and 403 password_expired (API)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.models import User
from checkin.models.types import utcnow
from tests.conftest import PASSWORD, csrf_from

Login = Callable[..., FlaskClient]


def _change(client: FlaskClient, current: str, new: str):
    return client.post("/account/password", data={
        "current": current, "new": new, "csrf_token": csrf_from(client, "/account/password")})


def test_the_last_passwords_cannot_be_used_again(app: Flask, world, login: Login) -> None:
    app.config["PASSWORD_HISTORY"] = 3
    chain = [PASSWORD, "Second-choice-51", "Third-choice-62", "Fourth-choice-73"]
    for before, after in itertools.pairwise(chain):
        client = login(app.test_client(), "sup_t1", before)
        assert _change(client, before, after).status_code == 302
    client = login(app.test_client(), "sup_t1", chain[-1])
    for used in (chain[-1], chain[-2], chain[-3]):
        refused = _change(client, chain[-1], used)
        assert refused.status_code == 200 and "最近 3 次" in refused.get_data(as_text=True)
    assert _change(client, chain[-1], PASSWORD).status_code == 302  # four changes ago


def test_kinds_and_the_username_are_refused_in_the_readers_language(
        app: Flask, world, login: Login) -> None:
    client = login(app.test_client(), "sup_t1")
    kinds = _change(client, PASSWORD, "only-lower-case").get_data(as_text=True)
    assert "至少 3 类字符" in kinds
    named = _change(client, PASSWORD, "Xq-sup_t1-Pz8").get_data(as_text=True)
    assert "不能包含用户名" in named
    english = app.test_client()
    login(english, "sup_t1")
    english.set_cookie("lang", "en")
    page = _change(english, PASSWORD, "only-lower-case").get_data(as_text=True)
    assert "Mix at least 3 kinds" in page


def test_an_expired_password_must_be_changed_first(app: Flask, world, login: Login) -> None:
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90
    with app.app_context():
        s = db.session()
        user = s.scalars(select(User).where(User.username == "cadre_a")).one()
        user.password_changed_at = utcnow() - timedelta(days=91)
        s.commit()
    client = login(app.test_client(), "cadre_a")
    answer = client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(
        "/account/password")
    assert "密码已太久未更换" in client.get("/account/password").get_data(as_text=True)
    token = app.test_client().post("/api/v1/tokens", json={"username": "cadre_a",
                                                           "password": PASSWORD})
    api = app.test_client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {token.get_json()['token']}"})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "password_expired"
    assert _change(client, PASSWORD, "Fresh-choice-2026").status_code == 302
    again = login(app.test_client(), "cadre_a", "Fresh-choice-2026")
    assert again.get("/").status_code == 200
