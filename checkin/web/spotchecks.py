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

from checkin import db, maps, refusals
from checkin.auth import current_scope, roles_required, safe_next
from checkin.domain import reporting, spotcheck_work
from checkin.domain.refusal import Refusal
from checkin.domain.risk import RiskReason
from checkin.exports import export
from checkin.models import Area, SpotcheckBatch, SpotcheckItem, SpotcheckResult
from checkin.personal_data import ExportNumbers
from checkin.platform import clock
from checkin.reasons import risk_text
from checkin.scope import Scope
from checkin.services.spotchecks import appeals, results, spotcheck_exports, weekly_draw, worklist
from checkin.settings import policy
from checkin.web import period, supervise

bp = Blueprint("spotchecks", __name__, url_prefix="/spotchecks")

DRAW_LEVELS = ("county", "township")


class DrawForm(FlaskForm):
    area = SelectField(_l("Area"), coerce=int)
    week = SelectField(_l("Week"))


class _AnswerForm(FlaskForm):
    """What a check found: how, the outcome, the villagers' satisfaction, a note."""

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


class ResultForm(_AnswerForm):
    early_reason = TextAreaField(_l("Why the result comes before the window"),
                                 validators=[Length(max=results.MAX_NOTE)])
    lat = HiddenField()
    lon = HiddenField()
    accuracy_m = HiddenField()


class CorrectionForm(_AnswerForm):
    reason = TextAreaField(_l("Why the result is corrected"),
                           validators=[DataRequired(), Length(max=results.MAX_NOTE)])


class AssignForm(FlaskForm):
    checker = SelectField(_l("Checker"), coerce=int)


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
    mine = request.args.get("mine") == "1"
    checker = current_user.id if mine else None
    page = results.queue_page(session, scope, results.QueueFilters(
        status=status, checker_id=checker), supervise.after())
    items = page.rows
    checkers = results.checkers_of(session, [i.id for i in items])
    verdicts = {j.item.id: j.verdict for j in results.judge(session, items)}
    open_count = session.scalar(select(func.count()).select_from(
        results.visible_items(scope).outerjoin(
            SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckResult.id.is_(None)).subquery())) or 0
    form = draw_form(session, scope)
    mine_open = session.scalar(select(func.count()).select_from(
        results.visible_items(scope).outerjoin(
            SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckResult.id.is_(None),
               SpotcheckItem.id.in_(results.assigned_to(current_user.id))).subquery())) or 0
    return render_template("spotchecks/queue.html", items=items, page=page, status=status,
                           verdicts=verdicts, open_count=open_count, form=form, mine=mine,
                           mine_open=mine_open, checkers=checkers,
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
    result = item.result
    if result is not None and result.lat is not None and result.lon is not None:
        marks.append({"lat": result.lat, "lon": result.lon,
                      "ok": "far_from_village" not in result.flags.split(","),
                      "label": _("Where the check was recorded")})
    return {"fences": [maps.fence_drawing(village)], "marks": marks}


def assign_form(session: Session, item: SpotcheckItem) -> AssignForm:
    form = AssignForm()
    form.checker.choices = [SelectChoice(str(u.id), f"{u.name} · {u.area.name if u.area else ''}")
                            for u in worklist.eligible_checkers(session, item.village)]
    return form


def item_context(item: SpotcheckItem, form: ResultForm | None = None) -> dict[str, Any]:
    session = db.session()
    judged = results.judge(session, [item])
    found = judged[0] if judged else None
    opens = results.window_opens(item)
    correction_form = CorrectionForm()
    if found is not None and not correction_form.is_submitted():
        correction_form.method.data = found.method
        correction_form.outcome.data = found.outcome
        correction_form.satisfaction.data = found.satisfaction
        correction_form.note.data = found.note
    return {"item": item, "form": form or ResultForm(),
            "verdict": found.recorded if found else None, "judged": found,
            "appeal_form": AppealForm(), "decision_form": AppealDecisionForm(),
            "correction_form": correction_form,
            "corrections": item.result.corrections if item.result else [],
            "may_decide_appeal": may_decide_appeal, "opens": opens,
            "window_open": clock.now() >= opens,
            "checker": results.checkers_of(session, [item.id]).get(item.id),
            "assign_form": assign_form(session, item),
            "map_data": item_map(item), **_context()}


@bp.get("/items/<int:item_id>")
@roles_required("supervisor", "admin")
def item_page(item_id: int) -> Any:
    return render_template("spotchecks/item.html", **item_context(_item(item_id)))


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
        accuracy_m=number(form.accuracy_m.data) if field else None,
        early_reason=form.early_reason.data or "")


