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
from sqlalchemy import select

from checkin import db, maps, refusals
from checkin.api.imports import take_credentials
from checkin.auth import roles_required, session_lifetime
from checkin.domain import attendance, duties
from checkin.domain.refusal import Refusal
from checkin.exports import download
from checkin.models import Household, OpeningBalance, RosterImport, User, Village
from checkin.platform import audit, clock
from checkin.roster.template import template_xlsx
from checkin.services import worker
from checkin.services.attendance import opening
from checkin.services.people import (
    accounts,
    administration,
    roster_jobs,
    second_factor,
    signin_sessions,
)
from checkin.web import period
from checkin.web.forms import (
    BoundaryForm,
    ConfirmForm,
    FenceForm,
    HelperForm,
    OpeningForm,
    PersonForm,
    RosterForm,
    required_day,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/roster", methods=["GET", "POST"])
@roles_required("admin")
def roster() -> Any:
    form = RosterForm()
    if form.validate_on_submit():
        files = [(f.filename or "roster.xlsx", f.read()) for f in form.file.data if f]
        job = roster_jobs.enqueue(db.session(), current_user.id, files, dry_run=True)
        worker.ensure_worker()
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
        worker.ensure_worker()
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
    worker.ensure_worker()
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
                            "team_role": user.team_role or "",
                            "village_code": user.village.code if user.village else "",
                            "team_code": user.team.code if user.team else ""})


def _opening_form(user: User) -> OpeningForm:
    year = clock.today().year
    row = opening.row_of(db.session(), user.id, year)
    if row is None:
        return OpeningForm(data={"year": str(year)})
    return OpeningForm(data={"year": str(year), "go_live": row.go_live.isoformat(),
                             "on_post_days": str(row.on_post_days),
                             "official_days": str(row.official_days),
                             "training_days": str(row.training_days),
                             "leave_days": str(row.leave_days), "note": row.note})


def _person_page(user: User, form: PersonForm, status: int = 200,
                 password: str | None = None, opening_form: OpeningForm | None = None
                 ) -> Any:
    session = db.session()
    balances = list(session.scalars(select(OpeningBalance).where(
        OpeningBalance.user_id == user.id).order_by(OpeningBalance.year.desc())))
    answer = Response(render_template(
        "admin/user.html", person=user, form=form, actions=ConfirmForm(), password=password,
        balances=balances, opening_form=opening_form or _opening_form(user),
        sessions=signin_sessions.listed(session, user, session_lifetime(user.role)),
        tokens=signin_sessions.tokens(session, user)), status)
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
        team_code=form.team_code.data or "", team_role=form.team_role.data or None)
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


@bp.post("/users/<int:user_id>/opening")
@roles_required("admin")
def user_opening(user_id: int) -> Any:
    """Set, change or clear a cadre's opening balance of a year (开账前天数)."""
    person = _person(user_id)
    form = OpeningForm()
    clearing = request.form.get("action") == "clear"
    if not clearing and not form.validate_on_submit():
        return _person_page(person, _person_form(person), 422, opening_form=form)
    if clearing and not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    session = db.session()
    try:
        year = period.parse_year(form.year.data or "")
        if year is None:
            raise Refusal("opening_bad_year", field="year", value=(form.year.data or "")[:8])
        with db.savepoint():
            if clearing:
                changed = opening.clear_balance(session, current_user, person, year)
            else:
                balance = attendance.OpeningBalance(
                    required_day(form.go_live.data or "", "go_live"),
                    *(opening.parse_days(getattr(form, name).data or "", name)
                      for name in opening.FIELDS[1:]))
                changed = opening.set_balance(session, current_user, person, year, balance,
                                              form.note.data or "")
    except Refusal as exc:
        field = getattr(form, exc.field or "", None) or form.go_live
        field.errors = [*field.errors, refusals.message(exc)]
        return _person_page(person, _person_form(person), 422, opening_form=form)
    if not changed:
        flash(_("Nothing changed."), "info")
    elif clearing:
        flash(_("The opening balance of %(year)s is removed.", year=year), "info")
    else:
        flash(_("The opening balance of %(year)s is saved.", year=year), "info")
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


@bp.post("/users/<int:user_id>/sessions/<sid>/end")
@roles_required("admin")
def user_session_end(user_id: int, sid: str) -> Any:
    """End one session of a person (a lost or shared phone) without ending the others."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    ended = signin_sessions.end(db.session(), current_user, person, sid[:32],
                                request.remote_addr)
    flash(_("The session is ended: it is signed out at its next request.") if ended
          else _("That session had ended already."), "info")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/end")
@roles_required("admin")
def user_token_end(user_id: int, token_id: int) -> Any:
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    ended = signin_sessions.end_token(db.session(), current_user, person, token_id,
                                      request.remote_addr)
    flash(_("The app token is ended: the app must sign in again.") if ended
          else _("That token had ended already."), "info")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.post("/users/<int:user_id>/sessions/end")
@roles_required("admin")
def user_sessions_end(user_id: int) -> Any:
    """Sign a person out everywhere (browsers and apps); their password stays."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        raise Refusal("csrf_failed")
    session = db.session()
    accounts.end_all_sessions(session, person)
    audit.record(session, actor_id=current_user.id, action="logout.everywhere",
                 entity="user", entity_id=person.id, address=request.remote_addr)
    flash(_("Every session and app token of %(name)s has ended.", name=person.name), "info")
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


def _village_page(village: Village, fence: FenceForm, status: int = 200,
                  outline: BoundaryForm | None = None) -> Any:
    session = db.session()
    helpers = administration.helpers_of(session, village.id)
    words = {choice.value: choice.label for choice in fence.system.choices}
    if outline is None:
        outline = BoundaryForm(data={"boundary_system": "wgs84",
                                     "boundary": village.boundary or ""})
    map_data = {"fences": [maps.fence_drawing(village)], "marks": []}
    return render_template("admin/village.html", village=village, fence=fence,
                           outline=outline, coord_words=words, map_data=map_data,
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


def _fence_form(village: Village) -> FenceForm:
    return FenceForm(formdata=None, data={
        "lat": f"{village.lat:.7f}", "lon": f"{village.lon:.7f}",
        "radius_m": f"{village.radius_m:g}", "system": "wgs84"})


@bp.post("/villages/<int:village_id>/boundary")
@roles_required("admin")
def village_boundary(village_id: int) -> Any:
    """The village's boundary as its fence (WKT or GeoJSON, converted from the map it was
    read on); empty goes back to the circle. Refused geometry changes nothing."""
    found = _village(village_id)
    outline = BoundaryForm()
    if not outline.validate_on_submit():
        return _village_page(found, _fence_form(found), 422, outline)
    try:
        changed = administration.set_boundary(
            db.session(), found, text=outline.boundary.data or "",
            system=outline.boundary_system.data or "", actor_id=current_user.id)
    except Refusal as exc:
        field = getattr(outline, exc.field or "", None) or outline.boundary
        field.errors = [*field.errors, refusals.message(exc)]
        return _village_page(found, _fence_form(found), 422, outline)
    if not changed:
        flash(_("Nothing changed."), "info")
    elif found.boundary is None:
        flash(_("%(village)s has its circle as the fence again.", village=found.name), "info")
    else:
        flash(_("The boundary of %(village)s is saved; it is the fence now.",
                village=found.name), "info")
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
