"""Sign-in limits in one process: one key space for the web form and the token API, keyed
by account and address so that guessing from elsewhere cannot lock the owner out, and a
per-account ceiling across all addresses that slows a spread-out attack. (The same held
across 4 gunicorn workers: test_signin_limits_served.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from checkin import db
from checkin.models import AuditEntry
from tests.conftest import PASSWORD, csrf_from

ATTACKER = "203.0.113.7"
HOME = "198.51.100.20"


def _form(app: Flask, username: str, password: str, address: str) -> int:
    client = app.test_client()
    token = csrf_from(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}).status_code


def _token(app: Flask, username: str, password: str, address: str) -> int:
    return app.test_client().post("/api/v1/tokens", json={
        "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address}).status_code


def _token_response(app: Flask, username: str, password: str, address: str) -> TestResponse:
    return app.test_client().post("/api/v1/tokens", json={
        "username": username, "password": password}, environ_base={"REMOTE_ADDR": address})


def _guess(app: Flask, n: int, username: str, address: str) -> int:
    sign_in = _form if n % 2 == 0 else _token
    return sign_in(app, username, f"wrong-guess-{n}-xyz", address)


def test_both_endpoints_share_one_allowance(app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "4 per 15 minutes"
    statuses = [_guess(app, n, "cadre_b", ATTACKER) for n in range(10)]
    assert statuses.count(401) == 4 and statuses[4:] == [429] * 6, statuses


def test_the_owner_signs_in_from_its_address_while_an_attacker_is_refused(
        app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    assert _token(app, "cadre_b", PASSWORD, HOME) == 201
    statuses = [_guess(app, n, "cadre_b", ATTACKER) for n in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    # The attacker's right password is refused too (it may not tell), the owner's is not.
    assert _token(app, "cadre_b", PASSWORD, ATTACKER) == 429
    assert _token(app, "cadre_b", PASSWORD, HOME) == 201
    assert _form(app, "cadre_b", PASSWORD, HOME) == 302


def test_a_right_password_uses_up_nothing(app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(5):
        assert _token(app, "cadre_b", PASSWORD, HOME) == 201
    assert [_guess(app, n, "cadre_b", HOME) for n in range(3)] == [401, 401, 429]


def test_guesses_spread_over_many_addresses_are_slowed_then_capped(app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"] = "8 per 15 minutes"
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    app.config["FIXED_NOW"] = start
    assert _token(app, "cadre_b", PASSWORD, HOME) == 201  # the owner's usual address

    def attacker(n: int) -> str:
        return f"203.0.113.{n + 10}"

    # Three guesses from three addresses use up the per-account allowance; from then on each
    # further guess from anywhere else waits longer: 1 s, 2 s, 4 s, ... after the last one.
    assert [_guess(app, n, "cadre_b", attacker(n)) for n in range(3)] == [401] * 3
    waits: list[int] = []
    for n in range(3, 30):
        answer = _token_response(app, "cadre_b", f"wrong-again-{n}-xyz", attacker(n))
        while answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 60:
            waits.append(int(answer.headers["Retry-After"]))
            app.config["FIXED_NOW"] += timedelta(seconds=waits[-1])
            answer = _token_response(app, "cadre_b", f"wrong-again-{n}-xyz", attacker(n))
        if answer.status_code == 429:
            break  # the ceiling: the rest of the window
        assert answer.status_code == 401
    assert waits == [1, 2, 4, 8, 16], waits
    # 8 in all from everywhere else: the ceiling. Still the owner is let in from home.
    assert _token(app, "cadre_b", "wrong-at-ceiling", attacker(40)) == 429
    assert _token(app, "cadre_b", PASSWORD, HOME) == 201
    assert _form(app, "cadre_b", PASSWORD, HOME) == 302
    failed = _failed_sign_ins(app)
    assert failed == 8, failed


def test_failed_sign_ins_on_both_endpoints_stay_in_the_audit_log(app: Flask, world) -> None:
    for n in range(4):
        assert _guess(app, n, "cadre_a", ATTACKER) == 401
    assert _failed_sign_ins(app) == 4
    with app.app_context():
        addresses = set(db.session().scalars(select(AuditEntry.address).where(
            AuditEntry.action == "login.failed")).all())
    assert addresses == {ATTACKER}


def _failed_sign_ins(app: Flask) -> int:
    with app.app_context():
        return len(db.session().scalars(select(AuditEntry.id).where(
            AuditEntry.action == "login.failed")).all())


def test_a_wrong_current_password_is_a_counted_guess(app: Flask, world, login) -> None:
    """A stolen session cannot guess the password on the change-password form."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    browser = login(app.test_client(), "cadre_a")
    token = csrf_from(browser, "/account/password")
    statuses = [browser.post("/account/password", data={
        "current": f"guess-{n}-xyz", "new": "my-own-choice-77", "csrf_token": token})
        .status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert _failed_sign_ins(app) == 2
