"""Admin pages: the roster upload (a preview job, then the import on confirmation, with
progress), its template; accounts (a paged list, edit, password reset, disable and enable);
villages (a paged list, the fence, each household's helper)."""

from __future__ import annotations

import io
from typing import Any

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
from flask_babel import gettext as _
from flask_login import current_user

from checkin import db, refusals
from checkin.api.imports import take_credentials
from checkin.auth import roles_required
from checkin.domain import duties
from checkin.domain.refusal import Refusal
from checkin.exports import download
from checkin.models import Household, RosterImport, User, Village
from checkin.roster.template import template_xlsx
from checkin.services.people import administration, roster_jobs, second_factor
from checkin.web.forms import ConfirmForm, FenceForm, HelperForm, PersonForm, RosterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/roster", methods=["GET", "POST"])
@roles_required("admin")
def roster() -> Any:
    form = RosterForm()
    if form.validate_on_submit():
        files = [(f.filename or "roster.xlsx", f.read()) for f in form.file.data if f]
        job = roster_jobs.enqueue(db.session(), current_user.id, files, dry_run=True)
        roster_jobs.ensure_worker()
        return redirect(url_for("admin.roster_job", import_id=job.id), code=303)
    return render_template("admin/roster.html", form=form)


def _job(import_id: int) -> RosterImport:
    job = db.session().get(RosterImport, import_id)
    if job is None:
        raise Refusal("not_found")
    return job


@bp.get("/roster/<int:import_id>")
@roles_required("admin")
def roster_job(import_id: int) -> Any:
    job = _job(import_id)
    if job.status == "queued":
        roster_jobs.ensure_worker()
    answer = roster_jobs.describe(job)
    status = 422 if job.status == "failed" else 200
    return render_template("admin/roster_job.html", job=answer, form=ConfirmForm(),
                           mine=job.actor_id == current_user.id), status


@bp.post("/roster/<int:import_id>/confirm")
@roles_required("admin")
def roster_confirm(import_id: int) -> Any:
    preview = _job(import_id)
    if not ConfirmForm().validate_on_submit() or not preview.dry_run \
            or preview.status != "done":
        raise Refusal("not_found")
    job = roster_jobs.confirm(db.session(), preview, current_user.id)
    roster_jobs.ensure_worker()
    return redirect(url_for("admin.roster_job", import_id=job.id), code=303)


@bp.get("/roster/<int:import_id>/credentials.xlsx")
@roles_required("admin")
def roster_credentials(import_id: int) -> Response:
    return take_credentials(import_id)


@bp.get("/roster/template.xlsx")
@roles_required("admin")
def roster_template() -> Response:
    return download(io.BytesIO(template_xlsx()), "roster-template.xlsx", "xlsx")


def _text_arg(name: str, most: int = 100) -> str:
    return request.args.get(name, "")[:most]


@bp.get("/users")
@roles_required("admin")
def users() -> Any:
    role = _text_arg("role")
    found = administration.people(
        db.session(), query=_text_arg("q"), role=role if role in ("cadre", "supervisor",
                                                                   "admin") else "",
        after=_text_arg("after", 64))
    return render_template("admin/users.html", page=found, query=_text_arg("q"), role=role)


def _person(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        raise Refusal("not_found")
    return user


def _may_take_over(person: User) -> None:
    """With duties separated, no page changes another admin's sign-in (domain/duties)."""
    if not duties.may_take_over(person.role,
                                separated=current_app.config["SEPARATION_OF_DUTIES"]):
        raise Refusal("admin_account_by_command")


def _person_form(user: User) -> PersonForm:
    return PersonForm(data={"name": user.name, "phone": user.phone or "",
                            "email": user.email or "", "is_leader": user.is_leader,
                            "village_code": user.village.code if user.village else "",
                            "team_code": user.team.code if user.team else ""})


def _person_page(user: User, form: PersonForm, status: int = 200,
                 password: str | None = None) -> Any:
    answer = Response(render_template("admin/user.html", person=user, form=form,
                                      actions=ConfirmForm(), password=password), status)
    if password is not None:  # shown once: never kept by a browser or a proxy
        answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.get("/users/<int:user_id>")
@roles_required("admin")
def user(user_id: int) -> Any:
    person = _person(user_id)
    return _person_page(person, _person_form(person))


@bp.post("/users/<int:user_id>")
@roles_required("admin")
def user_edit(user_id: int) -> Any:
    person = _person(user_id)
    _may_take_over(person)
    form = PersonForm()
    if not form.validate_on_submit():
        return _person_page(person, form, 422)
    changes = administration.PersonChanges(
        name=form.name.data or "", phone=form.phone.data or "", email=form.email.data or "",
        is_leader=bool(form.is_leader.data), village_code=form.village_code.data or "",
        team_code=form.team_code.data or "")
    try:
        changed = administration.edit_person(db.session(), person, changes,
                                             actor_id=current_user.id)
    except Refusal as exc:
        field = getattr(form, exc.field or "", None) or form.name
        field.errors = [*field.errors, refusals.message(exc)]
        return _person_page(person, form, 422)
    flash(_("Saved the changes to %(name)s.", name=person.name) if changed
          else _("Nothing changed."), "info")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def user_password(user_id: int) -> Any:
    person = _person(user_id)
    _may_take_over(person)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    password = administration.reset_password(db.session(), person, actor_id=current_user.id)
    return _person_page(person, _person_form(person), password=password)


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
def user_active(user_id: int) -> Any:
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    active = request.form.get("active") == "1"
    try:
        administration.change_active(db.session(), person, active, actor_id=current_user.id)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("%(name)s can sign in again.", name=person.name) if active
              else _("%(name)s can no longer sign in; every session ended.", name=person.name),
              "info")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.post("/users/<int:user_id>/second-factor")
