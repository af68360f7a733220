"""Signing in (the password, then the second factor where the person has one) and out,
changing one's password, and the language switch."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from checkin import db, refusals
from checkin.auth import password_expired, safe_next, start_session
from checkin.domain.refusal import Refusal
from checkin.i18n import LANG_COOKIE
from checkin.models import User
from checkin.platform import audit
from checkin.services.people import accounts, second_factor, signin_guard
from checkin.web.forms import CodeForm, LoginForm, LogoutForm, PasswordForm

PENDING = "second_factor_pending"
PENDING_S = 300  # the password was right this long ago: the code must follow within it

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db.session()
        username = form.username.data or ""
        with signin_guard.attempt(username, request.remote_addr) as attempt:
            user = accounts.authenticate(session, username, form.password.data or "")
            if user is not None:
                attempt.succeeded()
        if user is None:
            audit.record(session, actor_id=None, action="login.failed", entity="user",
                         entity_id=None, detail={"username": (form.username.data or "")[:64]},
                         address=request.remote_addr)
            db.keep_writes()  # the failed attempt is audited, though the answer is 401
            flash(_("Wrong username or password."), "error")
            return render_template("auth/login.html", form=form), 401
        target = safe_next(request.args.get("next"))
        if second_factor.enabled(user):
            # The password was right; the session is not signed in until the code is.
            cookie[PENDING] = {"user": user.id, "epoch": user.session_epoch,
                               "at": time.time(), "next": target}
            return redirect(url_for("auth.second_step"))
        _signed_in(user, None)
        return redirect(target or url_for("home.index"))
    return render_template("auth/login.html", form=form)


def _signed_in(user: User, factor: str | None) -> None:
    login_user(user)
    start_session(user)
    audit.record(db.session(), actor_id=user.id, action="login", entity="user",
                 entity_id=user.id, detail={"second_factor": factor} if factor else None,
                 address=request.remote_addr)


def _pending_user() -> tuple[User | None, str | None]:
    pending = cookie.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_S:
        return None, None
    user = db.session().get(User, pending.get("user"))
    if user is None or not user.active or user.session_epoch != pending.get("epoch") \
            or not second_factor.enabled(user):
        return None, None
    return user, pending.get("next")


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_step() -> Any:
    """The second step of a sign-in: a code from the authenticator app or a recovery code.
    A wrong code counts as a failed sign-in of the account (the same guard as passwords)."""
    user, target = _pending_user()
    if user is None:
        cookie.pop(PENDING, None)
        flash(_("Sign in again: the code must follow the password within 5 minutes."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        session = db.session()
        code = form.code.data or ""
        factor = None
        with signin_guard.attempt(user.username, request.remote_addr) as attempt:
            factor = second_factor.verify(session, user, code)
            if factor is not None:
                attempt.succeeded()
        if factor is not None:
            cookie.pop(PENDING, None)
            _signed_in(user, factor)
            return redirect(target or url_for("home.index"))
        audit.record(session, actor_id=None, action="login.failed", entity="user",
                     entity_id=user.id, detail={"username": user.username,
                                                "via": "web.second_factor"},
                     address=request.remote_addr)
        db.keep_writes()  # the failed attempt is audited, though the answer is 401
        form.code.errors = [*form.code.errors, _("The code is wrong or was used already.")]
        return render_template("auth/second_factor.html", form=form), 401
    return render_template("auth/second_factor.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("home.index"))
    session = db.session()
    user = current_user._get_current_object()
    accounts.end_all_sessions(session, user)
    audit.record(session, actor_id=user.id, action="logout", entity="user", entity_id=user.id,
                 address=request.remote_addr)
    logout_user()
    response = redirect(url_for("auth.login"))
    # Empties the phone: the offline outbox (IndexedDB), saved pages (Cache Storage) and the
    # service worker go with the session. The sign-out button warns first if records wait.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        session = db.session()
        user = current_user._get_current_object()
        with signin_guard.attempt(user.username, request.remote_addr) as attempt:
            if accounts.authenticate(session, user.username, form.current.data or ""):
                attempt.succeeded()
        if not attempt.right:
            # A wrong current password is a failed sign-in: counted and audited.
            audit.record(session, actor_id=user.id, action="login.failed", entity="user",
                         entity_id=user.id, detail={"username": user.username,
                                                    "via": "web.password"},
                         address=request.remote_addr)
            form.current.errors.append(_("The current password is wrong."))
        else:
            try:
                with db.savepoint():
                    accounts.set_password(session, user, form.new.data or "", actor_id=user.id)
            except Refusal as exc:
                form.new.errors.append(refusals.message(exc))
            else:
                logout_user()
                flash(_("Password changed. Please sign in again."), "info")
                return redirect(url_for("auth.login"))
    return render_template("auth/password.html", form=form, rules=accounts.password_rules(),
                           password_too_old=password_expired(current_user))


@bp.get("/privacy")
def privacy() -> Any:
    """What is collected about whom, why, for how long and who sees it (PIPL 个人信息保护法
    art. 17), with this deployment's own settings; open without signing in."""
    config = current_app.config
    cipher = current_app.extensions.get("checkin_field_cipher")
    return render_template("auth/privacy.html", retention_days=config["RETENTION_DAYS"],
                           photos_per_visit=config["PHOTOS_PER_VISIT"],
                           token_days=config["TOKEN_LIFETIME_DAYS"],
                           encryption=CIPHER_NAMES.get(cipher.algorithm) if cipher else None)


CIPHER_NAMES = {"aes-256-gcm": "AES-256-GCM", "sm4-gcm": "SM4-GCM"}


@bp.get("/lang/<code>")
def set_language(code: str) -> Any:
    target = safe_next(request.args.get("next")) or url_for("home.index")
    response = redirect(target)
    if code in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
