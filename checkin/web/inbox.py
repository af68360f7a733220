"""The inbox page of every role, the unread badge of the top bar, and the admin's page of
deliveries that wait or were given up, with the scheduler's last runs."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from checkin import db, refusals
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.models import Delivery, JobRun
from checkin.services.notify import inbox, kinds, outbox, preferences
from checkin.web.forms import ChannelsForm, LogoutForm

bp = Blueprint("inbox", __name__)
PAGE = 50


def inject_unread() -> dict[str, Any]:
    """The top bar's badge: one indexed count per page shown to a signed-in person. The
    error page of a lost database is shown without it rather than failing again."""
    if request.blueprint == "api" or not current_user.is_authenticated:
        return {"unread_count": 0}
    try:
        return {"unread_count": inbox.unread_count(db.session(), current_user.id)}
    except SQLAlchemyError:
        return {"unread_count": 0}


@bp.get("/inbox")
@login_required
def index() -> Any:
    unread = {"1": True, "0": False}.get(request.args.get("unread", ""))
    before = request.args.get("cursor", "")
    rows, last = inbox.page_of(db.session(), current_user.id, unread=unread,
                               before_id=int(before) if before.isdigit() else None, limit=PAGE)
    items = [(row, kinds.render(row.kind, row.params), url_for(kinds.endpoint(row.kind)))
             for row in rows]
    return render_template("inbox/index.html", items=items, next_cursor=last, unread=unread,
                           form=LogoutForm())


@bp.post("/inbox/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> Any:
    session = db.session()
    row = inbox.own(session, current_user.id, notification_id)
    if row is None:
        abort(404)
    inbox.mark_read(session, row)
    if request.form.get("open"):
        return redirect(url_for(kinds.endpoint(row.kind)))
    return redirect(url_for("inbox.index"))


@bp.post("/inbox/read-all")
@login_required
def read_all() -> Any:
    inbox.mark_all_read(db.session(), current_user.id)
    return redirect(url_for("inbox.index"))


@bp.route("/inbox/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    """The person's own channels. Only channels this deployment has are offered."""
    user = current_user._get_current_object()
    mine = preferences.of(user)
    form = ChannelsForm()
    if request.method == "GET":
        form.email.data = mine.email
        form.email_on.data = "email" not in mine.muted
        form.webhook_on.data = "webhook" not in mine.muted
    config = current_app.config
    offered = {"email": bool(config.get("SMTP_HOST")),
               "webhook": bool(config.get("WEBHOOK_URL"))}
    if form.validate_on_submit():
        # A channel the page did not offer keeps its setting.
        muted = {c for c, on in (("email", form.email_on.data),
                                 ("webhook", form.webhook_on.data)) if offered[c] and not on}
        muted |= {c for c in mine.muted if not offered[c]}
        try:
            with db.savepoint():
                changed = preferences.save(db.session(), user, form.email.data or "", muted)
        except Refusal as exc:
            form.email.errors = [*form.email.errors, refusals.message(exc)]
        else:
            flash(_("Saved.") if changed else _("Nothing changed."), "info")
            return redirect(url_for("inbox.settings"))
    return render_template("inbox/settings.html", form=form, offered=offered)


@bp.get("/admin/deliveries")
@roles_required("admin")
def deliveries() -> Any:
    session = db.session()
    runs = list(session.scalars(select(JobRun).order_by(JobRun.started_at.desc(),
                                                        JobRun.id.desc()).limit(50)))
    return render_template("inbox/deliveries.html", rows=outbox.troubled(session), runs=runs,
                           form=LogoutForm())


@bp.post("/admin/deliveries/<int:delivery_id>/retry")
@roles_required("admin")
def retry(delivery_id: int) -> Any:
    session = db.session()
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status == "sent":
        abort(404)
    outbox.retry_now(session, delivery)
    return redirect(url_for("inbox.deliveries"))
