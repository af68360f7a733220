"""意见反馈 pages: anyone's own feedback and the form (/feedback); the administrators'
queue, open ones first, and the answer form (/admin/feedback)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from checkin import db, refusals
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.models import Feedback
from checkin.services.people import feedback as service
from checkin.web.forms import AnswerForm, FeedbackForm

bp = Blueprint("feedback", __name__)

KIND_WORDS = {"suggestion": _l("Suggestion"), "problem": _l("Problem"),
              "complaint": _l("Complaint")}


def feedback_word(kind: str) -> str:
    word = KIND_WORDS.get(kind)
    return str(word) if word else kind


@bp.route("/feedback", methods=["GET", "POST"])
@login_required
def mine() -> Any:
    form = FeedbackForm()
    session = db.session()
    user = current_user._get_current_object()
    status = 200
    if form.validate_on_submit():
        try:
            service.submit(session, user, form.kind.data or "", form.text.data or "",
                           separated=current_app.config["SEPARATION_OF_DUTIES"])
        except Refusal as exc:
            form.text.errors = [*form.text.errors, refusals.message(exc)]
            status = 422
        else:
            flash(_("Thank you. The administrators will answer here."), "info")
            return redirect(url_for("feedback.mine"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("feedback/mine.html", form=form,
                           threads=service.mine(session, user)), status


@bp.get("/admin/feedback")
@roles_required("admin")
def queue() -> Any:
    open_only = request.args.get("all") != "1"
    raw = request.args.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    threads, next_before = service.queue(db.session(), open_only=open_only, before_id=before)
    return render_template("feedback/queue.html", threads=threads, next_before=next_before,
                           open_only=open_only, form=AnswerForm())


@bp.post("/admin/feedback/<int:feedback_id>/answer")
@roles_required("admin")
def answer(feedback_id: int) -> Any:
    item = db.session().get(Feedback, feedback_id)
    if item is None:
        raise Refusal("not_found")
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("Write the answer first."), "error")
    else:
        try:
            service.answer(db.session(), item, current_user._get_current_object(),
                           form.text.data or "", closes=bool(form.closes.data))
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Answer sent to %(name)s.", name=item.user.name), "info")
    return redirect(url_for("feedback.queue", _anchor=f"f{item.id}"), code=303)
