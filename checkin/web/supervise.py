"""Supervisors' attendance pages: today, the month grid, the year ledger, the leave inbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import export
from checkin.models import (
    AttendanceCorrection,
    Leave,
    SendingUnit,
    User,
    Village,
)
from checkin.platform import clock, keyset
from checkin.services.attendance import (
    areas,
    boards,
    corrections,
    daily_logs,
    leaves,
    ledger,
    opening,
)
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


def current_place() -> areas.Place:
    """The area the page is at: `?area=` (or the older `?township=`), by default the
    viewer's own; an area outside the viewer's jurisdiction answers 404."""
    raw = request.args.get("area", "") or request.args.get("township", "")
    area_id = int(raw) if raw.isdigit() else None
    own = current_user.area_id if current_user.role == "supervisor" else None
    found = areas.place(db.session(), current_scope(), own, area_id)
    if found is None:
        abort(404)
    return found


def chosen_id(model: Any, column: Any, text: str) -> int | None:
    """The id of the village, cadre or unit a type-ahead's text names (its code, or a
    name nothing else has); -1, which matches nobody, for a text that names none."""
    text = text.strip()[:100]
    if not text:
        return None
    session = db.session()
    stmt = select(model.id)
    if model is Village:
        stmt = stmt.where(current_scope().village_clause())
    if model is User:  # a cadre of the scope, by username
        stmt = stmt.where(User.id.in_(current_scope().users().where(
            User.role == "cadre").with_only_columns(User.id)))
    found = session.scalars(stmt.where(column == text)).first()
    if found is None:
        named = session.scalars(stmt.where(model.name == text).limit(2)).all()
        found = named[0] if len(named) == 1 else None
    return found if found is not None else -1


def filters(place: areas.Place) -> boards.Filters:
    village = request.args.get("village", type=int)
    unit = request.args.get("unit", type=int)
    if village is None:
        village = chosen_id(Village, Village.code, request.args.get("village_code", ""))
    if unit is None:
        unit = chosen_id(SendingUnit, SendingUnit.code, request.args.get("unit_code", ""))
    return boards.Filters(village_id=village if village is None or 0 <= village <= areas.MAX_ID
                          else -1, unit_id=unit if unit is None or 0 <= unit <= areas.MAX_ID
                          else -1, area_path=place.path,
                          query=request.args.get("q", "").strip()[:50])


def filter_choices(place: areas.Place, chosen: boards.Filters) -> dict[str, Any]:
    return {"place": place, "filters": chosen, "query": chosen.query,
            "village_code": request.args.get("village_code", "")[:100],
            "unit_code": request.args.get("unit_code", "")[:100]}


def after() -> str:
    return request.args.get("after", "")[:400]


def _children(place: areas.Place, chosen: boards.Filters, rows: list[Any],
              village_of: Any, counts_of: Any) -> list[areas.ChildTotals]:
    """The child areas' totals, where the page drills down (not in a narrowed list)."""
    if not place.drills or chosen.narrowed:
        return []
    villages = areas.child_of_villages(db.session(), place)
    return areas.child_totals(place, villages, rows, village_of, counts_of)


def area_title(place: areas.Place | None = None) -> str:
    if place is not None:
        return place.area.name if place.area is not None else _("All areas")
    return directory.area_name(db.session(), current_user.area_id) or _("All areas")


def _cadre_order(cadre: Any) -> tuple[Any, ...]:
    """The boards' order: by village, its team leader first, then by name."""
    return (cadre.village_id or 0, 0 if cadre.is_leader else 1, cadre.name, cadre.id)


