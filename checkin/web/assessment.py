"""The annual assessment (年考核) as pages: the county's list of cadres for a year with the
rules' ceiling, flags and decision; one cadre's sheet with the county's decision form;
the printable 年度考核登记表; and the cadre's own sheet (no check findings, the grade once
the county has given it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import assessment as rules
from checkin.domain import township_opinion as opinion_rules
from checkin.domain.refusal import Refusal
from checkin.exports import KINDS, export
from checkin.models import User
from checkin.platform import clock
from checkin.services.people import assessment
from checkin.settings import policy
from checkin.web.dossier import page_arg, year_arg

bp = Blueprint("assessment", __name__)

GRADE_WORDS = {"excellent": _l("Excellent"), "competent": _l("Competent"),
               "basic": _l("Basically competent"), "incompetent": _l("Incompetent")}


def grade_word(grade: str | None) -> str:
    return str(GRADE_WORDS.get(grade or "", "—"))


def flag_sentence(code: str, params: dict[str, int]) -> str:
    """A flag of the sheet as the county reads it."""
    n = params.get("n", 0)
    if code == "absences_without_leave":
        return _("Absent from post without leave, found by checks: %(n)s time(s)", n=n)
    if code == "short_of_days":
        return _("%(days)s counted days of the %(target)s required", **params)
    if code == "forecast_short":
        return _("Forecast %(days)s counted days of the %(target)s required", **params)
    if code == "yellow_cards":
        return _("Yellow card for the team in %(n)s month(s)", n=n)
    if code == "denied_visits":
        return _("Visits the household denied: %(n)s", n=n)
    if code == "warning_talks":
        return _("Warning talks with the team: %(n)s", n=n)
    if code == "red_flags":
        return _("Red flag for the team in %(n)s month(s)", n=n)
    return code


@bp.app_template_global("assessment_words")
def assessment_words() -> dict[str, Any]:
    return {"grade": grade_word, "flag": flag_sentence, "grades": rules.GRADES}


def _cadre_or_404(user_id: int) -> User:
    cadre = assessment.cadre_in_scope(db.session(), current_scope(), user_id)
    if cadre is None:
        abort(404)
    return cadre


@bp.get("/assessments")
@roles_required("supervisor", "admin")
def county_list() -> Any:
    session = db.session()
    scope = current_scope()
    year, page = year_arg(), page_arg("page")
    cadres, total = assessment.cadres_page(session, scope, page)
    return render_template(
        "assessment/list.html", year=year, page=page, total=total,
        rows=assessment.rows(session, cadres, year, policy()),
        pages=max(1, -(-total // assessment.PAGE_SIZE)),
        counts=assessment.grade_counts(session, scope, year),
        may_decide=_may_decide_here(),
        township_writes=assessment.writer(current_user).level == "township")


def _may_decide_here() -> bool:
    area = current_user.area if current_user.role == "supervisor" else None
    return rules.may_decide(area.level if area else None, current_user.role,
                            is_the_cadre=False)


@bp.get("/assessments/<int:user_id>")
@roles_required("supervisor", "admin")
def sheet(user_id: int) -> Any:
    return _sheet_page(_cadre_or_404(user_id), year_arg())


def _sheet_page(cadre: User, year: int, status: int = 200, *, opinion_error: str = "",
                typed: assessment.OpinionInput | None = None) -> Any:
    """The cadre's sheet; after a refused opinion, with the refusal and what was typed."""
    row = assessment.row_of(db.session(), cadre, year, policy())
    today = clock.today()
    open_now = rules.opens_on_month(year, today.year, today.month, policy())
    return render_template(
        "assessment/sheet.html", row=row, year=year,
        may_decide=assessment.may_decide(current_user, cadre),
        open_now=open_now,
        opens_month=policy().assessment_opens_month,
        min_override=rules.MIN_OVERRIDE_REASON,
        may_write_opinion=assessment.may_write_opinion(current_user, cadre),
        opinion_error=opinion_error, typed=typed,
        min_opinion=opinion_rules.MIN_OPINION, max_opinion=opinion_rules.MAX_OPINION), status


