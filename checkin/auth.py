"""Who is asking: the session cookie (with its epoch) or a Bearer token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, request
from flask_login import LoginManager, current_user

from checkin import db
from checkin.models import User
from checkin.scope import Scope
from checkin.services.people import accounts

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_message = None


@login_manager.user_loader
def load_user(user_key: str) -> User | None:
    """The cookie holds "id:epoch"; a cookie from an older epoch is refused. A request that
    carries a Bearer token is that token's alone: the cookie is not read then, so it can
    never ride on a Bearer header past the CSRF check (security.py skips it for Bearer)."""
    if bearer_token() is not None:
        return None
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
    return accounts.user_for_token(db.session(), raw)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return raw.strip()


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
