"""Spot-check pages for supervisors, often on a phone in the field: draw the week, work the
queue (whom to call, where to go, why), record results; batches with their verification;
serious findings. Cadres get 404 from all of them: spot checks are unannounced."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import reporting
from checkin.domain.refusal import Refusal
from checkin.domain.risk import RiskReason
from checkin.models import Area, SpotcheckBatch, SpotcheckItem, SpotcheckResult
from checkin.platform import clock
from checkin.reasons import risk_text
from checkin.scope import Scope
from checkin.services.spotchecks import appeals, results, weekly_draw
from checkin.settings import policy

bp = Blueprint("spotchecks", __name__, url_prefix="/spotchecks")

DRAW_LEVELS = ("county", "township")


class DrawForm(FlaskForm):
    area = SelectField(_l("Area"), coerce=int)
    week = SelectField(_l("Week"))


class ResultForm(FlaskForm):
    method = RadioField(_l("How"), choices=[SelectChoice("phone", _l("By phone")),
                                            SelectChoice("field", _l("In the field"))],
                        validators=[DataRequired()])
    outcome = RadioField(_l("Outcome"), choices=[
        SelectChoice("confirmed", _l("Confirmed")),
        SelectChoice("not_confirmed", _l("Not confirmed")),
        SelectChoice("unreachable", _l("Could not reach anyone"))],
        validators=[DataRequired()])
    satisfaction = RadioField(_l("Satisfaction with the work team"), choices=[
        SelectChoice("satisfied", _l("Satisfied")),
        SelectChoice("basic", _l("Basically satisfied")),
        SelectChoice("unsatisfied", _l("Not satisfied"))], validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=results.MAX_NOTE)])
    lat = HiddenField()
    lon = HiddenField()
    accuracy_m = HiddenField()


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Why the finding should be excused"),
                           validators=[DataRequired(), Length(max=appeals.MAX_TEXT)])
    evidence = TextAreaField(_l("Evidence (a leave note, a hospital record...)"),
                             validators=[Length(max=appeals.MAX_TEXT)])


class AppealDecisionForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=appeals.MAX_TEXT)])


# Areas -------------------------------------------------------------------------------------
def area_choices(session: Session, scope: Scope) -> list[Area]:
    """Areas a supervisor draws and reads bulletins for: its own, and counties and
    townships below it."""
    areas = list(session.scalars(scope.areas().where(Area.level.in_(DRAW_LEVELS))
                                 .order_by(Area.path)))
    own = current_user.area
    if own is not None and own not in areas:
        areas.insert(0, own)
    return areas


def chosen_area(session: Session, scope: Scope, raw: int | None) -> Area | None:
    """The area asked for if it is in the scope; else the supervisor's own, or the first."""
    if raw is not None:
        area = session.scalars(scope.areas().where(Area.id == raw)).first()
        if area is None:
            abort(404)
        return area
    if current_user.area is not None:
        return current_user.area
    choices = area_choices(session, scope)
    return choices[0] if choices else None


def week_choices(today: date) -> list[SelectChoice]:
    this_week = reporting.week_of(today)
    last_week = reporting.week_of(date.fromordinal(today.toordinal() - 7))
    return [SelectChoice(this_week, _("This week (%(w)s)", w=this_week)),
            SelectChoice(last_week, _("Last week (%(w)s)", w=last_week))]


def draw_form(session: Session, scope: Scope) -> DrawForm:
    form = DrawForm()
    form.area.choices = [SelectChoice(str(a.id), a.name) for a in area_choices(session, scope)]
    form.week.choices = week_choices(clock.today())
    return form


def reason_words(reasons: list[dict[str, Any]], skip_base: bool = False
                 ) -> list[tuple[str, float]]:
    """The reasons as sentences with their weights; the base chance everyone has is
    left out of short lists, where it says nothing about this record."""
    return [(risk_text(RiskReason(r["code"], r["weight"], r.get("params", {}))),
             r["weight"]) for r in reasons if not (skip_base and r["code"] == "base")]


def _context() -> dict[str, Any]:
    return {"reason_words": reason_words}


# The queue ---------------------------------------------------------------------------------
@bp.get("")
@roles_required("supervisor", "admin")
def queue() -> Any:
    session = db.session()
    scope = current_scope()
    status = request.args.get("status", "open")
    if status not in ("open", "done"):
        status = "open"
    items = results.queue(session, scope, results.QueueFilters(status=status), 300)
    verdicts = {j.item.id: j.verdict for j in results.judge(session, items)}
    open_count = session.scalar(select(func.count()).select_from(
        results.visible_items(scope).outerjoin(
            SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckResult.id.is_(None)).subquery())) or 0
    form = draw_form(session, scope)
    return render_template("spotchecks/queue.html", items=items, status=status,
                           verdicts=verdicts, open_count=open_count, form=form,
                           today=clock.today(), **_context())