@bp.get("/today")
@roles_required("supervisor", "admin")
def today() -> Any:
    day = clock.today()
    session = db.session()
    place = current_place()
    chosen = filters(place)
    cadres = boards.cadre_refs(session, current_scope(), chosen)
    # Everyone's presence from light rows (the totals, the child areas, the villages'
    # counts); the rows with their check-ins only for the page shown.
    found = boards.presence(session, [c.id for c in cadres], day, today=day)
    page = keyset.page_of_rows(cadres, _cadre_order, after())
    board = boards.today_board(session, current_scope(), day, chosen, today=day,
                               cadres=areas.people(session, page.rows))
    totals = dict.fromkeys(("on_post", "outside", "on_leave", "not_yet", "not_seen"), 0)
    villages: dict[int, list[int]] = {}
    for cadre in cadres:
        status = found.status[cadre.id][0]
        totals[status] += 1
        counts = villages.setdefault(cadre.village_id or 0, [0, 0])
        counts[0] += status == "on_post"
        counts[1] += 1
    ids = [c.id for c in page.rows]
    logs = {user_id: row for (user_id, _day), row in daily_logs.newest_by_day(
        session, ids, day, day).items()}
    children = _children(place, chosen, cadres, lambda c: c.village_id,
                         lambda c: ((found.status[c.id][0], 1),))
    return render_template("supervise/today.html", boards=board, day=day,
                           logs=logs, villages=villages, totals=totals,
                           map_data=boards.map_data(board), page=page,
                           children=children, area=area_title(place),
                           **filter_choices(place, chosen))


MONTH_SORTS = ("on_post", "absent", "leave")


@bp.get("/month")
@bp.get("/month.<kind>")
@roles_required("supervisor", "admin")
def month(kind: str | None = None) -> Any:
    today_ = clock.today()
    shown = period.month_arg(today_)
    year, month_no = shown.year, shown.month
    session = db.session()
    place = current_place()
    chosen = filters(place)
    cadres = boards.cadre_refs(session, current_scope(), chosen)
    dates, rows = boards.month_grid(session, cadres, year, month_no, today_)
    sort = request.args.get("sort", "")
    if sort in MONTH_SORTS:
        rows.sort(key=lambda r: (-r.counts[sort], r.cadre.name, r.cadre.id))
    if kind is not None:
        return _month_export(kind, year, month_no, dates, _grid_people(session, rows), place)
    page = keyset.page_of_rows(
        rows, (lambda r: (-r.counts[sort], r.cadre.name, r.cadre.id)) if sort in MONTH_SORTS
        else (lambda r: _cadre_order(r.cadre)), after())
    words = category_words()
    logged = daily_logs.days_with_log(session, [r.cadre.id for r in page.rows], dates[0],
                                      dates[-1])
    children = _children(place, chosen, rows, lambda r: r.cadre.village_id,
                         lambda r: r.counts.items())
    return render_template("supervise/month.html", dates=dates, page=page,
                           rows=_grid_people(session, page.rows),
                           year=year, logged=logged, children=children, period=shown,
                           month=month_no, words=words, sort=sort, area=area_title(place),
                           **filter_choices(place, chosen))


def _grid_people(session: Any, rows: list[boards.GridRow[ledger.CadreRef]]
                 ) -> list[boards.GridRow[User]]:
    """The rows with their cadres as Users (name, village, team, unit), for what is shown."""
    users = areas.people(session, [r.cadre for r in rows])
    return [boards.GridRow(u, r.counts, r.bits) for r, u in zip(rows, users, strict=True)]


def _ledger_people(session: Any, rows: list[ledger.CadreLedger[ledger.CadreRef]]
                   ) -> list[ledger.CadreLedger[User]]:
    users = areas.people(session, [r.user for r in rows])
    return [ledger.CadreLedger(u, r.ledger, r.term) for r, u in zip(rows, users, strict=True)]


def _month_export(kind: str, year: int, month_no: int, dates: list[date],
                  rows: list[boards.GridRow[User]], place: areas.Place) -> Any:
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        words = category_words()
    title = f"{area_title(place)} {year}年{month_no}月 驻村干部考勤表"
    headers = ["姓名", "村", "工作队", "派出单位", *[str(d.day) for d in dates],
               "在岗", "公差", "培训", "请假", "缺勤"]
    table = [[r.cadre.name, r.cadre.village.name if r.cadre.village else "",
              r.cadre.team.code if r.cadre.team else "",
              r.cadre.unit.name if r.cadre.unit else "",
              *[words[c] for c in r.cells],
              *[r.counts[k] for k in ("on_post", "official", "training", "leave", "absent")]]
             for r in rows]
    return export(kind, f"考勤表-{year}-{month_no:02d}", title, headers, table, CATEGORY_FILL)


