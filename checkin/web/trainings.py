"""Trainings and quarterly meetings: the organiser's pages (the list, a new session, the
session with its roster and the mark, the QR code on the screen at the venue), the
shortfalls page and its export, and the cadre's sessions and sign-in page."""

from __future__ import annotations

import io
import math
from datetime import date, time
from typing import Any

import segno
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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import coordinates, trainings
from checkin.domain.refusal import Refusal
from checkin.exports import export
from checkin.models import Training, User
from checkin.platform import clock
from checkin.services.attendance import areas, boards, ledger
from checkin.services.trainings import attendance, sessions, shortfalls
from checkin.settings import policy
from checkin.web.forms import required_day
from checkin.web.supervise import area_title, current_place, filter_choices, filters

bp = Blueprint("trainings", __name__)

PAGE = 100
KIND_WORDS = {"training": _l("Training"), "meeting": _l("Quarterly meeting with first "
                                                         "secretaries")}
AUDIENCE_WORDS = {"all": _l("Every cadre of the area"),
                  "first_secretaries": _l("The first secretaries of the area"),
                  "list": _l("A chosen list")}
METHOD_WORDS = {"qr": _l("Signed in (QR)"), "organiser": _l("Marked by the organiser")}
# The QR page reloads itself this often; the code changes every SLOT_SECONDS.
QR_REFRESH_S = 20


def _page_no() -> int:
    raw = request.args.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() and len(raw) < 7 else 1


def _words() -> dict[str, Any]:
    return {"kind_words": KIND_WORDS, "audience_words": AUDIENCE_WORDS,
            "method_words": METHOD_WORDS}


@bp.get("/trainings")
@roles_required("supervisor", "admin")
def index() -> Any:
    session = db.session()
    page = _page_no()
    stmt = sessions.visible(current_scope())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.options(selectinload(Training.area))
                                .order_by(Training.first_day.desc(), Training.id.desc())
                                .offset((page - 1) * PAGE).limit(PAGE)))
    tallies = attendance.counts_of(session, [row.id for row in rows])
    return render_template("trainings/index.html", rows=rows, page=page, tallies=tallies,
                           pages=max(1, math.ceil(total / PAGE)), total=total,
                           can_create=current_user.role == "supervisor", **_words())


def _time(raw: str, name: str) -> time:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise Refusal("not_a_clock_time", field=name, name=name) from None


def _number(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise Refusal("not_a_number", field=name, name=name) from None
    if not math.isfinite(value):
        raise Refusal("not_a_number", field=name, name=name)
    return value


def _chosen(raw: str) -> list[int]:
    """User ids of the usernames typed (one per line or comma-separated), in scope."""
    names = [n.strip() for n in raw.replace(",", "\n").replace("，", "\n").split("\n")
             if n.strip()][:2000]
    if not names:
        return []
    return list(db.session().scalars(current_scope().users().with_only_columns(User.id).where(
        User.username.in_(names), User.role == "cadre")))


def _session_input(form: Any) -> sessions.SessionInput:
    system = form.get("coord_system", "wgs84")
    if system not in coordinates.SYSTEMS:
        system = "wgs84"
    return sessions.SessionInput(
        kind=form.get("kind", ""), title=form.get("title", ""),
        first_day=required_day(form.get("first_day", ""), "first_day"),
        last_day=required_day(form.get("last_day", "") or form.get("first_day", ""), "last_day"),
        starts_at=_time(form.get("starts_at", ""), "starts_at"),
        ends_at=_time(form.get("ends_at", ""), "ends_at"),
        place=form.get("place", ""), lat=_number(form.get("lat", ""), "lat"),
        lon=_number(form.get("lon", ""), "lon"), coord_system=system,
        radius_m=_number(form.get("radius_m", "") or "300", "radius_m"),
        audience=form.get("audience", ""), chosen=_chosen(form.get("usernames", "")))


@bp.route("/trainings/new", methods=["GET", "POST"])
@roles_required("supervisor")
def new() -> Any:
    values: dict[str, str] = {"kind": request.args.get("kind", "training"),
                              "starts_at": "08:30", "ends_at": "17:30", "radius_m": "300",
                              "audience": "all", "coord_system": "wgs84",
                              "first_day": clock.today().isoformat()}
    status = 200
    if request.method == "POST":
        values = {key: str(value) for key, value in request.form.items()}
        try:
            row = sessions.create(db.session(), current_user, _session_input(request.form))
        except Refusal as exc:
            flash(refusals.message(exc), "error")
            status = 422
        else:
            flash(_("The session is made; %(n)s people must attend.",
                    n=attendance.counts(db.session(), row.id).invited), "ok")
            return redirect(url_for("trainings.detail", training_id=row.id))
    return render_template("trainings/new.html", values=values, systems=coordinates.SYSTEMS,
                           **_words()), status


def _load(training_id: int) -> Training:
    try:
        return sessions.get(db.session(), current_scope(), training_id)
    except Refusal:
        abort(404)


@bp.get("/trainings/<int:training_id>")
@roles_required("supervisor", "admin")
def detail(training_id: int) -> Any:
    training = _load(training_id)
    page = _page_no()
    rows, total = attendance.roster(db.session(), training, (page - 1) * PAGE, PAGE)
    days = [training.first_day.fromordinal(training.first_day.toordinal() + i)
            for i in range(training.days)]
    today = clock.today()
    return render_template(
        "trainings/detail.html", training=training, rows=rows, days=days, page=page,
        pages=max(1, math.ceil(total / PAGE)), tally=attendance.counts(db.session(), training.id),
        runs=sessions.runs(current_scope(), training),
        mark_day=min(max(today, training.first_day), training.last_day), today=today,
        **_words())


@bp.post("/trainings/<int:training_id>/mark")
@roles_required("supervisor", "admin")
def mark(training_id: int) -> Any:
    training = _load(training_id)
    if not sessions.runs(current_scope(), training):
        abort(404)
    ids = [int(v) for v in request.form.getlist("user_id") if v.isdigit()][:PAGE]
    try:
        day = required_day(request.form.get("day", ""), "day")
        marked = attendance.mark_present(db.session(), current_user, training, ids, day,
                                         request.form.get("reason", ""))
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("%(n)s marked present by the organiser.", n=marked), "ok")
    return redirect(url_for("trainings.detail", training_id=training_id,
                            page=request.form.get("page", "1")))


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG, drawn here by segno (nothing leaves the
    service)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", border=2, xmldecl=False, svgns=True,
                                     omitsize=True, title=_("Sign-in code"))
    return out.getvalue().decode()


