"""Who is asking: the session cookie (with its epoch) or a Bearer token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask_login import LoginManager, current_user
from sqlalchemy.engine import Connection

from checkin import db
from checkin.models import User
from checkin.scope import Scope
from checkin.services.people import accounts
from checkin.services.people.accounts import Principal

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_message = None


@login_manager.user_loader
def load_user(user_key: str) -> User | None:
    """The cookie holds "id:epoch"; a cookie from an older epoch is refused."""
    try:
        user_id, epoch = (int(part) for part in user_key.split(":"))
    except ValueError:
        return None
    user = db.session().get(User, user_id)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


@login_manager.request_loader
def load_user_from_bearer(req: Any) -> User | None:
    raw = bearer_token()
    if raw is None:
        return None
    user = accounts.user_for_token(db.session(), raw)
    if user is not None:
        g.auth_via_token = True
    return user


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()


def deciding_bearer_token() -> str | None:
    """The Bearer token, if it is what decides who is asking: Flask-Login tries a session
    or remember-me cookie first, so with one of those the token is not used."""
    raw = bearer_token()
    if raw is None:
        return None
    cookies = request.cookies
    if (current_app.config.get("SESSION_COOKIE_NAME", "session") in cookies
            or current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies):
        return None
    return raw


def current_principal(connection: Connection | None = None) -> Principal | None:
    """Who is asking, without an ORM User: for hot paths such as POST /checkins.

    A Bearer token (and no login cookie) is resolved with one Core query joining the token
    with its user, on `connection` if given (else the request's session); otherwise
    Flask-Login decides as everywhere else. Same answer as `current_user`, cached for the
    request.
    """
    if "principal" in g:
        return g.principal
    found: Principal | None
    raw = deciding_bearer_token()
    if raw is not None:
        found = accounts.principal_for_token(connection or db.session().connection(), raw)
        if found is not None:
            g.auth_via_token = True
    elif current_user.is_authenticated:
        found = Principal(current_user.id, current_user.role, current_user.village_id)
    else:
        found = None
    g.principal = found
    return found


def adopt_principal(found: Principal | None) -> None:
    """Take `found` as who is asking, when a caller resolved the deciding Bearer token
    itself (POST /checkins does, in the same query as the check-in's context)."""
    g.principal = found
    if found is not None:
        g.auth_via_token = True


def current_scope() -> Scope:
    if "scope" not in g:
        user = current_user if current_user.is_authenticated else None
        g.scope = Scope.for_user(user)
    return g.scope


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Views for some roles only; others get 404 so that nothing is revealed."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    from flask import redirect, url_for

    from checkin.domain.refusal import Refusal
    from checkin.errors import refusal_response, wants_json

    if wants_json():
        return refusal_response(Refusal("not_signed_in"))
    return redirect(url_for("auth.login", next=safe_next(request.full_path)))


def safe_next(target: str | None) -> str | None:
    """Only local paths are followed after sign-in: no scheme, no host, no backslashes."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target.rstrip("?") or "/"
