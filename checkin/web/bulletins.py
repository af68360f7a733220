"""The monthly bulletin (月通报) for supervisors: the page, a printable version and exports,
all from the same answer (the published snapshot once the month is published), and the
county's publish button; the warning talks it raises; and for a cadre, the own team's
rows of published bulletins (services/reporting/own_rows.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import publication as rules
from checkin.domain.refusal import Refusal
from checkin.exports import KINDS, export
from checkin.models import Area, SpotcheckItem
from checkin.platform import clock, keyset
from checkin.services.reporting import bulletin, own_rows, publication, warning_talks
from checkin.services.spotchecks import results
from checkin.settings import policy
from checkin.web import period, supervise
from checkin.web.forms import form_day
from checkin.web.spotchecks import area_choices, chosen_area

bp = Blueprint("bulletins", __name__)

TEAMS_PAGE = 100

AWARD = {"red_flag": _l("Red flag"), "yellow_card": _l("Yellow card")}
AWARD_FILL = {"流动红旗": "FECACA", "黄牌警示": "FDE68A"}
PUBLISHED = {"published": _l("Published: this bulletin no longer changes with later records."),
             "corrected": _l("The correction is published; it replaces the earlier "
                             "publication."),
             "same": _l("Nothing has changed since the publication: it stands as it was.")}
CHANGE_NAMES = {"rank": _l("Rank"), "score": _l("Score"), "award": _l("Award"),
                "counted_days": _l("Counted days")}
LATE_NAMES = {"checkins": _l("check-ins"), "visits": _l("visits"),
              "spotcheck_results": _l("spot-check results"), "leaves": _l("leave decisions")}


@dataclass(frozen=True)
class Page:
    """What the bulletin pages show: the area's month as answered (published snapshot or
    figures now), and for a published month what has changed since."""

    area: Area
    month: str
    reading: publication.Reading
    late: publication.LateChanges | None

    @property
    def b(self) -> dict[str, Any]:
        content = self.reading.content
        return {**rules.readable(content), "ranked": rules.ranked(content)}


def _bulletin() -> tuple[Page | None, dict[str, Any]]:
    session = db.session()
    scope = current_scope()
    today = clock.today()
    chosen = period.month_arg(today)
    if chosen.bad and request.endpoint != "bulletins.bulletin_page":
        abort(404)  # a print or an export says what it is of: never another month
    month = chosen.value
    area = chosen_area(session, scope, request.args.get("area", type=int))
    choices = {"areas": area_choices(session, scope), "period": chosen,
               "month": month, "area": area,
               "warn_below": round(policy().satisfaction_warning_below * 100)}
    if area is None:
        return None, choices
    try:
        found = publication.reading(session, scope, area, month, today, policy())
    except Refusal:
        abort(404)
    late = None
    if found.publication is not None:
        late = publication.late_changes(session, scope, area, month, today, policy())
    return Page(area, month, found, late), choices


def _page_context(found: Page | None) -> dict[str, Any]:
    if found is None:
        return {"b": None}
    made = found.reading.publication
    talks = warning_talks.of_month(db.session(), current_scope(), found.month)
    return {"b": found.b, "reading": found.reading, "pub": made, "late": found.late,
            "talks": talks,
            "published_on": None if made is None else clock.local_day(made.published_at),
            "can_publish": not found.reading.provisional and publication.may_publish(
                current_user)}


@bp.get("/bulletin")
@roles_required("cadre", "supervisor", "admin")
def bulletin_page() -> Any:
    if current_user.role == "cadre":
        return render_template("bulletins/mine.html",
                               rows=own_rows.own_rows(db.session(), current_user))
    found, choices = _bulletin()
    # The page shows the teams a page at a time (a province's bulletin holds 4,400 teams,
    # 5 MB of HTML); the print and the exports are the whole bulletin.
    teams = keyset.page_of_rows(list(range(len(found.b["rows"]) if found else 0)), lambda i: (i,),
                          supervise.after(), size=TEAMS_PAGE)
    return render_template("bulletins/bulletin.html", pct=bulletin.pct, teams=teams,
                           openable=_openable(found), **_page_context(found), **choices)


@bp.post("/bulletin/publish")
@roles_required("supervisor", "admin")
def bulletin_publish() -> Any:
    """Publish the month shown (or a correction of it), once the box is ticked."""
    session = db.session()
    scope = current_scope()
    area = chosen_area(session, scope, request.form.get("area", type=int))
    if area is None:
        abort(404)
    month = request.form.get("month", "")
    if not request.form.get("confirm"):
        raise Refusal("publish_not_confirmed", field="confirm")
    _found, outcome = publication.publish_once(session, scope, current_user, area, month,
                                               clock.today(), policy(),
                                               request.form.get("correction_reason", ""))
    flash(PUBLISHED[outcome], "info")
    return redirect(url_for("bulletins.bulletin_page", area=area.id, month=month))


def _openable(found: Page | None) -> set[int]:
    """Findings whose check the viewer may open: those of batches drawn in its own area
    (the county's checks count in a township's bulletin, but stay the county's)."""
    ids = [f["item_id"] for f in found.b["findings"]] if found else []
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
    return render_template("bulletins/print.html", pct=bulletin.pct, today=clock.today(),
                           **_page_context(found), **choices)


@bp.get("/bulletin.<kind>")
@roles_required("supervisor", "admin")
def bulletin_export(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    found, _choices = _bulletin()
    if found is None:
        abort(404)
    b = found.b
    year, month = int(b["month"][:4]), int(b["month"][5:])
    with force_locale("zh"):  # the county's form: Chinese, whatever the page's language
        awards = {key: str(word) for key, word in AWARD.items()}
    title = f"{b['area_name']} {year}年{month}月 驻村工作队月通报"
    made = found.reading.publication
    if found.reading.provisional:
        title += "（暂定）"
    elif made is not None:
        title += f"（{clock.local_day(made.published_at).isoformat()}发布）"
    headers = ["排名", "工作队", "村", "派出单位", "得分", "考勤进度", "走访联系覆盖",
               "抽查通过率", "群众满意度", "奖惩", "满意度预警", "抽查次数", "未通过",
               "满意度样本", "计入天数", "应到天数", "乡镇", "缺项（未计入得分）", "黄牌事由"]
    table = [[row["rank"], row["team_code"], row["village_name"], row["unit"], row["score"],
              *(_part(row["parts"], p) for p in
                ("attendance", "coverage", "spotcheck", "satisfaction")),
              awards.get(row["award"] or "", ""), "是" if row["satisfaction_warning"] else "",
              row["spotchecks"], row["spotcheck_failures"], row["satisfaction_answers"],
              row["counted_days"], row.get("expected_days"), row.get("township", ""),
              "、".join(PART_ZH.get(name, name) + ("（样本过少）" if name == "satisfaction"
                                                 and row.get("satisfaction_answers") else "")
                       for name in row.get("missing", [])),
              "；".join(_finding_zh(f) for f in row.get("findings", []))]
             for row in b["rows"]]
    if not b["ranked"]:  # no points ranking: no rank, score or award columns
        dropped = {"排名", "得分", "奖惩"}
        keep = [i for i, name in enumerate(headers) if name not in dropped]
        headers = [headers[i] for i in keep]
        table = [[line[i] for i in keep] for line in table]
        headers[-1] = "严重问题"
    return export(kind, f"月通报-{b['area_name']}-{b['month']}", title, headers, table,
                  AWARD_FILL)


@bp.get("/warning-talks")
@roles_required("supervisor", "admin")
def warning_talks_page() -> Any:
    """The warning talks (约谈) in the viewer's jurisdiction: open ones first, all on ask."""
    everything = request.args.get("all") == "1"
    found = warning_talks.talks(db.session(), current_scope(), open_only=not everything)
    return render_template("bulletins/talks.html", talks=found, everything=everything)


@bp.get("/warning-talks/<int:talk_id>")
@roles_required("supervisor", "admin")
def warning_talk_page(talk_id: int) -> Any:
    talk = warning_talks.talk_of(db.session(), current_scope(), talk_id)
    if talk is None:
        abort(404)
    return render_template("bulletins/talk.html", talk=talk, today=clock.today())


@bp.post("/warning-talks/<int:talk_id>")
@roles_required("supervisor", "admin")
def warning_talk_record(talk_id: int) -> Any:
    """Record that the talk was held: who took part, the day, a note."""
    session = db.session()
    talk = warning_talks.talk_of(session, current_scope(), talk_id)
    if talk is None:
        abort(404)
    try:
        with db.savepoint():
            warning_talks.record(session, current_user, talk,
                                 form_day(request.form.get("held_on", ""), "held_on"),
                                 request.form.get("held_with", ""),
                                 request.form.get("note", ""), clock.today())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("bulletins.warning_talk_page", talk_id=talk.id))
    flash(_("The warning talk with %(unit)s about %(village)s is recorded.",
            unit=talk.unit_name or "—", village=talk.village.name), "info")
    return redirect(url_for("bulletins.warning_talk_page", talk_id=talk.id))


PART_ZH = {"attendance": "考勤进度", "coverage": "走访联系覆盖", "spotcheck": "抽查通过率",
           "satisfaction": "群众满意度"}
FINDING_ZH = {("presence", "not_confirmed"): "不在岗", ("visit", "not_confirmed"): "农户否认走访"}


def _finding_zh(f: dict[str, Any]) -> str:
    kind = "在岗抽查" if f.get("kind") == "presence" else "走访回访"
    how = {"phone": "电话", "field": "实地"}.get(f.get("method") or "", "")
    what = FINDING_ZH.get((f.get("kind", ""), f.get("outcome", "")), f.get("outcome", ""))
    how = f"（{how}）" if how else ""
    return f"{kind}{how} {f.get('day', '')} {f.get('user_name', '')}：{what}"


def _part(parts: dict[str, float], name: str) -> float | str:
    return parts.get(name, "—")


def award_word(award: str | None) -> str:
    if award == "red_flag":
        return _("Red flag")
    if award == "yellow_card":
        return _("Yellow card")
    return ""


@bp.app_template_global("bl_words")
def bl_words() -> dict[str, str]:
    """The bulletin's recurring words, translated once per request: a county's page has
    a line per team with four parts each, and gettext per part was most of its time."""
    cached: dict[str, str] | None = g.get("bl_words")
    if cached is None:
        cached = {
            "part_attendance": _("Attendance pace"), "part_coverage": _("Visits and contacts"),
            "part_spotcheck": _("Spot checks passed"),
            "part_satisfaction": _("Villagers' satisfaction"),
            "made_days": _("%(n)s of %(of)s days"),
            "made_visited": _("%(n)s of %(of)s households visited"),
            "made_contacted": _("%(n)s of %(of)s contacted"),
            "made_passed": _("%(n)s of %(of)s checks passed"),
            "made_satisfied": _("%(n)s of %(of)s answers satisfied"),
            "weight": _("weight %(w)s%%"), "in_score": _("%(u)s%% in this score"),
            "missing_not_checked": _("Not spot-checked this month"),
            "missing_no_answers": _("No answers this month"),
            "missing_too_few_answers": _("Too few answers (fewer than %(min)s)"),
            "missing_not_recorded": _("Not recorded"),
            "answers_share": _("%(n)s answers, %(s)s%% satisfied"),
            "too_few": _("too few answers to judge"), "no_answers": _("No answers"),
        }
        g.bl_words = cached
    return cached


@bp.app_template_filter("award_word")
def award_word_filter(award: str | None) -> str:
    return award_word(award)


@bp.app_template_filter("change_name")
def change_name_filter(name: str) -> str:
    return str(CHANGE_NAMES.get(name, name))


@bp.app_template_filter("late_name")
def late_name_filter(name: str) -> str:
    return str(LATE_NAMES.get(name, name))