@bp.post("/draw")
@roles_required("supervisor", "admin")
def draw() -> Any:
    session = db.session()
    scope = current_scope()
    form = draw_form(session, scope)
    if not form.validate_on_submit():
        flash(_("Choose an area and a week."), "error")
        return redirect(url_for("spotchecks.queue"))
    area = chosen_area(session, scope, form.area.data)
    assert area is not None
    settings = weekly_draw.settings_from(current_app.config, policy())
    batch: SpotcheckBatch | None
    try:
        with db.savepoint():
            batch, created = weekly_draw.draw(session, area, form.week.data, settings,
                                              current_user.id)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("spotchecks.queue"))
    except IntegrityError:  # another draw of this area and week won: show its batch
        batch = weekly_draw.find_batch(session, area.id, form.week.data)
        if batch is None:
            raise
        created = False
    if created:
        flash(_("Drawn: %(n)s checks for %(area)s, %(week)s.", n=len(batch.items),
                area=area.name, week=batch.week), "info")
    else:
        flash(_("%(area)s was already drawn for %(week)s: here is that batch.",
                area=area.name, week=batch.week), "info")
    return redirect(url_for("spotchecks.batch_page", batch_id=batch.id))


# One item ----------------------------------------------------------------------------------
def _item(item_id: int) -> SpotcheckItem:
    item = results.item_in_scope(db.session(), current_scope(), item_id)
    if item is None:
        abort(404)
    return item


def item_map(item: SpotcheckItem) -> dict[str, Any]:
    village = item.village
    marks = []
    household = item.household
    if household is not None and household.lat is not None and household.lon is not None:
        marks.append({"lat": household.lat, "lon": household.lon, "ok": True,
                      "label": household.head_name})
    visit = item.visit
    if visit is not None and visit.lat is not None and visit.lon is not None:
        marks.append({"lat": visit.lat, "lon": visit.lon, "ok": not visit.flag_list,
                      "label": _("Where the visit was recorded")})
    if not marks:  # a presence check: where the village office is
        marks.append({"lat": village.lat, "lon": village.lon, "ok": True, "label": village.name})
    return {"fences": [{"name": village.name, "lat": village.lat, "lon": village.lon,
                        "radius_m": village.radius_m}], "marks": marks}


@bp.get("/items/<int:item_id>")
@roles_required("supervisor", "admin")
def item_page(item_id: int) -> Any:
    item = _item(item_id)
    judged = results.judge(db.session(), [item])
    found = judged[0] if judged else None
    return render_template("spotchecks/item.html", item=item, form=ResultForm(),
                           verdict=found.recorded if found else None, judged=found,
                           appeal_form=AppealForm(), decision_form=AppealDecisionForm(),
                           may_decide_appeal=may_decide_appeal,
                           map_data=item_map(item), **_context())


def may_decide_appeal(appeal: Any) -> bool:
    area = current_user.area
    return (current_user.role == "supervisor" and area is not None
            and area.level in appeals.COUNTY_OR_ABOVE and appeal.made_by_id != current_user.id)


def _result_input(form: ResultForm, kind: str) -> results.ResultInput:
    def number(raw: str | None) -> float | None:
        try:
            return float(raw) if raw else None
        except ValueError:
            return None

    field = form.method.data == "field"
    return results.ResultInput(
        method=form.method.data or "", outcome=form.outcome.data or "",
        satisfaction=(form.satisfaction.data or None)
        if kind == "visit" and form.outcome.data != "unreachable" else None,
        note=form.note.data or "",
        lat=number(form.lat.data) if field else None,
        lon=number(form.lon.data) if field else None,
        accuracy_m=number(form.accuracy_m.data) if field else None)


@bp.post("/items/<int:item_id>/result")
@roles_required("supervisor")
def record_result(item_id: int) -> Any:
    session = db.session()
    item = _item(item_id)
    form = ResultForm()
    if not form.validate_on_submit():
        flash(_("Say how you checked and what you found."), "error")
        return render_template("spotchecks/item.html", item=item, form=form, verdict=None,
                               map_data=item_map(item), **_context()), 400
    taken = _("Another supervisor recorded a result for this check first; it is shown "
              "below. Results are never changed.")
    try:
        with db.savepoint():
            results.record_result(session, current_user, item, _result_input(form, item.kind))
    except IntegrityError:  # another supervisor's result was stored first
        flash(taken, "error")
    except Refusal as exc:
        flash(taken if exc.code == "already_recorded" else refusals.message(exc), "error")
    else:
        flash(_("Result saved."), "info")
    return redirect(url_for("spotchecks.item_page", item_id=item_id))


