"""One commit point (db.py): a success keeps what the request wrote, a refusal or an error
does not; `keep_writes` keeps a refusal's own record; `savepoint` undoes only its block;
a CLI command commits when it returns. Nothing else in checkin/ commits or rolls back."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from flask import Flask, flash, redirect
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from checkin import db, refusals
from checkin.domain.refusal import Refusal
from checkin.models import AuditEntry
from checkin.platform import audit

CHECKIN = Path(__file__).resolve().parents[2] / "checkin"

# Commit or rollback calls allowed outside db.py: raw DBAPI connections of the backup and
# the migrations (ops/backup/, migrations/env.py), and the pool's ping (db.py).
ALLOWED = {"db.py", "ops/backup/snapshot.py", "ops/backup/restore.py", "migrations/env.py"}


def _write(action: str) -> None:
    audit.record(db.session(), actor_id=None, action=action, entity="test", entity_id=None)


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "test")
            .order_by(AuditEntry.id)))


@pytest.fixture
def routes(app: Flask) -> Flask:
    """Views that write one audit entry and then answer in each way a view can."""

    def ok() -> tuple[str, int]:
        _write("ok")
        return "", 201

    def refused() -> str:
        _write("refused")
        raise Refusal("no_village")  # a 422

    def crashed() -> str:
        _write("crashed")
        raise RuntimeError("a bug")

    def kept() -> str:
        _write("kept")
        db.keep_writes()
        raise Refusal("invalid_credentials")  # a 401, and the attempt recorded

    def flashed() -> object:
        try:
            with db.savepoint():
                _write("undone")
                raise Refusal("conflict")
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        _write("after")
        return redirect("/")

    def released_then_refused() -> str:
        with db.savepoint():
            _write("released")
        raise Refusal("no_village")  # a 422, after the savepoint

    for view in (ok, refused, crashed, kept, flashed, released_then_refused):
        app.add_url_rule(f"/api/v1/test/{view.__name__}", view.__name__, view,
                         methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_success_is_committed(routes: Flask, world) -> None:
    assert routes.test_client().post("/api/v1/test/ok").status_code == 201
    assert _actions(routes) == ["ok"]


def test_a_refusal_keeps_nothing(routes: Flask, world) -> None:
    response = routes.test_client().post("/api/v1/test/refused")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "no_village"
    assert _actions(routes) == []


def test_an_error_keeps_nothing(routes: Flask, world) -> None:
    assert routes.test_client().post("/api/v1/test/crashed").status_code == 500
    assert _actions(routes) == []


def test_keep_writes_commits_a_refusal_s_own_record(routes: Flask, world) -> None:
    assert routes.test_client().post("/api/v1/test/kept").status_code == 401
    assert _actions(routes) == ["kept"]


def test_a_savepoint_undoes_only_its_block(routes: Flask, world) -> None:
    assert routes.test_client().post("/api/v1/test/flashed").status_code == 302
    assert _actions(routes) == ["after"]


def test_a_released_savepoint_is_not_committed_by_itself(routes: Flask, world) -> None:
    """On SQLite, a SAVEPOINT outside a transaction would start one and its RELEASE would
    commit: db.py begins the transaction first, so the refusal still keeps nothing."""
    assert routes.test_client().post("/api/v1/test/released_then_refused").status_code == 422
    assert _actions(routes) == []


def test_a_commit_that_fails_is_answered_by_the_error_handlers(routes: Flask, world,
                                                               monkeypatch) -> None:
    """The database lost between the view and the commit: 503 (the phone sends it again),
    not a success, and nothing kept."""
    real_commit = Session.commit

    def lost(self: Session) -> None:
        monkeypatch.setattr(Session, "commit", real_commit)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", lost)
    response = routes.test_client().post("/api/v1/test/ok")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"
    assert _actions(routes) == []


def test_a_failed_api_sign_in_is_audited_though_refused(app: Flask, client, world) -> None:
    response = client.post("/api/v1/tokens", json={"username": "cadre_a", "password": "x"})
    assert response.status_code == 401
    with app.app_context():
        [entry] = db.session().scalars(
            select(AuditEntry).where(AuditEntry.action == "login.failed")).all()
    assert entry.detail == {"username": "cadre_a", "via": "api"}


@click.command("test-write")
@click.option("--fail", is_flag=True)
@with_appcontext
@db.command_transaction()
def _write_command(fail: bool) -> None:
    _write("command")
    if fail:
        raise click.ClickException("refused")


def test_a_command_commits_when_it_returns_and_not_when_it_fails(app: Flask, world) -> None:
    app.cli.add_command(_write_command)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["test-write", "--fail"]).exit_code == 1
    assert _actions(app) == []
    assert runner.invoke(args=["test-write"]).exit_code == 0
    assert _actions(app) == ["command"]


def _transaction_calls(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("commit", "rollback"):
            lines.append(node.lineno)
    return lines


def test_nothing_outside_db_py_commits_or_rolls_back() -> None:
    found = {str(path.relative_to(CHECKIN)): lines for path in CHECKIN.rglob("*.py")
             if (lines := _transaction_calls(path))}
    assert {name for name in found if name not in ALLOWED} == set(), found
