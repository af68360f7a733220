"""The cadre's own pages: check in, my attendance, the daily log, my leave."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from checkin import db, refusals
from checkin.api.daily_logs import parse_log
from checkin.api.daily_logs import store as store_log
from checkin.auth import roles_required
from checkin.daily_log_text import draft_text
from checkin.domain import boundary, daily_log
from checkin.domain.refusal import Refusal
from checkin.models import AttendanceCorrection, Checkin, Leave
from checkin.platform import clock
from checkin.platform.exactly_once import payload_digest
from checkin.services.attendance import corrections, daily_logs, leaves, ledger
from checkin.settings import policy
from checkin.web import period
from checkin.web.forms import LeaveForm, MakeupForm, ReturnForm, WithdrawForm

bp = Blueprint("cadre", __name__, url_prefix="/my")


@bp.get("/checkin")
@roles_required("cadre")
def checkin_page() -> Any:
    village = current_user.village
    today = clock.today()
    todays = db.session().scalars(select(Checkin).where(
        Checkin.user_id == current_user.id, Checkin.local_day == today
    ).order_by(Checkin.recorded_at.desc())).all()
    outline = None if village is None or village.boundary is None \
        else boundary.rings(boundary.load(village.boundary))
    return render_template("cadre/checkin.html", village=village, todays=todays,
                           outline=outline,
                           max_accuracy=int(policy().max_accuracy_m))


@bp.get("/attendance")
@roles_required("cadre")
def attendance_page(makeup_form: MakeupForm | None = None) -> Any:
    session = db.session()
    today = clock.today()
    chosen = period.month_arg(today)
    year, month = chosen.year, chosen.month
    [mine] = ledger.ledgers(session, [current_user], year, policy())
    grid = ledger.month(session, current_user, year, month)
    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1)
    notes = session.scalars(select(Checkin).where(
        Checkin.user_id == current_user.id, Checkin.note.is_not(None),
        Checkin.local_day >= first, Checkin.local_day < last).order_by(Checkin.local_day)).all()
    makeups = session.scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.user_id == current_user.id)
        .order_by(AttendanceCorrection.day.desc()).limit(20)).all()
    logs = {day: row for (_user, day), row in daily_logs.newest_by_day(
        session, [current_user.id], first, last - timedelta(days=1)).items()}
    return render_template("cadre/attendance.html", ledger=mine.ledger, grid=grid,
                           notes=notes, logs=logs, period=chosen,
                           today=today,
                           makeup_form=makeup_form or MakeupForm(), makeups=makeups)


@bp.post("/attendance/corrections")
@roles_required("cadre")
def makeup_page() -> Any:
    """Ask for a make-up (补卡) for a missed day; the township decides."""
    form = MakeupForm()
    if form.validate_on_submit():
        data = corrections.CorrectionInput(
            id=str(uuid.uuid4()), day=form.day.data, reason=(form.reason.data or "").strip(),
            lat=None, lon=None, digest=payload_digest({"form": str(uuid.uuid4())}))
        try:
            with db.savepoint():
                corrections.request_makeup(db.session(), current_user, data, policy())
        except Refusal as exc:
            form.day.errors = [*form.day.errors, refusals.message(exc)]
        else:
            flash(_("Make-up requested. The township will decide."), "info")
            return redirect(url_for("cadre.attendance_page"))
    return attendance_page(form), 422


@bp.route("/leaves", methods=["GET", "POST"])
@roles_required("cadre")
def leaves_page() -> Any:
    session = db.session()
    form = LeaveForm()
    if form.validate_on_submit():
        reason = (form.reason.data or "").strip()
        fields = {"kind": form.kind.data, "start": form.start.data, "end": form.end.data,
                  "reason": reason}
        data = leaves.LeaveInput(id=request_id(form.request_id.data), kind=form.kind.data or "",
                                 start=form.start.data, end=form.end.data, reason=reason,
                                 digest=payload_digest(fields))
        try:
            with db.savepoint():
                leaves.ask_once(session, current_user, data, policy())
        except Refusal as exc:
            form.start.errors = [*form.start.errors, refusals.message(exc)]
        else:
            flash(_("Leave requested. You will see the decision here."), "info")
            return redirect(url_for("cadre.leaves_page"))
    mine = session.scalars(select(Leave).where(Leave.user_id == current_user.id)
                           .order_by(Leave.start_date.desc())).all()
    return render_template("cadre/leaves.html", form=form, leaves=mine,
                           return_form=ReturnForm(returned_on=clock.today()),
                           withdraw_form=WithdrawForm(),
                           same_day_kinds=policy().same_day_leave_kinds,
                           overdue=leaves.overdue), 422 if form.errors else 200


@bp.post("/leaves/<leave_id>/withdraw")
@roles_required("cadre")
def withdraw_page(leave_id: str) -> Any:
    session = db.session()
    row = session.scalars(select(Leave).where(Leave.id == leave_id,
                                              Leave.user_id == current_user.id)).first()
    if row is None:
        abort(404)
    if WithdrawForm().validate_on_submit():
        try:
            with db.savepoint():
                leaves.withdraw(session, current_user, row)
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Request withdrawn."), "info")
    return redirect(url_for("cadre.leaves_page"))


def request_id(value: str | None) -> str:
    """The form's own id when it is one, else a new one (a form from before the id)."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return str(uuid.uuid4())


