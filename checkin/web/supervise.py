"""Supervisors' attendance pages: today, the month grid, the year ledger, the leave inbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import export
from checkin.models import AttendanceCorrection, CorrectionDecision, Leave, SendingUnit, Village
from checkin.platform import clock
from checkin.services.attendance import boards, corrections, daily_logs, leaves, opening
from checkin.services.attendance import leave_inbox as leave_inbox_service
from checkin.services.people import directory
from checkin.settings import policy
from checkin.web import charts, period
from checkin.web.forms import DecisionForm

bp = Blueprint("supervise", __name__, url_prefix="/attendance")

# The inbox lists marked leave (same-day, 事后补批, late return) ending this recently.
MARKED_LEAVE_DAYS = 90

CATEGORY: dict[str, LazyString | str] = {
    "on_post": _l("On post"), "official": _l("Official business"), "training": _l("Training"),
    "leave": _l("Leave day"), "absent": _l("Absent"), "future": "", "outside_term": "—",
    "makeup": _l("Make-up"), "pending": _l("Today, not yet")}
CATEGORY_FILL = {"在岗": "BBF7D0", "公差": "BFDBFE", "培训": "DDD6FE", "请假": "FDE68A",
                 "缺勤": "FECACA", "补卡": "A7F3D0", "尚未签到": "F3F4F6"}


LEAVE_KIND_WORDS: dict[str, LazyString] = {
    "personal": _l("Personal leave"), "sick": _l("Sick leave"),
    "official": _l("Official business"), "training": _l("Training")}
LEAVE_STATUS_WORDS: dict[str, LazyString] = {
    "pending": _l("Waiting for approval"), "approved": _l("Approved"),
    "rejected": _l("Rejected"), "closed": _l("Closed (back on post)")}


def category_words() -> dict[str, str]:
    return {key: str(word) for key, word in CATEGORY.items()}


def filters() -> boards.Filters:
    return boards.Filters(township_id=request.args.get("township", type=int),
                          village_id=request.args.get("village", type=int),
                          unit_id=request.args.get("unit", type=int))


def filter_choices() -> dict[str, Any]:
    session = db.session()
    scope = current_scope()
    return {"townships": boards.townships(session, scope),
            "villages": session.scalars(scope.villages().order_by(Village.name)).all(),
            "units": session.scalars(select(SendingUnit).order_by(SendingUnit.code)).all(),
            "filters": filters()}


def area_title() -> str:
    return directory.area_name(db.session(), current_user.area_id) or _("All areas")


@bp.get("/today")
@roles_required("supervisor", "admin")
def today() -> Any:
    day = clock.today()
    board = boards.today_board(db.session(), current_scope(), day, filters(), today=day)
    ids = [r.cadre.id for b in board for r in b.rows]
    logs = {user_id: row for (user_id, _day), row in daily_logs.newest_by_day(
        db.session(), ids, day, day).items()}
    return render_template("supervise/today.html", boards=board, day=day, logs=logs,
                           totals=boards.totals(board), map_data=boards.map_data(board),
                           area=area_title(), **filter_choices())


@bp.get("/month")
@bp.get("/month.<kind>")
@roles_required("supervisor", "admin")
def month(kind: str | None = None) -> Any:
    today_ = clock.today()
    chosen = period.month_arg(today_)
    year, month_no = chosen.year, chosen.month
    cadres = boards.cadres_in(db.session(), current_scope(), filters())
    dates, rows = boards.month_grid(db.session(), cadres, year, month_no, today_)
    sort = request.args.get("sort", "")
    if sort in ("on_post", "absent", "leave"):
        rows.sort(key=lambda r: (-r.counts[sort], r.cadre.name))
    if kind is not None:
        return _month_export(kind, year, month_no, dates, rows)
    words = category_words()
    logged = daily_logs.days_with_log(db.session(), [c.id for c in cadres], dates[0],
                                      dates[-1])
    return render_template("supervise/month.html", dates=dates, rows=rows, year=year,
                           logged=logged, period=chosen,
                           month=month_no, words=words, sort=sort, area=area_title(),
                           **filter_choices())


def _month_export(kind: str, year: int, month_no: int, dates: list[date],
                  rows: list[boards.GridRow]) -> Any:
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        words = category_words()
    title = f"{area_title()} {year}年{month_no}月 驻村干部考勤表"
    headers = ["姓名", "村", "工作队", "派出单位", *[str(d.day) for d in dates],
               "在岗", "公差", "培训", "请假", "缺勤"]
    table = [[r.cadre.name, r.cadre.village.name if r.cadre.village else "",
              r.cadre.team.code if r.cadre.team else "",
              r.cadre.unit.name if r.cadre.unit else "",
              *[words[c] for c in r.cells],
              *[r.counts[k] for k in ("on_post", "official", "training", "leave", "absent")]]
             for r in rows]
    return export(kind, f"考勤表-{year}-{month_no:02d}", title, headers, table, CATEGORY_FILL)


@bp.get("/year")
@bp.get("/year.<kind>")
@roles_required("supervisor", "admin")
def year(kind: str | None = None) -> Any:
    chosen = period.year_arg(clock.today())
    year_no = chosen.year
    cadres = boards.cadres_in(db.session(), current_scope(), filters())
    rows = boards.year_rows(db.session(), cadres, year_no, policy())
    expected = boards.expected_by_today(rows, year_no, clock.today(), policy())
    sort = request.args.get("sort", "")
    if sort == "forecast":
        rows.sort(key=lambda r: (r.ledger.forecast_days, r.user.name))
    elif sort == "on_post":
        rows.sort(key=lambda r: (-r.ledger.on_post_days, r.user.name))
    elif sort == "behind":  # furthest below what is expected by today first
        rows.sort(key=lambda r: (r.ledger.counted_days - expected[r.user.id], r.user.name))
    if kind is not None:
        return _year_export(kind, year_no, rows, expected)
    return render_template("supervise/year.html", rows=rows, year=year_no, sort=sort,
                           period=chosen,
                           opened=sum(1 for r in rows if r.ledger.opening_days),
                           expected=expected, chart=charts.days_against_target(rows, expected),
                           area=area_title(), **filter_choices())


def _year_export(kind: str, year_no: int, rows: list[Any], expected: dict[int, int]) -> Any:
    title = f"{area_title()} {year_no}年 驻村天数台账"
    # The opening balance in its own columns: what the county's register says of the days
    # before go-live, apart from what the records show (on post .. counted include it).
    balances = opening.balances_of(db.session(), [r.user.id for r in rows], year_no)
    headers = ["姓名", "村", "工作队", "派出单位", "目标天数", "截至今天应达", "在岗", "公差",
               "培训", "请假", "缺勤", "计入天数", "预计全年", "是否达标进度", "培训目标",
               "开账日期", "开账前天数"]
    table = [[r.user.name, r.user.village.name if r.user.village else "",
              r.user.team.code if r.user.team else "", r.user.unit.name if r.user.unit else "",
              r.ledger.target_days, expected[r.user.id], r.ledger.on_post_days,
              r.ledger.official_days,
              r.ledger.training_days, r.ledger.leave_days, r.ledger.absent_days,
              r.ledger.counted_days, r.ledger.forecast_days,
              "是" if r.ledger.on_pace else "否", r.ledger.training_target,
              balances[r.user.id].go_live if r.user.id in balances else None,
              r.ledger.opening_days] for r in rows]
    return export(kind, f"驻村天数台账-{year_no}", title, headers, table)


@bp.get("/leaves")
@roles_required("supervisor", "admin")
def leave_inbox() -> Any:
    scope = current_scope()
    session = db.session()
    in_scope = select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id))
    pending = session.scalars(leave_inbox_service.with_people(
        in_scope.where(Leave.status == "pending").order_by(Leave.start_date))).all()
    approved = session.scalars(in_scope.where(Leave.status == "approved")
                               .order_by(Leave.end_date)).all()
    overdue = [leave for leave in approved if leaves.overdue(leave)]
    makeups = session.scalars(select(AttendanceCorrection).where(
        scope.owned_by_user(AttendanceCorrection.user_id, AttendanceCorrection.village_id),
        AttendanceCorrection.id.not_in(select(CorrectionDecision.correction_id)))
        .order_by(AttendanceCorrection.day)).all()
    today = clock.today()
    marked = session.scalars(in_scope.where(
        Leave.end_date >= today - timedelta(days=MARKED_LEAVE_DAYS),
        or_(Leave.same_day, Leave.approved_after_start, Leave.return_backdated),
        Leave.status.in_(("approved", "closed"))).order_by(Leave.start_date.desc())
        .limit(200)).all()
    return render_template("supervise/leaves.html", pending=pending, overdue=overdue,
                           marked=marked, today=today, form=DecisionForm(),
                           may_decide=leaves.may_decide, makeups=makeups,
                           rows=leave_inbox_service.inbox_rows(session, list(pending), policy()))


def register_filters() -> leave_inbox_service.RegisterFilters:
    chosen = period.optional_month_arg(clock.today())
    return leave_inbox_service.RegisterFilters(
        status=request.args.get("status") or None, kind=request.args.get("kind") or None,
        month=(chosen.year, chosen.month) if chosen.value else None)


@bp.get("/leaves/register")
@bp.get("/leaves/register.<kind>")
@roles_required("supervisor", "admin")
def leave_register(kind: str | None = None) -> Any:
    session = db.session()
    chosen = register_filters()
    if kind is not None:
        return _register_export(kind, session.scalars(
            leave_inbox_service.register(current_scope(), chosen)))
    raw = request.args.get("page", "")
    page = int(raw) if raw.isdigit() and 1 <= int(raw) <= 10_000 else 1
    rows, more = leave_inbox_service.register_page(session, current_scope(), chosen, page)
    return render_template("supervise/leave_register.html", rows=rows, more=more, page=page,
                           chosen=chosen, days_of=leave_inbox_service.days_of,
                           period=period.optional_month_arg(clock.today()))


def _register_export(kind: str, rows: Any) -> Any:
    with force_locale("zh"):
        kinds = {k: str(LEAVE_KIND_WORDS[k]) for k in LEAVE_KIND_WORDS}
        statuses = {k: str(LEAVE_STATUS_WORDS[k]) for k in LEAVE_STATUS_WORDS}
    headers = ["姓名", "村", "类别", "开始", "结束", "天数", "状态", "申请时间", "审批人",
               "审批时间", "审批意见", "销假日期", "事由"]
    table = ([r.user.name, r.user.village.name if r.user.village else "",
              kinds.get(r.kind, r.kind), r.start_date, r.end_date,
              leave_inbox_service.days_of(r), statuses.get(r.status, r.status), r.created_at,
              r.decided_by.name if r.decided_by else "", r.decided_at,
              r.decision_comment or "", r.returned_on, r.reason] for r in rows)
    return export(kind, f"请假登记-{clock.today().isoformat()}",
                  f"{area_title()} 请销假登记", headers, table)


@bp.post("/corrections/<correction_id>/decision")
@roles_required("supervisor")
def decide_makeup(correction_id: str) -> Any:
    scope = current_scope()
    session = db.session()
    row = session.scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.id == correction_id,
        scope.owned_by_user(AttendanceCorrection.user_id, AttendanceCorrection.village_id))
    ).first()
    if row is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        try:
            with db.savepoint():
                corrections.decide(session, current_user, row, approve,
                                   form.comment.data or None)
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Decision saved."), "info")
    return redirect(url_for("supervise.leave_inbox"))


@bp.post("/leaves/<leave_id>/decision")
@roles_required("supervisor")
def decide(leave_id: str) -> Any:
    scope = current_scope()
    session = db.session()
    row = session.scalars(select(Leave).where(
        Leave.id == leave_id, scope.owned_by_user(Leave.user_id, Leave.village_id))).first()
    if row is None:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        try:
            with db.savepoint():
                leaves.decide(session, current_user, row, approve, form.comment.data or None)
        except Refusal as exc:
            flash(refusals.message(exc), "error")
        else:
            flash(_("Approved: leave of %(name)s", name=row.user.name) if approve
                  else _("Rejected: leave of %(name)s", name=row.user.name), "info")
    return redirect(url_for("supervise.leave_inbox"))
