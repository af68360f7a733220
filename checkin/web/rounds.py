"""Duties over several villages (巡村): the holder's month and check-in page, the
supervisors' list, one duty's month and the export, and the admin's assigning page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import boundary
from checkin.domain.refusal import Refusal
from checkin.exports import export
from checkin.models import RoundDuty, User, Village
from checkin.platform import clock, keyset
from checkin.services.rounds import checkins, duties, standing
from checkin.settings import policy
from checkin.web import period
from checkin.web.forms import required_day

bp = Blueprint("rounds", __name__)

PAGE = 50
KIND_WORDS = {"envoy": _l("Party-building envoy"),
              "district_secretary": _l("District secretary")}
WEEKDAY_WORDS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                 _l("Saturday"), _l("Sunday")]
STATE_WORDS = {"met": _l("Met"), "missed": _l("Missed"), "open": _l("Still open"),
               "partial": _l("Part of the period (not due)"),
               "not_in_force": _l("Not in force"),
               "behind": _l("Behind"), "on_track": _l("On track"), "none": _l("Nothing due yet")}
# The export's words, in Chinese as the office files them.
STATE_ZH = {"met": "已完成", "missed": "未完成", "open": "进行中", "partial": "不足一期",
            "not_in_force": "不在任期", "behind": "未达频次", "on_track": "达到频次",
            "none": "尚无应完成"}
KIND_ZH = {"envoy": "党建特派员", "district_secretary": "管区书记"}
WEEKDAY_ZH = "一二三四五六日"


def _words() -> dict[str, Any]:
    return {"kind_words": KIND_WORDS, "weekday_words": WEEKDAY_WORDS,
            "state_words": STATE_WORDS}


# The holder's side --------------------------------------------------------------------

@bp.get("/my/rounds")
@roles_required("cadre", "supervisor")
def mine() -> Any:
    today = clock.today()
    chosen = period.month_arg(today)
    session = db.session()
    held = duties.held_by(session, current_user.id)
    if not held:
        abort(404)
    rows = standing.standings(session, held, chosen.year, chosen.month, today, policy())
    in_force = {v.id for d in held if standing.term_of(d).holds(today) for v in d.villages}
    return render_template("rounds/mine.html", rows=rows, period=chosen, in_force=in_force,
                           todays=checkins.of_day(session, current_user.id, today), **_words())


@bp.get("/my/rounds/<int:village_id>/checkin")
@roles_required("cadre", "supervisor")
def checkin_page(village_id: int) -> Any:
    session = db.session()
    today = clock.today()
    held = {v.id: v for d in duties.held_by(session, current_user.id, today) for v in d.villages}
    village = held.get(village_id)
    if village is None:
        abort(404)
    outline = None if village.boundary is None else boundary.rings(boundary.load(village.boundary))
    todays = [c for c in checkins.of_day(session, current_user.id, today)
              if c.village_id == village_id]
    return render_template("rounds/checkin.html", village=village, outline=outline,
                           todays=todays, max_accuracy=int(policy().max_accuracy_m))


# The supervisors' side ----------------------------------------------------------------

def _visible_duties(kind: str | None) -> Any:
    stmt = duties.visible(current_scope())
    if kind in KIND_WORDS:
        stmt = stmt.where(RoundDuty.kind == kind)
    return stmt


def _seen(session: Any, duties_shown: list[RoundDuty]) -> set[int] | None:
    """The villages of these duties the reader may see (None: all, an admin)."""
    scope = current_scope()
    if scope.role == "admin":
        return None
    ids = {v.id for d in duties_shown for v in d.villages}
    if not ids:
        return set()
    return set(session.scalars(select(Village.id).where(
        Village.id.in_(ids), scope.village_clause())))


@bp.get("/rounds")
@bp.get("/rounds.<kind>")
@roles_required("supervisor", "admin")
def index(kind: str | None = None) -> Any:
    today = clock.today()
    chosen = period.month_arg(today)
    session = db.session()
    only = request.args.get("duty", "")
    stmt = _visible_duties(only)
    order = (RoundDuty.kind, RoundDuty.id)
    loading = (selectinload(RoundDuty.villages), selectinload(RoundDuty.user))
    if kind is not None:
        if kind not in ("xlsx", "csv"):
            abort(404)
        return _export(kind, session, stmt.options(*loading).order_by(*order), chosen, today)
    found = keyset.page(session, stmt.options(*loading), order, lambda d: (d.kind, d.id),
                        request.args.get("after", ""), (str, int), PAGE)
    rows = standing.standings(session, found.rows, chosen.year, chosen.month, today,
                              policy(), _seen(session, found.rows))
    return render_template("rounds/index.html", rows=rows, period=chosen, page=found,
                           only=only, **_words())


def _export(kind: str, session: Any, stmt: Any, chosen: period.Period, today: date) -> Any:
    """One row per duty and village, every duty in the jurisdiction, in slices of PAGE."""
    headers = ["职责", "姓名", "账号", "职责名称", "固定在岗日", "村代码", "村", "本月走访次数",
               "应完成期数", "已完成", "未完成", "最近一次", "本村情况", "本月总体"]

    def rows() -> Any:
        last: tuple[str, int] | None = None  # by keyset: linear in the duties, not quadratic
        while True:
            page = stmt if last is None else stmt.where(
                keyset.after((RoundDuty.kind, RoundDuty.id), last))
            batch = list(session.scalars(page.limit(PAGE)))
            if not batch:
                return
            last = (batch[-1].kind, batch[-1].id)
            for item in standing.standings(session, batch, chosen.year, chosen.month, today,
                                           policy(), _seen(session, batch)):
                duty = item.duty
                for village, row in zip(item.villages, item.month.villages, strict=True):
                    marks = [w.state for w in row.weeks] or [row.month_state]
                    yield [KIND_ZH[duty.kind], duty.user.name, duty.user.username, duty.title,
                           "" if duty.weekday is None else "星期" + WEEKDAY_ZH[duty.weekday],
                           village.code, village.name, row.visits,
                           sum(1 for m in marks if m in ("met", "missed")),
                           sum(1 for m in marks if m == "met"), row.missed, row.last_visit,
                           "未完成" if row.missed else "无缺漏", STATE_ZH[item.month.state]]

    name = f"巡村-{chosen.value}"
    return export(kind, name, f"{chosen.value} 党建特派员、管区书记巡村情况", headers, rows(),
                  fills={"未完成": "FFC7CE", "未达频次": "FFC7CE"})


@bp.get("/rounds/<int:duty_id>")
@roles_required("supervisor", "admin")
def detail(duty_id: int) -> Any:
    today = clock.today()
    chosen = period.month_arg(today)
    session = db.session()
    duty = session.scalar(_visible_duties(None).where(RoundDuty.id == duty_id).options(
        selectinload(RoundDuty.villages), selectinload(RoundDuty.user)))
    if duty is None:
        abort(404)
    [row] = standing.standings(session, [duty], chosen.year, chosen.month, today, policy(),
                               _seen(session, [duty]))
    return render_template("rounds/detail.html", row=row, period=chosen, **_words())


# The admin's side ---------------------------------------------------------------------

@bp.get("/admin/rounds")
@roles_required("admin")
def admin_page() -> Any:
    session = db.session()
    stmt = select(RoundDuty).options(selectinload(RoundDuty.villages),
                                     selectinload(RoundDuty.user))
    found = keyset.page(session, stmt, (RoundDuty.id,), lambda d: (d.id,),
                        request.args.get("after", ""), (int,), PAGE, descending=True)
    return render_template("rounds/admin.html", page=found, form=request.form,
                           today=clock.today(), **_words())


def _duty_input(form: Any) -> duties.DutyInput:
    start = required_day(form.get("start", ""), "start")
    weekday = form.get("weekday", "")
    codes = form.get("villages", "").replace("，", ",").replace("\n", ",").split(",")
    return duties.DutyInput(
        username=form.get("username", "")[:64], kind=form.get("kind", ""),
        village_codes=tuple(c.strip()[:32] for c in codes if c.strip())[:duties.MAX_VILLAGES + 1],
        start=start, weekday=int(weekday) if weekday.isdigit() else None,
        title=form.get("title", ""))


@bp.post("/admin/rounds")
@roles_required("admin")
def assign() -> Any:
    session = db.session()
    try:
        with db.savepoint():
            duty = duties.assign(session, current_user.id, _duty_input(request.form))
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return admin_page(), 422
    holder = session.get(User, duty.user_id)
    flash(_("%(name)s now has the duty over %(n)s villages.",
            name=holder.name if holder else "", n=len(duty.villages)), "info")
    return redirect(url_for("rounds.admin_page"))


@bp.post("/admin/rounds/<int:duty_id>/end")
@roles_required("admin")
def end(duty_id: int) -> Any:
    session = db.session()
    duty = session.get(RoundDuty, duty_id)
    if duty is None:
        abort(404)
    try:
        last_day = required_day(request.form.get("end_date", ""), "end_date")
        with db.savepoint():
            duties.end(session, current_user.id, duty, last_day)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("rounds.admin_page"))
    flash(_("The duty ends after %(day)s.", day=last_day.isoformat()), "info")
    return redirect(url_for("rounds.admin_page"))
