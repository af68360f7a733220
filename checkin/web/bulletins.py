"""The monthly bulletin (月通报) for supervisors: the page, a printable version and exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from checkin import db
from checkin.auth import current_scope, roles_required
from checkin.domain import reporting
from checkin.domain.refusal import Refusal
from checkin.exports import KINDS, export
from checkin.models import SpotcheckItem
from checkin.platform import clock
from checkin.services.reporting import bulletin
from checkin.services.spotchecks import results
from checkin.settings import policy
from checkin.web.spotchecks import area_choices, chosen_area, recent_months

bp = Blueprint("bulletins", __name__)

AWARD = {"red_flag": _l("Red flag"), "yellow_card": _l("Yellow card")}
AWARD_FILL = {"流动红旗": "FECACA", "黄牌警示": "FDE68A"}


def _bulletin() -> tuple[bulletin.Bulletin | None, dict[str, Any]]:
    session = db.session()
    scope = current_scope()
    today = clock.today()
    month = request.args.get("month") or reporting.month_of(today)
    area = chosen_area(session, scope, request.args.get("area", type=int))
    choices = {"areas": area_choices(session, scope), "months": recent_months(today),
               "month": month, "area": area,
               "warn_below": round(policy().satisfaction_warning_below * 100)}
    if area is None:
        return None, choices
    try:
        found = bulletin.monthly_bulletin(session, scope, area, month, today, policy())
    except Refusal:
        abort(404)
    return found, choices


@bp.get("/bulletin")
@roles_required("supervisor", "admin")
def bulletin_page() -> Any:
    found, choices = _bulletin()
    return render_template("bulletins/bulletin.html", b=found, pct=bulletin.pct,
                           openable=_openable(found), **choices)


def _openable(found: bulletin.Bulletin | None) -> set[int]:
    """Findings whose check the viewer may open: those of batches drawn in its own area
    (the county's checks count in a township's bulletin, but stay the county's)."""
    ids = [j.item.id for j in found.findings] if found else []
    if not ids:
        return set()
    return set(db.session().scalars(results.visible_items(current_scope()).where(
        SpotcheckItem.id.in_(ids)).with_only_columns(SpotcheckItem.id)))


@bp.get("/bulletin/print")
@roles_required("supervisor", "admin")
def bulletin_print() -> Any:
    found, choices = _bulletin()
    if found is None:
        abort(404)
    return render_template("bulletins/print.html", b=found, pct=bulletin.pct,
                           today=clock.today(), **choices)


@bp.get("/bulletin.<kind>")
@roles_required("supervisor", "admin")
def bulletin_export(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    found, _choices = _bulletin()
    if found is None:
        abort(404)
    year, month = found.first.year, found.first.month
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        awards = {key: str(word) for key, word in AWARD.items()}
    title = f"{found.area.name} {year}年{month}月 驻村工作队月通报"
    headers = ["排名", "工作队", "村", "派出单位", "得分", "考勤进度", "走访联系覆盖",
               "抽查通过率", "群众满意度", "奖惩", "满意度预警", "抽查次数", "未通过",
               "满意度样本"]
    table = [[line.row.rank, line.team.code, line.team.village.name, line.unit_name,
              line.row.score, *(_part(line.row.parts, p) for p in
                                ("attendance", "coverage", "spotcheck", "satisfaction")),
              awards.get(line.row.award or "", ""), "是" if line.row.satisfaction_warning else "",
              line.counts.checks, line.counts.failures, line.counts.answers]
             for line in found.lines]
    return export(kind, f"月通报-{found.area.name}-{found.month}", title, headers, table,
                  AWARD_FILL)


def _part(parts: dict[str, float], name: str) -> float | str:
    return parts.get(name, "—")


def award_word(award: str | None) -> str:
    if award == "red_flag":
        return _("Red flag")
    if award == "yellow_card":
        return _("Yellow card")
    return ""


@bp.app_template_filter("award_word")
def award_word_filter(award: str | None) -> str:
    return award_word(award)