@bp.post("/leaves/<leave_id>/return")
@roles_required("cadre")
def return_page(leave_id: str) -> Any:
    session = db.session()
    row = session.scalars(select(Leave).where(Leave.id == leave_id,
                                              Leave.user_id == current_user.id)).first()
    if row is None:
        abort(404)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            with db.savepoint():
                leaves.close(session, current_user, row, form.returned_on.data, policy())
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Welcome back: the leave is closed."), "info")
    return redirect(url_for("cadre.leaves_page"))


def log_day_arg(today: date) -> date:
    """The day of the log page: ?date=YYYY-MM-DD, today when missing or not a date."""
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return today


@bp.get("/log")
@roles_required("cadre")
def daily_log_page(error: str | None = None, typed: str | None = None) -> Any:
    """The day's log (日纪实): the newest version to edit, or a draft of the day's records;
    the earlier versions below. A plain form the page sends to the API with its own id."""
    session = db.session()
    today = clock.today()
    day = log_day_arg(today)
    versions = daily_logs.versions_of(session, current_user.id, day)
    newest = daily_logs.newest_of(versions)
    items = daily_logs.draft(session, current_user, day)
    draft = draft_text(items)
    earliest = today - timedelta(days=daily_log.DAYS_BACK)
    return render_template(
        "cadre/daily_log.html", day=day, today=today, newest=newest,
        versions=list(reversed(versions)), draft=draft, items=items,
        text=typed if typed is not None else (newest.text if newest else draft),
        writable=earliest <= day <= today, earliest=earliest, new_id=str(uuid.uuid4()),
        previous=day - timedelta(days=1) if day > earliest else None,
        following=day + timedelta(days=1) if day < today else None,
        max_text=daily_log.MAX_TEXT, error=error), 422 if error else 200


@bp.post("/log")
@roles_required("cadre")
def daily_log_save() -> Any:
    """The same as POST /api/v1/daily-logs, for a phone without scripts."""
    form = request.form
    text = form.get("text", "")
    fields = {"id": form.get("id"), "date": form.get("date"), "text": text,
              "supersedes": form.get("supersedes") or None, "queued": False}
    try:  # a refusal answers 422: the commit point keeps nothing of this request
        store_log(current_user, parse_log(fields))
    except Refusal as exc:
        return daily_log_page(error=refusals.message(exc), typed=text)
    flash(_("Daily log saved."), "info")
    return redirect(url_for("cadre.daily_log_page", date=form.get("date")))