@bp.post("/items/<int:item_id>/result")
@roles_required("supervisor")
def record_result(item_id: int) -> Any:
    session = db.session()
    item = _item(item_id)
    form = ResultForm()
    if not form.validate_on_submit():
        flash(_("Say how you checked and what you found."), "error")
        return render_template("spotchecks/item.html", **item_context(item, form)), 400
    taken = _("Another supervisor recorded a result for this check first; it is shown "
              "below. A mistaken result is corrected, never changed.")
    try:
        with db.savepoint():
            results.record_result(session, current_user, item, _result_input(form, item.kind),
                                  policy())
    except IntegrityError:  # another supervisor's result was stored first
        flash(taken, "error")
    except Refusal as exc:
        flash(taken if exc.code == "already_recorded" else refusals.message(exc), "error")
    else:
        flash(_("Result saved."), "info")
    return redirect(url_for("spotchecks.item_page", item_id=item_id))


@bp.post("/results/<int:result_id>/correction")
@roles_required("supervisor")
def correct_result(result_id: int) -> Any:
    """A new record correcting a mistaken result, with its reason; the first stays."""
    session = db.session()
    found = appeals.result_in_scope(session, current_scope(), result_id)
    if found is None:
        abort(404)
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash(_("Say what the result should be and why it is corrected."), "error")
        return redirect(url_for("spotchecks.item_page", item_id=found.item_id))
    kind = found.item.kind
    data = results.CorrectionInput(
        method=form.method.data or "", outcome=form.outcome.data or "",
        reason=form.reason.data or "", note=form.note.data or "",
        satisfaction=(form.satisfaction.data or None)
        if kind == "visit" and form.outcome.data != "unreachable" else None)
    try:
        with db.savepoint():
            results.correct_result(session, current_user, found, data)
    except IntegrityError:
        flash(refusals.message(results.correction_taken()), "error")
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("Correction saved; the first result stays on record."), "info")
    return redirect(url_for("spotchecks.item_page", item_id=found.item_id))


@bp.post("/items/<int:item_id>/assign")
@roles_required("supervisor")
def assign_item(item_id: int) -> Any:
    session = db.session()
    item = _item(item_id)
    form = assign_form(session, item)
    if form.validate_on_submit():
        try:
            with db.savepoint():
                worklist.assign(session, current_user, item, form.checker.data, policy())
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Assigned."), "info")
    else:
        flash(refusals.message(Refusal("checker_not_in_area")), "error")
    return redirect(safe_next(request.form.get("next"))
                    or url_for("spotchecks.item_page", item_id=item_id))


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
    mine = request.args.get("mine") == "1"
    checker = current_user.id if mine else None
    towns = worklist.townships(session, scope, batch.id, checker)
    township_id = request.args.get("township", type=int)
    if township_id not in {t.id for t in towns}:
        township_id = towns[0].id if towns else None
    items, page = worklist.township_page(session, scope, batch.id, township_id,
                                         request.args.get("page", type=int), checker)
    verdicts = {j.item.id: j.verdict for j in results.judge(session, items)}
    verification = weekly_draw.verify(session, batch,
                                         weekly_draw.secret_from(current_app.config))
    form = AssignForm()
    village = items[0].village if items else None
    form.checker.choices = [] if village is None else [
        SelectChoice(str(u.id), f"{u.name} · {u.area.name if u.area else ''}")
        for u in worklist.eligible_checkers(session, village)]
    return render_template("spotchecks/batch.html", batch=batch, items=items,
                           verdicts=verdicts, verification=verification,
                           candidates=batch.candidates, towns=towns, township_id=township_id,
                           page=page, mine=mine, shares=worklist.shares(batch),
                           checkers=results.checkers_of(session, [i.id for i in items]),
                           assign_form=form, share_text=spotcheck_work.percent_text,
                           checker_cap=policy().spotcheck_checker_week_cap, **_context())