@bp.post("/assessments/<int:user_id>")
@roles_required("supervisor", "admin")
def decide(user_id: int) -> Any:
    cadre = _cadre_or_404(user_id)
    year = year_arg()
    raw = request.form.get("replaces", "")
    data = assessment.DecisionInput(
        grade=request.form.get("grade", ""), reason=request.form.get("reason", ""),
        override_reason=request.form.get("override_reason", ""),
        replaces=int(raw) if raw.isdigit() else None)
    try:
        with db.savepoint():
            made = assessment.decide(db.session(), current_user, cadre, year, data, policy())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("assessment.sheet", user_id=cadre.id, year=year))
    flash(_("%(name)s: %(grade)s for %(year)s is recorded.", name=cadre.name,
            grade=grade_word(made.grade), year=year), "info")
    return redirect(url_for("assessment.sheet", user_id=cadre.id, year=year))


@bp.post("/assessments/<int:user_id>/opinion")
@roles_required("supervisor", "admin")
def write_opinion(user_id: int) -> Any:
    """A version of the township's opinion (乡镇党委意见); refused, the sheet again with the
    refusal beside the form and what was typed (nothing is stored: the answer is >= 400)."""
    cadre = _cadre_or_404(user_id)
    year = year_arg()
    raw = request.form.get("replaces", "")
    data = assessment.OpinionInput(
        text=request.form.get("text", ""),
        suggested_grade=request.form.get("suggested_grade", ""),
        replaces=int(raw) if raw.isdigit() else None)
    try:
        with db.savepoint():
            assessment.write_opinion(db.session(), current_user, cadre, year, data, policy())
    except Refusal as exc:
        return _sheet_page(cadre, year, refusals.status_of(exc.code),
                           opinion_error=refusals.message(exc), typed=data)
    flash(_("%(name)s: the township's opinion on %(year)s is recorded.", name=cadre.name,
            year=year), "info")
    return redirect(url_for("assessment.sheet", user_id=cadre.id, year=year) + "#opinion")


@bp.get("/assessments/<int:user_id>/print")
@roles_required("supervisor", "admin")
def print_form(user_id: int) -> Any:
    """The 年度考核登记表 of one cadre, A4, for signing and filing."""
    cadre = _cadre_or_404(user_id)
    year = year_arg()
    row = assessment.row_of(db.session(), cadre, year, policy())
    return render_template("assessment/print.html", row=row, year=year,
                           today=clock.today())


EXPORT_CHUNK = 500  # cadres worked out at once for the export


@bp.get("/assessments.<kind>")
@roles_required("supervisor", "admin")
def export_list(kind: str) -> Any:
    """Every cadre of the scope for the year, as the office keeps the list: a chunk of
    cadres at a time, each chunk a fixed number of queries."""
    if kind not in KINDS:
        abort(404)
    session = db.session()
    scope = current_scope()
    year = year_arg()

    def lines() -> Iterator[list[Any]]:
        page = 1
        while True:
            cadres, _total = assessment.cadres_page(session, scope, page, EXPORT_CHUNK)
            for r in assessment.rows(session, cadres, year, policy()):
                d, o = r.decision, r.opinion
                yield [r.cadre.name, r.cadre.village.name if r.cadre.village else "",
                       r.cadre.unit.name if r.cadre.unit else "",
                       "第一书记" if r.cadre.is_leader else "工作队员",
                       r.ledger.counted_days, r.ledger.target_days,
                       r.records.absences_without_leave, r.records.denied_visits,
                       r.records.yellow_cards, r.records.red_flags, r.records.warning_talks,
                       words[r.sheet.ceiling], words[d.grade] if d else "",
                       "是" if d and d.above_ceiling else "", d.reason if d else "",
                       d.override_reason if d else "", o.text if o else "",
                       words.get(o.suggested_grade or "", "") if o else ""]
            if len(cadres) < EXPORT_CHUNK:
                return
            page += 1

    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        words: dict[str, str] = {g: grade_word(g) for g in rules.GRADES}
    headers = ["姓名", "村", "派出单位", "职务", "计入天数", "应驻天数", "未请假不在岗",
               "农户否认走访", "黄牌月数", "红旗月数", "约谈", "规则上限", "县定等次",
               "高于上限", "理由", "高于上限的理由", "乡镇党委意见", "乡镇建议等次"]
    return export(kind, f"年度考核-{year}", f"{year}年度 驻村干部年度考核", headers, lines())


@bp.get("/my/assessment")
@roles_required("cadre")
def mine() -> Any:
    year = year_arg()
    own = assessment.own_sheet(db.session(), current_user, year, policy())
    return render_template("assessment/mine.html", own=own, year=year)