@bp.get("/trainings/<int:training_id>/qr")
@roles_required("supervisor", "admin")
def qr(training_id: int) -> Any:
    training = _load(training_id)
    if not sessions.runs(current_scope(), training):
        abort(404)
    code = trainings.token_for(sessions.token_key(current_app.config), training.id,
                               trainings.slot_of(clock.now()))
    link = url_for("trainings.sign_in_page", training_id=training.id, t=code, _external=True)
    response = current_app.make_response(render_template(
        "trainings/qr.html", training=training, svg=qr_svg(link), refresh=QR_REFRESH_S,
        tally=attendance.counts(db.session(), training.id), today=clock.today(), **_words()))
    response.headers["Cache-Control"] = "no-store"
    return response


# Shortfalls -----------------------------------------------------------------------------

def _year() -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


@bp.get("/trainings/shortfalls")
@bp.get("/trainings/shortfalls.<kind>")
@roles_required("supervisor", "admin")
def shortfalls_page(kind: str | None = None) -> Any:
    year = _year()
    place = current_place()
    chosen = filters(place)
    # A province's 22,000 cadres as light rows; Users only for the rows shown or exported.
    cadres = boards.cadre_refs(db.session(), current_scope(), chosen)
    found = [row for row in shortfalls.of_cadres(db.session(), cadres, year, policy())
             if row.found.any]
    if kind is not None:
        if kind not in ("xlsx", "csv"):
            abort(404)
        return _shortfall_export(kind, year, _with_people(found), place)
    page = _page_no()
    meetings = {row_id: day for row_id, day in db.session().execute(
        sessions.visible(current_scope()).with_only_columns(Training.id, Training.first_day)
        .where(Training.kind == "meeting",
               Training.first_day.between(date(year, 1, 1), date(year, 12, 31))))}
    return render_template(
        "trainings/shortfalls.html", rows=_with_people(found[(page - 1) * PAGE: page * PAGE]),
        page=page,
        quarters=trainings.quarters_without_meeting(meetings, year, clock.today()),
        pages=max(1, math.ceil(len(found) / PAGE)), total=len(found), year=year,
        target=policy().training_days_per_year, area=area_title(place),
        **filter_choices(place, chosen))


def _with_people(rows: list[shortfalls.CadreShortfall[ledger.CadreRef]]
                 ) -> list[shortfalls.CadreShortfall[User]]:
    users = areas.people(db.session(), [r.user for r in rows])
    return [shortfalls.CadreShortfall(u, r.found, r.missed_titles)
            for r, u in zip(rows, users, strict=True)]


def _shortfall_export(kind: str, year: int, rows: list[shortfalls.CadreShortfall[User]],
                      place: Any) -> Any:
    title = f"{area_title(place)} {year}年 业务培训与季度例会未达标"
    headers = ["姓名", "村", "工作队", "第一书记", "培训天数", "其中组织方标记",
               "截至今天应达", "全年目标", "培训是否不足", "应参加例会", "缺席例会"]
    table = [[r.user.name, r.user.village.name if r.user.village else "",
              r.user.team.code if r.user.team else "", "是" if r.user.is_leader else "",
              r.found.training_days, r.found.marked_days, r.found.expected_days,
              r.found.target_days, "是" if r.found.short_of_training else "否",
              r.found.meetings_invited, "；".join(r.missed_titles)] for r in rows]
    return export(kind, f"培训未达标-{year}", title, headers, table)


# The cadre's side -----------------------------------------------------------------------

@bp.get("/my/trainings")
@roles_required("cadre")
def mine() -> Any:
    year = _year()
    rows = shortfalls.sessions_of(db.session(), current_user.id, year)
    [own] = shortfalls.of_cadres(db.session(), [current_user], year, policy())
    return render_template("trainings/mine.html", rows=rows, own=own, year=year,
                           today=clock.today(), **_words())


@bp.get("/trainings/<int:training_id>/sign-in")
@roles_required("cadre")
def sign_in_page(training_id: int) -> Any:
    training = db.session().get(Training, training_id)
    invited = training is not None and sessions.is_invited(db.session(), training_id,
                                                           current_user.id)
    if training is None or (not invited and not (
            current_user.village is not None
            and current_user.village.area_path.startswith(training.area_path))):
        abort(404)
    token = request.args.get("t", "")[:64]
    return render_template("trainings/sign_in.html", training=training, token=token,
                           invited=invited, max_accuracy=int(policy().max_accuracy_m),
                           **_words())