@bp.post("/batches/<int:batch_id>/assign")
@roles_required("supervisor")
def assign_page(batch_id: int) -> Any:
    """Give the open, unassigned checks of one township page to a checker, up to the
    checker's weekly cap."""
    session = db.session()
    scope = current_scope()
    batch = session.scalars(results.visible_batches(scope).where(
        SpotcheckBatch.id == batch_id)).first()
    if batch is None:
        abort(404)
    township_id = request.form.get("township", type=int)
    items, _page = worklist.township_page(session, scope, batch.id, township_id,
                                          request.form.get("page", type=int))
    taken = results.checkers_of(session, [i.id for i in items])
    checker_id = request.form.get("checker", type=int) or 0
    done = 0
    for item in items:
        if item.result is not None or item.id in taken:
            continue
        try:
            with db.savepoint():
                if worklist.assign(session, current_user, item, checker_id, policy()):
                    done += 1
        except Refusal as exc:  # the checker's week is full, or not of this village
            flash(refusals.message(exc), "error")
            break
    if done:
        flash(_("%(n)s checks assigned.", n=done), "info")
    return redirect(url_for("spotchecks.batch_page", batch_id=batch.id, township=township_id,
                            page=request.form.get("page", type=int)))


@bp.get("/batches/<int:batch_id>/export.xlsx")
@roles_required("supervisor", "admin")
def batch_export(batch_id: int) -> Any:
    """The week's list of one batch as a typed .xlsx, every check, township by township.
    Households' phones are masked; `?numbers=full` (supervisors only: domain/personal_data)
    has them whole for the checks that are the reader's to make, and is audited."""
    session = db.session()
    scope = current_scope()
    batch = session.scalars(results.visible_batches(scope).where(
        SpotcheckBatch.id == batch_id)).first()
    if batch is None:
        abort(404)
    phones = ExportNumbers.asked("spotcheck_week")
    headers, rows = spotcheck_exports.week_list(session, scope, batch, phones.phone_of)
    answer = export("xlsx", f"周抽查-{batch.area.name}-{batch.week}",
                    _("Spot checks of %(week)s", week=batch.week), headers, rows)
    phones.audit("spotcheck_batch", batch.id)
    return answer


# Serious findings --------------------------------------------------------------------------
@bp.get("/findings")
@roles_required("supervisor", "admin")
def findings_page() -> Any:
    chosen = period.month_arg(clock.today())
    month = chosen.value
    first, last = reporting.parse_month(month)
    found = results.serious_findings(db.session(), current_scope(), first, last)
    return render_template("spotchecks/findings.html", found=found, month=month,
                           period=chosen, **_context())


@bp.get("/findings/export.xlsx")
@roles_required("supervisor", "admin")
def findings_export() -> Any:
    month = request.args.get("month") or reporting.month_of(clock.today())
    try:
        first, last = reporting.parse_month(month)
    except ValueError:
        abort(404)
    headers, rows = spotcheck_exports.findings(db.session(), current_scope(), first, last,
                                               ExportNumbers(full=False).phone_of)
    return export("xlsx", f"抽查问题-{month}", _("Serious findings of %(month)s", month=month),
                  headers, rows)