def _year_counts(expected: dict[int, int]) -> Any:
    def counts(row: Any) -> list[tuple[str, int]]:
        due = expected[row.user.id]
        return [("counted", row.ledger.counted_days), ("expected", due),
                ("behind", int(row.ledger.counted_days < due)),
                ("on_pace", int(row.ledger.on_pace))]
    return counts


@bp.get("/year")
@bp.get("/year.<kind>")
@roles_required("supervisor", "admin")
def year(kind: str | None = None) -> Any:
    shown = period.year_arg(clock.today())
    year_no = shown.year
    session = db.session()
    place = current_place()
    chosen = filters(place)
    cadres = boards.cadre_refs(session, current_scope(), chosen)
    rows = boards.year_rows(session, cadres, year_no, policy())
    expected = boards.expected_by_today(rows, year_no, clock.today(), policy())
    sort = request.args.get("sort", "")
    orders: dict[str, Any] = {
        "forecast": lambda r: (r.ledger.forecast_days, r.user.name, r.user.id),
        "on_post": lambda r: (-r.ledger.on_post_days, r.user.name, r.user.id),
        # furthest below what is expected by today first
        "behind": lambda r: (r.ledger.counted_days - expected[r.user.id], r.user.name,
                             r.user.id)}
    order = orders.get(sort, lambda r: _cadre_order(r.user))
    if kind is not None:
        return _year_export(kind, year_no, _ledger_people(session, sorted(rows, key=order)),
                            expected, place)
    page = keyset.page_of_rows(rows, order, after())
    shown_rows = _ledger_people(session, page.rows)
    children = _children(place, chosen, rows, lambda r: r.user.village_id,
                         _year_counts(expected))
    return render_template("supervise/year.html", rows=shown_rows, page=page, year=year_no,
                           sort=sort, expected=expected, children=children, period=shown,
                           opened=sum(1 for r in rows if r.ledger.opening_days),
                           chart=charts.days_against_target(shown_rows, expected),
                           area=area_title(place), **filter_choices(place, chosen))


def _year_export(kind: str, year_no: int, rows: list[Any], expected: dict[int, int],
                 place: areas.Place) -> Any:
    title = f"{area_title(place)} {year_no}年 驻村天数台账"
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


@bp.get("/places")
@roles_required("supervisor", "admin")
def places() -> Any:
    """Villages (of the scope, under `?area=`), cadres (code: the username) or sending
    units matching `?q=`, for the filters' type-ahead: at most 20, as [{code, name}]."""
    kind = request.args.get("kind", "")
    kind = kind if kind in ("unit", "cadre") else "village"
    place = current_place()
    found = areas.places_matching(db.session(), current_scope(), kind,
                                  request.args.get("q", "").strip()[:50], place.path)
    return jsonify([{"code": code, "name": name} for code, name in found])


@bp.get("/leaves")
@roles_required("supervisor", "admin")
def leave_inbox() -> Any:
    scope = current_scope()
    session = db.session()
    today = clock.today()
    in_scope = select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id))
    pending = leave_inbox_service.pending_page(session, scope, request.args.get("after", ""))
    overdue = leave_inbox_service.overdue_page(session, scope, today,
                                               request.args.get("oa", ""))
    makeups = leave_inbox_service.makeups_page(session, scope, request.args.get("ma", ""))
    marked = session.scalars(leave_inbox_service.with_people(in_scope.where(
        Leave.end_date >= today - timedelta(days=MARKED_LEAVE_DAYS),
        or_(Leave.same_day, Leave.approved_after_start, Leave.return_backdated),
        Leave.status.in_(("approved", "closed")))).order_by(Leave.start_date.desc())
        .limit(200)).all()
    return render_template("supervise/leaves.html", pending=pending, overdue=overdue,
                           marked=marked, today=today, form=DecisionForm(),
                           may_decide=leaves.may_decide, makeups=makeups,
                           rows=leave_inbox_service.inbox_rows(session, pending.rows, policy()))


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