# Appeals -----------------------------------------------------------------------------------
@bp.post("/results/<int:result_id>/appeal")
@roles_required("supervisor")
def appeal_result(result_id: int) -> Any:
    session = db.session()
    found = appeals.result_in_scope(session, current_scope(), result_id)
    if found is None:
        abort(404)
    form = AppealForm()
    if not form.validate_on_submit():
        flash(_("Say why the finding should be excused."), "error")
    else:
        try:
            with db.savepoint():
                appeals.make_appeal(session, current_user, found, appeals.AppealInput(
                    reason=form.reason.data or "", evidence=form.evidence.data or ""))
        except IntegrityError:
            flash(refusals.message(appeals.already_appealed()), "error")
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Appeal sent to the county."), "info")
    return redirect(url_for("spotchecks.item_page", item_id=found.item_id))


@bp.post("/appeals/<int:appeal_id>/decision")
@roles_required("supervisor")
def decide_appeal(appeal_id: int) -> Any:
    session = db.session()
    appeal = appeals.appeal_in_scope(session, current_scope(), appeal_id)
    if appeal is None:
        abort(404)
    item_id = appeal.result.item_id
    form = AppealDecisionForm()
    if form.validate_on_submit():
        uphold = request.form.get("decision") == "uphold"
        try:
            with db.savepoint():
                appeals.decide_appeal(session, current_user, appeal, uphold,
                                      form.comment.data or "")
        except IntegrityError:
            flash(_("Another supervisor decided this appeal first."), "error")
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Decision saved."), "info")
    return redirect(url_for("spotchecks.item_page", item_id=item_id))


# Batches -----------------------------------------------------------------------------------
@bp.get("/batches")
@roles_required("supervisor", "admin")
def batches() -> Any:
    session = db.session()
    rows = session.execute(
        results.visible_batches(current_scope())
        .add_columns(select(func.count()).where(SpotcheckItem.batch_id == SpotcheckBatch.id)
                     .correlate(SpotcheckBatch).scalar_subquery(),
                     select(func.count()).select_from(SpotcheckItem)
                     .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
                     .where(SpotcheckItem.batch_id == SpotcheckBatch.id)
                     .correlate(SpotcheckBatch).scalar_subquery())
        .order_by(SpotcheckBatch.week.desc(), SpotcheckBatch.area_path).limit(200)).all()
    names = {a.id: a.name for a in session.scalars(select(Area).where(
        Area.id.in_({b.area_id for b, _, _ in rows})))}
    return render_template("spotchecks/batches.html", rows=rows, names=names)


@bp.get("/batches/<int:batch_id>")
@roles_required("supervisor", "admin")
def batch_page(batch_id: int) -> Any:
    session = db.session()
    scope = current_scope()
    batch = session.scalars(results.visible_batches(scope).where(
        SpotcheckBatch.id == batch_id)).first()
    if batch is None:
        abort(404)
    items = results.queue(session, scope, results.QueueFilters(batch_id=batch.id),
                             100_000)
    items.sort(key=lambda i: i.position)
    verdicts = {j.item.id: j.verdict for j in results.judge(session, items)}
    verification = weekly_draw.verify(session, batch,
                                         weekly_draw.secret_from(current_app.config))
    return render_template("spotchecks/batch.html", batch=batch, items=items,
                           verdicts=verdicts, verification=verification,
                           candidates=batch.candidates, **_context())


# Serious findings --------------------------------------------------------------------------
@bp.get("/findings")
@roles_required("supervisor", "admin")
def findings_page() -> Any:
    today = clock.today()
    month = request.args.get("month") or reporting.month_of(today)
    try:
        first, last = reporting.parse_month(month)
    except ValueError:
        abort(404)
    found = results.serious_findings(db.session(), current_scope(), first, last)
    return render_template("spotchecks/findings.html", found=found, month=month,
                           months=recent_months(today), **_context())


def recent_months(today: date, count: int = 12) -> list[str]:
    months, first = [], today.replace(day=1)
    for _n in range(count):
        months.append(reporting.month_of(first))
        first = (first - date.resolution).replace(day=1)
    return months
