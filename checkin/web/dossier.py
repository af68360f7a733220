"""The cadre's file (一人一档) as pages: the screen, the A4 print and the .xlsx export.

Supervisors read the cadres of their jurisdiction; a cadre reads its own file, which
never shows spot checks. Everyone else gets 404, as for every record out of scope.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_required

from checkin import db, reasons
from checkin.auth import current_scope
from checkin.domain import standing
from checkin.exports import export
from checkin.models import Checkin, User
from checkin.platform import clock
from checkin.services.attendance import daily_logs, ledger
from checkin.services.people import dossier, rotations
from checkin.services.reporting import pledges
from checkin.settings import policy
from checkin.web import period
from checkin.web.supervise import CATEGORY_FILL, category_words

bp = Blueprint("dossier", __name__)

PRINT_ROWS = 300  # a printed file lists at most this many check-ins and visits


def year_arg() -> int:
    return period.year_arg(clock.today()).year


def page_arg(name: str) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 10_000 else 1


def cadre_or_404(user_id: int) -> User:
    cadre = dossier.cadre_in_scope(db.session(), current_scope(), user_id)
    if cadre is None:
        abort(404)
    return cadre


def checkin_reasons(row: Checkin) -> list[str]:
    """Why a check-in was flagged, as sentences with its numbers."""
    return reasons.record_reasons(row.reasons, row.flag_list)


def day_why(why: dossier.DayWhy | None) -> str:
    """Why a day has its category, as a sentence."""
    if why is None:
        return ""
    p = why.params
    if why.code == "first_checkin":
        return _("First counting check-in at %(time)s, %(m)s m from the village centre",
                 time=p["time"], m=p["distance_m"])
    if why.code == "makeup":
        return _("Make-up approved: %(reason)s", reason=p["reason"])
    if why.code == "leave":
        return _("%(kind)s from %(start)s to %(end)s", kind=leave_word(p["kind"]),
                 start=p["start"], end=p["end"])
    if why.code == "not_counted":
        flags = "、".join(reasons.flag_word(f) for f in p["flags"])
        return _("%(n)s check-in(s) that did not count: %(flags)s", n=p["count"],
                 flags=flags or _("outside the offline window"))
    return ""


def leave_word(kind: str) -> str:
    return {"personal": _("Personal leave"), "sick": _("Sick leave"),
            "official": _("Official business"), "training": _("Training")}.get(kind, kind)


def absent_why(category: str) -> str:
    return _("No check-in") if category == "absent" else ""


def month_arg(year: int) -> int:
    raw = request.args.get("month", "")
    if raw.isdigit() and 1 <= int(raw) <= 12:
        return int(raw)
    today = clock.today()
    return today.month if today.year == year else 12


def _context(cadre: User, year: int, rows: int, printing: bool) -> dict[str, Any]:
    session = db.session()
    scope = current_scope()
    file = dossier.dossier(session, scope, cadre, year, policy())
    months = dossier.calendar_of(session, cadre, year)
    cp, vp = (1, 1) if printing else (page_arg("cp"), page_arg("vp"))
    checkins, more_checkins = dossier.checkins_page(session, cadre, year, cp, rows)
    visits, more_visits = dossier.visits_page(session, cadre, year, vp, rows)
    chosen = month_arg(year)
    first = date(year, chosen, 1)
    last = date(year, chosen, calendar.monthrange(year, chosen)[1])
    logs = {day: row for (_user, day), row in daily_logs.newest_by_day(
        session, [cadre.id], first, last).items()}
    today = clock.today()
    start, end = ledger.term_of(cadre, cadre.team, year)
    return {"logs": logs, "log_versions": daily_logs.version_counts(session, cadre.id, first,
                                                                      last),
            "expected_by_today": standing.expected_so_far(
                min(today, date(year, 12, 31)), year, start, end, policy(),
                bool(file.ledger.pending_days))
            if year <= today.year else 0,
            "file": file, "months": months, "counts": dossier.day_counts(months),
            "checkins": checkins, "more_checkins": more_checkins, "cp": cp,
            "visits": visits, "more_visits": more_visits, "vp": vp,
            "chosen": months[chosen - 1], "chosen_month": chosen,
            "words": category_words(), "day_why": day_why, "absent_why": absent_why,
            "checkin_reasons": checkin_reasons, "is_flagged_visit": dossier.is_flagged_visit,
            "policy": policy(), "printing": printing, "today": clock.today(),
            "period": period.year_arg(today),
            "rows_per_page": rows,
            "team_pledge": pledges.current_pledge(session, cadre.team_id, year)
            if cadre.team_id else None,
            "pledge_states": pledges.year_states(session, cadre.team_id, year)
            if cadre.team_id else {},
            "term_history": rotations.history_of(session, cadre),
            "ledger_as_before": rotations.ledger_as_before(session, cadre, year, policy())}


@bp.get("/cadres/<int:user_id>")
@login_required
def cadre_file(user_id: int) -> Any:
    cadre = cadre_or_404(user_id)
    year = year_arg()
    return render_template("dossier/file.html",
                           **_context(cadre, year, dossier.PAGE_SIZE, printing=False))


@bp.get("/cadres/<int:user_id>/print")
@login_required
def cadre_file_print(user_id: int) -> Any:
    cadre = cadre_or_404(user_id)
    year = year_arg()
    return render_template("dossier/print.html",
                           **_context(cadre, year, PRINT_ROWS, printing=True))


@bp.get("/cadres/<int:user_id>/dossier.xlsx")
@login_required
def cadre_file_export(user_id: int) -> Any:
    """The year day by day, as the office keeps it: category, why, check-ins, the daily
    log and the visits of each day."""
    cadre = cadre_or_404(user_id)
    year = year_arg()
    session = db.session()
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        words = category_words()
        months = dossier.calendar_of(session, cadre, year)
        rows = dossier.day_rows(session, cadre, year, months)
        table = [[r.day, words[r.category] or ("未到" if r.category == "future" else ""),
                  day_why(r.why) or absent_why(r.category), r.checkins, r.log, r.visits]
                 for r in rows]
    title = f"{cadre.name} {year}年 驻村干部档案"
    headers = ["日期", "类别", "说明", "签到次数", "日纪实", "走访/联系"]
    return export("xlsx", f"档案-{cadre.name}-{year}", title, headers, table, CATEGORY_FILL)

