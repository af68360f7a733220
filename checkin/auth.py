"""Who is asking: the session cookie (with its epoch) or a Bearer token."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, request
from flask import session as cookie
from flask_login import LoginManager, current_user, logout_user

from checkin import db
from checkin.domain import duties
from checkin.domain import second_factor as factor_rules
from checkin.models import User
from checkin.models.types import utcnow
from checkin.scope import Scope
from checkin.services.people import accounts, second_factor, signin_sessions

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_message = None
    app.before_request(enforce_session_limits)
    app.before_request(require_own_password)
    app.before_request(require_second_factor)
    app.before_request(require_duty)


SEEN_EVERY_S = 60  # the cookie's "seen" time is rewritten at most this often


def start_session(user: User) -> None:
    """At sign-in: when the session began and was last used (epoch seconds, wall clock),
    and its row in the list of the person's sessions."""
    cookie["signed_in_at"] = cookie["seen_at"] = time.time()
    cookie["sid"] = _open_row(user)


def _open_row(user: User) -> str:
    return signin_sessions.open_session(db.session(), user, request.remote_addr,
                                        request.headers.get("User-Agent")).id


def _session_row_ended() -> bool:
    """Whether this cookie's session was ended from a list of sessions (or belongs to an
    older epoch); a cookie from before sessions were listed gets its row now."""
    sid = cookie.get("sid")
    if not sid:
        cookie["sid"] = _open_row(current_user)
        return False
    return signin_sessions.still_open(db.session(), current_user, str(sid), utcnow()) is None


def session_limits(role: str) -> factor_rules.SessionLimits:
    config = current_app.config
    if role == "cadre":
        return factor_rules.SessionLimits(config["CADRE_SESSION_IDLE_MINUTES"],
                                          config["CADRE_SESSION_MAX_HOURS"])
    return factor_rules.SessionLimits(config["SESSION_IDLE_MINUTES"],
                                      config["SESSION_MAX_HOURS"])


def session_lifetime(role: str) -> timedelta:
    """How long a session of the role can live at most (what a list of sessions shows)."""
    limits = session_limits(role)
    return timedelta(hours=limits.max_hours) if limits.max_hours else timedelta(days=3650)


def enforce_session_limits() -> Any:
    """A cookie session ends after its idle time or its lifetime (per role); a Bearer
    token has its own expiry. The page asks to sign in again and says why."""
    if "_user_id" not in cookie or bearer_token() is not None \
            or request.endpoint in ("static", None) or not current_user.is_authenticated:
        return None
    now = time.time()
    signed_in_at = float(cookie.get("signed_in_at") or now)
    seen_at = float(cookie.get("seen_at") or now)
    ended: str | None = factor_rules.session_expired(session_limits(current_user.role),
                                                     signed_in_at, seen_at, now)
    if ended is None and _session_row_ended():
        ended = "ended"
    if ended is None:
        if "signed_in_at" not in cookie:
            cookie["signed_in_at"] = signed_in_at
        if now - seen_at >= SEEN_EVERY_S or "seen_at" not in cookie:
            cookie["seen_at"] = now
        return None
    logout_user()
    cookie.clear()
    g.pop("scope", None)
    from flask import flash, redirect, url_for
    from flask_babel import gettext as _

    from checkin.domain.refusal import Refusal
    from checkin.errors import refusal_response, wants_json

    if wants_json():
        return refusal_response(Refusal("session_expired"))
    flash({"idle": _("You were signed out after a time without use. Please sign in again."),
           "ended": _("This session was ended from the list of sessions. Please sign in "
                      "again.")}.get(ended) or _("Your session reached its time limit. "
                                                  "Please sign in again."), "info")
    return redirect(url_for("auth.login", next=safe_next(request.full_path)))


# What an account whose password someone else chose may still do: change it, sign out,
# switch language, load the app's files; and sign in (which loads no user here, so that
# on SQLite the sign-in guard is the first to touch the database).
OPEN_WHILE_FORCED = frozenset((
    "auth.change_password", "auth.logout", "auth.set_language", "auth.login", "static",
    "api.change_password", "api.delete_token", "api.create_token", "api.openapi_json",
    "auth.second_step", "auth.privacy",
))
# What an account that must enrol a second factor may still do: enrol, sign out.
OPEN_UNTIL_ENROLLED = OPEN_WHILE_FORCED | frozenset((
    "account.security", "account.factor_begin", "account.factor_confirm",
))


def require_second_factor() -> Any:
    """Where the setting requires a second factor for the role, an account without one
    gets the enrolment page for every page and 403 second_factor_required from the API."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_UNTIL_ENROLLED or endpoint.startswith(("pwa.", "vendor.")):
        return None
    if not current_user.is_authenticated or second_factor.enabled(current_user) \
            or not factor_rules.required_for(current_user.role,
                                             current_app.config["SECOND_FACTOR_ROLES"]):
        return None
    from flask import redirect, url_for

    from checkin.domain.refusal import Refusal
    from checkin.errors import refusal_response, wants_json

    if wants_json():
        return refusal_response(Refusal("second_factor_required"))
    return redirect(url_for("account.security"))


def require_own_password() -> Any:
    """An account with `must_change_password`, or a password older than the rules allow,
    gets the change-password page for every page (a redirect) and 403
    password_change_required (password_expired) for every API call, until done."""
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WHILE_FORCED or endpoint.startswith(("pwa.", "vendor.")):
        return None
    if not current_user.is_authenticated:
        return None
    too_old = password_expired(current_user)
    if not current_user.must_change_password and not too_old:
        return None
    from flask import redirect, url_for

    from checkin.domain.refusal import Refusal
    from checkin.errors import refusal_response, wants_json

    if wants_json():
        return refusal_response(Refusal("password_expired" if too_old and not
                                        current_user.must_change_password
                                        else "password_change_required"))
    return redirect(url_for("auth.change_password"))


def password_expired(user: User) -> bool:
    """Older than PASSWORD_MAX_AGE_DAYS (never, when that is 0)."""
    from checkin.domain.passwords import expired
    from checkin.models.types import utcnow

    return expired(user.password_changed_at, utcnow(), accounts.password_rules())


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
                denied()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def denied() -> None:
    """Refuse a signed-in person a page of another role or duty: 404 (nothing revealed),
    and an entry in the audit log (等保: permission refusals are audited)."""
    from checkin.platform import audit

    audit.record(db.session(), actor_id=current_user.id, action="access.denied",
                 entity="endpoint", entity_id=(request.endpoint or "")[:64],
                 detail={"method": request.method, "path": request.path[:200]},
                 address=request.remote_addr)
    db.keep_writes()
    abort(404)


def require_duty() -> Any:
    """With duties separated, an admin reaches only the pages of their duty."""
    if not current_user.is_authenticated or current_user.role != "admin":
        return None
    if duties.may_open(current_user.duty, request.endpoint or "",
                       separated=current_app.config["SEPARATION_OF_DUTIES"]):
        return None
    denied()
    return None


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
