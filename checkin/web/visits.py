"""Visit pages: the cadre's households and visit form; supervisors' lists, coverage, overdue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from checkin import db, maps, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import Percent, export
from checkin.models import PURPOSES, Household, User, Village, Visit
from checkin.platform import clock, keyset
from checkin.reasons import FLAG_WORDS, flag_word, purpose_word
from checkin.services.attendance import areas
from checkin.services.visits import households, recording, views
from checkin.settings import policy
from checkin.web import supervise
from checkin.web.forms import LogoutForm

bp = Blueprint("visits", __name__)

FLAGS = ("far_from_household", "outside_fence", "low_accuracy", "impossible_travel",
         "late_sync", *views.PHOTO_FLAGS)


@bp.get("/my/households")
@roles_required("cadre")
def my_households() -> Any:
    query = request.args.get("q", "")[:50]
    rows = households.household_rows(db.session(), current_scope(), clock.today(), policy(),
                                     village_id=current_user.village_id, query=query)
    rows = households.sort_for_cadre(rows, current_user.id)
    return render_template("visits/my_households.html", rows=rows, query=query,
                           today=clock.today())


@bp.get("/my/visits/new")
@roles_required("cadre")
def new_visit() -> Any:
    household = db.session().scalars(current_scope().households().where(
        Household.id == request.args.get("household", type=int))).first()
    if household is None:
        abort(404)
    corrects = request.args.get("corrects")
    old = None
    if corrects:
        old = db.session().scalars(select(Visit).where(
            Visit.id == corrects, Visit.user_id == current_user.id)).first()
        if old is None:
            abort(404)
    return render_template("visits/new.html", household=household, purposes=PURPOSES,
                           old=old, fix_max_age_s=policy().visit_fix_max_age_s,
                           max_accuracy=int(policy().max_accuracy_m),
                           most_photos=current_app.config["PHOTOS_PER_VISIT"],
                           photo_required=policy().visit_photo_required)


@bp.get("/my/visits")
@roles_required("cadre")
def my_visits() -> Any:
    rows = views.list_visits(db.session(), current_scope(),
                                   views.VisitFilters(user_id=current_user.id), 100)
    return render_template("visits/list.html", visits=rows, mine=True)


@bp.get("/visits/<visit_id>")
@roles_required("cadre", "supervisor", "admin")
def visit_page(visit_id: str) -> Any:
    visit, chain = views.visit_chain(db.session(), current_scope(), visit_id)
    if visit is None:
        abort(404)
    household = visit.household
    # The village the visit was made in, and the household's position only while it lives
    # there (a household that moved since is in another jurisdiction now, issue #19).
    here = household.village_id == visit.village_id
    map_data = {"fences": [maps.fence_drawing(visit.village)],
                "marks": [m for m in (
                    {"lat": household.lat, "lon": household.lon, "ok": True,
                     "label": household.head_name}
                    if here and household.lat is not None else None,
                    {"lat": visit.lat, "lon": visit.lon, "ok": not visit.flag_list,
                     "label": visit.recorded_at.isoformat()} if visit.lat is not None else None,
                ) if m]}
    cadre = current_user.role == "cadre"
    earlier = {} if cadre else views.earlier_photos(db.session(), current_scope(), visit.photos)
    proposer = None if cadre else recording.proposing_visit(db.session(), household)
    confirmable = not cadre and recording.may_confirm_from(db.session(), household, visit)
    return render_template("visits/visit.html", visit=visit, chain=chain, map_data=map_data,
                           form=LogoutForm(), earlier=earlier, proposer=proposer,
                           confirmable=confirmable)


def _filters() -> views.VisitFilters:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    flag = request.args.get("flag", "")
    village = request.args.get("village", type=int)
    cadre = request.args.get("cadre", type=int)
    if village is None or not 0 < village <= areas.MAX_ID:
        village = supervise.chosen_id(Village, Village.code,
                                      request.args.get("village_code", ""))
    if cadre is None or not 0 < cadre <= areas.MAX_ID:
        cadre = supervise.chosen_id(User, User.username, request.args.get("cadre_code", ""))
    return views.VisitFilters(
        village_id=village, user_id=cadre,
        household_code=request.args.get("household", "")[:32],
        flag=flag if flag in FLAGS else "", first=day("from"), last=day("to"))


@bp.get("/visits")
@bp.get("/visits.<kind>")
@roles_required("supervisor", "admin")
def visits_list(kind: str | None = None) -> Any:
    session = db.session()
    scope = current_scope()
    filters = _filters()
    if kind is not None:
        return _visits_export(kind, views.stream_visits(session, scope, filters))
    page = views.visit_page(session, scope, filters, supervise.after())
    return render_template(
        "visits/list.html", visits=page.rows, page=page, mine=False, filters=filters,
        flags=FLAGS, village_code=request.args.get("village_code", "")[:100],
        cadre_code=request.args.get("cadre_code", "")[:100])


def _visits_export(kind: str, visits: Iterable[Visit]) -> Any:
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        flags = {code: flag_word(code) for code in FLAG_WORDS}
        purposes = {code: purpose_word(code) for code in PURPOSES}
    headers = ["时间", "干部", "户编码", "户主", "村", "方式", "目的", "距离(米)", "标记",
               "照片数", "更正"]
    table = ([v.recorded_at, v.user.name, v.household.code, v.household.head_name,
              v.village.name if v.village else "",  # where it was made (moves, #19)
              "在户走访" if v.kind == "visit" else "电话/其他联系",
              "、".join(purposes.get(p, p) for p in v.purpose_list),
              None if v.distance_m is None else round(v.distance_m),
              "、".join(flags.get(f, f) for f in v.flag_list), len(v.photos),
              v.corrects_id or ""] for v in visits)
    return export(kind, "走访记录", "走访记录", headers, table)


@bp.get("/coverage")
@bp.get("/coverage.<kind>")
@roles_required("supervisor", "admin")
def coverage(kind: str | None = None) -> Any:
    place = supervise.current_place()
    rows = views.coverage_by_village(db.session(), current_scope(), policy(), place.path)
    if kind is None:
        page = keyset.page_of_rows(rows, lambda r: (r.village.name, r.village.id),
                                   supervise.after())
        return render_template("visits/coverage.html", rows=page.rows, page=page, place=place)
    headers = ["村", "贫困/监测户", "60天内走访", "走访覆盖率", "30天内联系", "联系覆盖率",
               "逾期户数"]
    table = [[r.village.name, r.coverage.poor_total, r.coverage.visited_60,
              _pct(r.coverage.share_visited), r.coverage.contacted_30,
              _pct(r.coverage.share_contacted), r.overdue] for r in rows]
    return export(kind, "走访覆盖率", f"{clock.today()} 帮扶户走访覆盖率", headers, table)


def _pct(share: float | None) -> Percent | None:
    return None if share is None else Percent(share)


@bp.get("/overdue")
@bp.get("/overdue.<kind>")
@roles_required("supervisor", "admin")
def overdue(kind: str | None = None) -> Any:
    session = db.session()
    place = supervise.current_place()
    rows = views.overdue_rows(session, current_scope(), policy(), place.path)
    if kind is None:
        page = keyset.page_of_rows(rows, lambda r: (
            (r.due.next_deadline or date.max).isoformat(), r.household.code), supervise.after())
        return render_template("visits/overdue.html",
                               rows=views.with_households(session, page.rows), page=page,
                               place=place)
    headers = ["户编码", "户主", "村", "帮扶责任人", "最近联系", "最近走访", "截止日期"]

    def table() -> Any:  # the households loaded a thousand at a time, as they are written
        for start in range(0, len(rows), 1000):
            for r in views.with_households(session, rows[start:start + 1000]):
                yield [r.household.code, r.household.head_name, r.household.village.name,
                       r.household.helper.name, r.last_contact, r.last_visit,
                       r.due.next_deadline]

    return export(kind, "逾期农户", f"{clock.today()} 逾期未走访/联系农户", headers, table())


@bp.post("/households/<int:household_id>/position")
@roles_required("supervisor")
def confirm_position(household_id: int) -> Any:
    session = db.session()
    household = session.scalars(current_scope().households().where(
        Household.id == household_id)).first()
    if household is None:
        abort(404)
    if not LogoutForm().validate_on_submit():
        abort(400)
    try:
        with db.savepoint():
            recording.confirm_position(session, current_user, household)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("The household's position is confirmed."), "info")
    return redirect(request.referrer or url_for("visits.visits_list"))