@roles_required("admin")
def user_second_factor(user_id: int) -> Any:
    """A lost phone: the second factor goes, with every session; the person sets it up
    again (at once, where their role requires one)."""
    person = _person(user_id)
    _may_take_over(person)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    second_factor.remove(db.session(), person, actor_id=current_user.id)
    flash(_("The second factor of %(name)s is removed.", name=person.name), "info")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.get("/villages")
@roles_required("admin")
def villages() -> Any:
    found = administration.villages(db.session(), query=_text_arg("q"),
                                    after=_text_arg("after", 32))
    return render_template("admin/villages.html", page=found, query=_text_arg("q"))


def _village(village_id: int) -> Village:
    village = db.session().get(Village, village_id)
    if village is None:
        raise Refusal("not_found")
    return village


def _village_page(village: Village, fence: FenceForm, status: int = 200) -> Any:
    session = db.session()
    helpers = administration.helpers_of(session, village.id)
    words = {choice.value: choice.label for choice in fence.system.choices}
    return render_template("admin/village.html", village=village, fence=fence,
                           coord_words=words,
                           households=(households := administration.households_of(
                               session, village.id)),
                           helpers=helpers, helper_form=HelperForm(),
                           outside=administration.outside_helpers_of(session, village.id),
                           history=administration.helper_history(
                               session, [h.id for h in households])), status


@bp.get("/villages/<int:village_id>")
@roles_required("admin")
def village(village_id: int) -> Any:
    found = _village(village_id)
    fence = FenceForm(data={"lat": f"{found.lat:.7f}", "lon": f"{found.lon:.7f}",
                            "radius_m": f"{found.radius_m:g}", "system": "wgs84"})
    return _village_page(found, fence)


@bp.post("/villages/<int:village_id>/fence")
@roles_required("admin")
def village_fence(village_id: int) -> Any:
    found = _village(village_id)
    fence = FenceForm()
    if not fence.validate_on_submit():
        return _village_page(found, fence, 422)
    try:
        changed = administration.set_fence(
            db.session(), found, lat=fence.lat.data or "", lon=fence.lon.data or "",
            radius_m=fence.radius_m.data or "", system=fence.system.data or "",
            actor_id=current_user.id)
    except Refusal as exc:
        field = getattr(fence, exc.field or "", None) or fence.lat
        field.errors = [*field.errors, refusals.message(exc)]
        return _village_page(found, fence, 422)
    flash(_("The fence of %(village)s is saved.", village=found.name) if changed
          else _("Nothing changed."), "info")
    return redirect(url_for("admin.village", village_id=found.id), code=303)


@bp.post("/households/<int:household_id>/helper")
@roles_required("admin")
def household_helper(household_id: int) -> Any:
    household = db.session().get(Household, household_id)
    if household is None:
        raise Refusal("not_found")
    form = HelperForm()
    if not form.validate_on_submit():
        raise Refusal("csrf_failed" if form.csrf_token.errors else "helper_not_in_village")
    try:
        changed = administration.set_helper(db.session(), household, form.helper_id.data or 0,
                                            actor_id=current_user.id)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        if changed:
            flash(_("%(household)s is now helped by %(helper)s.",
                    household=household.head_name, helper=household.helper.name), "info")
    return redirect(url_for("admin.village", village_id=household.village_id,
                            _anchor=f"h{household.id}"), code=303)


@bp.post("/villages/<int:village_id>/outside-helpers")
@roles_required("admin")
def outside_helper_add(village_id: int) -> Any:
    """Register a responsible helper who does not live in the village (no account)."""
    found = _village(village_id)
    if not HelperForm().validate_on_submit():
        raise Refusal("csrf_failed")
    try:
        with db.savepoint():
            made = administration.add_outside_helper(
                db.session(), found, name=request.form.get("name", ""),
                phone_text=request.form.get("phone", ""),
                unit_name=request.form.get("unit_name", ""), actor_id=current_user.id)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("%(name)s (%(unit)s) is registered as a helper of %(village)s.",
                name=made.name, unit=made.unit_name, village=found.name), "info")
    return redirect(url_for("admin.village", village_id=found.id, _anchor="outside"),
                    code=303)


@bp.post("/households/<int:household_id>/outside-helper")
@roles_required("admin")
def household_outside_helper(household_id: int) -> Any:
    household = db.session().get(Household, household_id)
    if household is None:
        raise Refusal("not_found")
    if not HelperForm().validate_on_submit():
        raise Refusal("csrf_failed")
    raw = request.form.get("outside_helper_id", "")
    try:
        with db.savepoint():
            changed = administration.set_outside_helper(
                db.session(), household, int(raw) if raw.isdigit() else None,
                actor_id=current_user.id)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        if changed:
            flash(_("The responsible helper of %(household)s is now %(helper)s.",
                    household=household.head_name,
                    helper=household.outside_helper.name if household.outside_helper
                    else household.helper.name), "info")
    return redirect(url_for("admin.village", village_id=household.village_id,
                            _anchor=f"h{household.id}"), code=303)
