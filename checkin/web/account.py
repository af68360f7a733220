"""A person's own sign-in security: the second factor (enrol with a QR code, confirm with a
first code, recovery codes shown once, turn off) and their sessions and API tokens (listed,
all ended with one button)."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from checkin import db, refusals
from checkin.auth import session_lifetime
from checkin.domain import devices
from checkin.domain import second_factor as rules
from checkin.domain.refusal import Refusal
from checkin.models import User
from checkin.platform import audit
from checkin.services.people import accounts, second_factor, signin_sessions
from checkin.web.forms import CodeForm, ConfirmForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.app_template_filter("device")
def device(agent: str | None) -> tuple[str, str] | None:
    return devices.describe(agent)


def _me() -> User:
    return current_user._get_current_object()


def _required(user: User) -> bool:
    return rules.required_for(user.role, current_app.config["SECOND_FACTOR_ROLES"])


def _qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False,
                                    svgns=True, title=_("QR code for the authenticator app"))
    return out.getvalue().decode()


def _page(*, code_form: CodeForm | None = None, secret: str | None = None,
          recovery: list[str] | None = None, status: int = 200) -> Response:
    session = db.session()
    user = _me()
    answer = Response(render_template(
        "auth/security.html", user=user, enabled=second_factor.enabled(user),
        required=_required(user), code_form=code_form or CodeForm(), actions=ConfirmForm(),
        secret=secret, qr=_qr_svg(rules.provisioning_uri(secret, user.username))
        if secret else None, recovery=recovery,
        left=second_factor.recovery_codes_left(session, user),
        sessions=signin_sessions.listed(session, user, session_lifetime(user.role)),
        tokens=signin_sessions.tokens(session, user), current_sid=cookie.get("sid")), status)
    answer.headers["Cache-Control"] = "no-store"  # a secret or codes may be on it
    return answer


@bp.get("/security")
@login_required
def security() -> Any:
    return _page()


@bp.post("/security/second-factor/begin")
@login_required
def factor_begin() -> Any:
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    try:
        secret = second_factor.begin(db.session(), _me())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("account.security"), code=303)
    return _page(secret=secret)


@bp.post("/security/second-factor/confirm")
@login_required
def factor_confirm() -> Any:
    form = CodeForm()
    user = _me()
    if not form.validate_on_submit():
        return _page(code_form=form, secret=user.totp_secret, status=422)
    try:
        codes = second_factor.confirm(db.session(), user, form.code.data or "")
    except Refusal as exc:
        form.code.errors = [*form.code.errors, refusals.message(exc)]
        return _page(code_form=form, secret=user.totp_secret, status=422)
    flash(_("The second factor is on: from now on sign in with a code too."), "info")
    return _page(recovery=codes)


@bp.post("/security/second-factor/off")
@login_required
def factor_off() -> Any:
    form = CodeForm()
    user = _me()
    if not form.validate_on_submit():
        return _page(code_form=form, status=422)
    try:
        second_factor.turn_off(db.session(), user, form.code.data or "",
                               required=_required(user))
    except Refusal as exc:
        form.code.errors = [*form.code.errors, refusals.message(exc)]
        return _page(code_form=form, status=422)
    flash(_("The second factor is off."), "info")
    return redirect(url_for("account.security"), code=303)


@bp.post("/security/end-sessions")
@login_required
def end_sessions() -> Any:
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    session = db.session()
    user = _me()
    accounts.end_all_sessions(session, user)
    audit.record(session, actor_id=user.id, action="logout.everywhere", entity="user",
                 entity_id=user.id)
    logout_user()
    flash(_("Every session and token of yours has ended. Please sign in again."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/security/sessions/<sid>/end")
@login_required
def session_end(sid: str) -> Any:
    """End one of the person's sessions (a lost phone's); ending this one signs out."""
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    user = _me()
    if not signin_sessions.end(db.session(), user, user, sid[:32], request.remote_addr):
        flash(_("That session had ended already."), "info")
    elif sid == cookie.get("sid"):
        logout_user()
        flash(_("This browser is signed out."), "info")
        return redirect(url_for("auth.login"), code=303)
    else:
        flash(_("The session is ended: it is signed out at its next request."), "info")
    return redirect(url_for("account.security"), code=303)


@bp.post("/security/tokens/<int:token_id>/end")
@login_required
def token_end(token_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    user = _me()
    if signin_sessions.end_token(db.session(), user, user, token_id, request.remote_addr):
        flash(_("The app token is ended: the app must sign in again."), "info")
    else:
        flash(_("That token had ended already."), "info")
    return redirect(url_for("account.security"), code=303)
