"""Tokens and the caller: POST /tokens, DELETE /tokens/current, GET /me."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required

from checkin import db
from checkin.api import bp
from checkin.api.payload import json_object, require_str
from checkin.auth import bearer_token
from checkin.domain.refusal import Refusal
from checkin.models import User
from checkin.platform import audit
from checkin.services.people import accounts, second_factor, signin_guard


def no_content() -> Response:
    """204 with no body and no Content-Type (Flask would call the empty body text/html)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "area_id": user.area_id if user.role == "supervisor" else (
            user.village.area_id if user.village else None),
        "village_id": user.village_id,
        "is_leader": user.is_leader,
        "team_id": user.team_id,
    }


@bp.post("/tokens")
def create_token() -> Any:
    body = json_object()
    username = require_str(body, "username", max_length=64)
    password = require_str(body, "password", max_length=256)
    session = db.session()
    with signin_guard.attempt(username, request.remote_addr) as attempt:
        user = accounts.authenticate(session, username, password)
        if user is not None:
            attempt.succeeded()
    if user is None:
        audit.record(session, actor_id=None, action="login.failed", entity="user",
                     entity_id=None, detail={"username": username[:64], "via": "api"},
                     address=request.remote_addr)
        db.keep_writes()  # the failed attempt is audited, though the answer is 401
        raise Refusal("invalid_credentials")
    if second_factor.enabled(user):
        _second_factor(session, user, body)
    lifetime = timedelta(days=current_app.config["TOKEN_LIFETIME_DAYS"])
    raw, token = accounts.issue_token(session, user, lifetime)
    audit.record(session, actor_id=user.id, action="login.token", entity="api_token",
                 entity_id=token.id, address=request.remote_addr)
    expires = token.expires_at.isoformat().replace("+00:00", "Z")
    return jsonify({"token": raw, "expires_at": expires}), 201


def _second_factor(session: Any, user: User, body: dict[str, Any]) -> None:
    """An account with a second factor sends its code as `otp`; a wrong one counts as a
    failed sign-in of the account, as a wrong password does."""
    code = body.get("otp")
    if not isinstance(code, str) or not code.strip():
        raise Refusal("second_factor_needed", field="otp")
    factor = None
    with signin_guard.attempt(user.username, request.remote_addr) as attempt:
        factor = second_factor.verify(session, user, code[:32])
        if factor is not None:
            attempt.succeeded()
    if factor is None:
        audit.record(session, actor_id=None, action="login.failed", entity="user",
                     entity_id=user.id, detail={"username": user.username,
                                                "via": "api.second_factor"},
                     address=request.remote_addr)
        db.keep_writes()
        raise Refusal("second_factor_wrong", field="otp")


@bp.delete("/tokens/current")
@login_required
def delete_token() -> Any:
    raw = bearer_token()
    if raw is None:
        raise Refusal("no_token")
    session = db.session()
    accounts.revoke_token(session, raw)
    audit.record(session, actor_id=current_user.id, action="logout.token", entity="api_token",
                 entity_id=None, address=request.remote_addr)
    return no_content()


@bp.get("/me")
@login_required
def me() -> Any:
    return jsonify(user_json(current_user))


@bp.post("/me/password")
@login_required
def change_password() -> Any:
    """The caller's own password: the current one, then the new one (the rules of
    domain/passwords.py). Every session and token ends, this one too: sign in again. The
    one call open to an account that must change its password first."""
    body = json_object()
    current = require_str(body, "current", max_length=256)
    new = require_str(body, "new", max_length=256)
    session = db.session()
    user = current_user._get_current_object()
    with signin_guard.attempt(user.username, request.remote_addr) as attempt:
        if accounts.authenticate(session, user.username, current) is not None:
            attempt.succeeded()
    if not attempt.right:
        audit.record(session, actor_id=user.id, action="login.failed", entity="user",
                     entity_id=user.id, detail={"username": user.username,
                                                "via": "api.password"},
                     address=request.remote_addr)
        db.keep_writes()  # a wrong current password is a failed sign-in: counted, audited
        raise Refusal("current_password_wrong", field="current")
    accounts.set_password(session, user, new, actor_id=user.id)
    return no_content()
