"""季众评 pages: the household's form on its link (no account: /e/<token>), and for
supervisors the quarter's results with their export, a village's answers with their flags,
the printable sheet of links and the form for an answer heard on a call.

A cadre gets 404 from every supervisor page here (it never sees an answer); its own
figure is in its file once the quarter has ended (services/people/dossier.py)."""

from __future__ import annotations

import hashlib
import hmac
import io
import ipaddress
from collections.abc import Mapping
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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import public_evaluation as rules
from checkin.domain.refusal import Refusal
from checkin.exports import KINDS, Percent, export
from checkin.models import EvaluationAnswer, Household, User
from checkin.platform import clock
from checkin.services.evaluation import answers, links, results
from checkin.settings import policy
from checkin.web.spotchecks import area_choices, chosen_area

bp = Blueprint("evaluation", __name__)

RATING_WORDS = {"satisfied": _l("Satisfied"), "basic": _l("Basically satisfied"),
                "unsatisfied": _l("Not satisfied")}
RATING_ZH = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
FLAG_WORDS = {"burst": _l("several answers from one device within minutes"),
              "signed_in": _l("answered on a device where someone was signed in")}
OPEN_SHOWN = 200  # households listed for a call on the village page
CHANNEL_WORDS = {"qr": _l("Link (QR code)"), "call": _l("Phone call")}


def rating_word(value: str | None) -> str:
    word = RATING_WORDS.get(value or "")
    return str(word) if word else ""


def _network(address: str | None) -> str:
    """The address's network: /24 for IPv4, /48 for IPv6 (a phone's address moves inside it)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _keyed(text: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, b"evaluation|" + text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def device_of() -> str:
    """A keyed hash of the network and the browser: the same device gives the same value,
    and no address can be read back from it."""
    agent = (request.user_agent.string or "")[:300]
    return _keyed(f"{_network(request.remote_addr)}|{agent}")


def masked(name: str) -> str:
    """The household head's name as the form shows it: the family name only."""
    return (name[:1] + "**") if name else ""


# The household's form ---------------------------------------------------------------------
def _parse(form: Mapping[str, str], cadres: list[User]
           ) -> tuple[str | None, dict[int, rules.CadreAnswer], str]:
    given: dict[int, rules.CadreAnswer] = {}
    for cadre in cadres:
        knows_raw = form.get(f"knows_{cadre.id}")
        knows = {"yes": True, "no": False}.get(knows_raw or "")
        # A cadre the household does not know is not rated, whatever the radio says.
        rating = form.get(f"rating_{cadre.id}") or None if knows else None
        given[cadre.id] = rules.CadreAnswer(knows, rating)
    return form.get("team") or None, given, (form.get("remark") or "")[:rules.MAX_REMARK + 1]


@bp.route("/e/<token>", methods=["GET", "POST"])
def household_form(token: str) -> Any:
    session = db.session()
    network = _keyed(_network(request.remote_addr))
    if links.too_many_bad_links(network, policy().evaluation_bad_links_per_hour):
        raise Refusal("too_many_requests")
    link = links.open_link(session, token)
    if link is None:
        links.count_bad_link(network)
        db.keep_writes()
        raise Refusal("evaluation_link_invalid")
    form = answers.form_for(session, link.household, link.quarter)
    context = {"form": form, "village": link.household.village, "head": masked(
        link.household.head_name), "ratings": rules.RATINGS, "rating_word": rating_word,
        "max_remark": rules.MAX_REMARK, "values": request.form, "error": None}
    if form.answered is not None:
        status = 409 if request.method == "POST" else 200
        return render_template("evaluation/household.html", done="already", **context), status
    if request.method == "POST":
        team, given, remark = _parse(request.form, form.cadres)
        signed_in = current_user._get_current_object() if current_user.is_authenticated \
            else None
        try:
            answers.answer_by_link(session, link, team, given, remark, device_of(), signed_in)
        except Refusal as exc:
            context["error"] = refusals.message(exc)
            return render_template("evaluation/household.html", done=None, **context), \
                _status(exc)
        return render_template("evaluation/household.html", done="thanks", **context)
    return render_template("evaluation/household.html", done=None, **context)


def _status(exc: Refusal) -> int:
    entry = refusals.TABLE.get(exc.code)
    return entry.status if entry is not None else 422


# Supervisors ------------------------------------------------------------------------------
def quarter_arg() -> str:
    raw = request.args.get("quarter") or request.form.get("quarter") or ""
    return raw if raw else rules.quarter_of(clock.today())


def _results(cadre_page: int | None) -> tuple[results.Results | None, dict[str, Any]]:
    session = db.session()
    scope = current_scope()
    quarter = quarter_arg()
    area = chosen_area(session, scope, request.args.get("area", type=int))
    choices = {"areas": area_choices(session, scope),
               "quarters": rules.recent_quarters(clock.today()), "quarter": quarter,
               "area": area, "min_n": policy().evaluation_min_answers}
    if area is None:
        return None, choices
    return results.quarter_results(session, scope, area, quarter, policy(), cadre_page), choices


@bp.get("/evaluation")
@roles_required("supervisor", "admin")
def results_page() -> Any:
    page = request.args.get("page", type=int) or 1
    found, choices = _results(max(page, 1) - 1)
    return render_template("evaluation/results.html", r=found, pct=_pct, **choices)


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


@bp.get("/evaluation.<kind>")
@roles_required("supervisor", "admin")
def results_export(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    found, _choices = _results(None)
    if found is None:
        abort(404)
    headers = ["层级", "名称", "所在", "样本数", "满意", "基本满意", "不满意", "满意度",
               "认识率", "标记未计入", "判定"]
    with force_locale("zh"):
        levels = {"townships": "乡镇", "units": "派出单位", "teams": "工作队", "cadres": "干部"}
    rows: list[list[Any]] = [["合计", found.area.name, "", *_cells(found.total)]]
    for name in ("townships", "units", "teams", "cadres"):
        for line in getattr(found, name):
            rows.append([levels[name], line.label, line.place, *_cells(line.result)])
    title = f"{found.area.name} {found.quarter} 季度群众评议（季众评）"
    return export(kind, f"季众评-{found.area.name}-{found.quarter}", title, headers, rows)


def _cells(r: rules.Result) -> list[Any]:
    s, b, u = r.counts
    return [r.n, s, b, u, None if r.share is None else Percent(r.share),
            None if r.known_share is None else Percent(r.known_share), r.tally.flagged,
            "" if r.judged else "样本过少"]


def village_or_404(village_id: int) -> Any:
    village = links.village_in_scope(db.session(), current_scope(), village_id)
    if village is None:
        abort(404)
    return village


@bp.get("/evaluation/villages/<int:village_id>")
@roles_required("supervisor", "admin")
def village_page(village_id: int) -> Any:
    session = db.session()
    village = village_or_404(village_id)
    quarter = quarter_arg()
    try:
        rules.check_quarter(quarter, clock.today())
    except Refusal:
        abort(404)
    page = max(request.args.get("page", type=int) or 1, 1)
    lines, pages, count = results.village_answers(session, village, quarter, policy(),
                                                  page - 1)
    answered = session.query(EvaluationAnswer.household_id).filter(
        EvaluationAnswer.village_id == village.id, EvaluationAnswer.quarter == quarter)
    unanswered = session.query(Household).filter(
        Household.village_id == village.id, Household.id.not_in(answered))
    open_households = list(unanswered.order_by(Household.code).limit(OPEN_SHOWN))
    return render_template(
        "evaluation/village.html", village=village, quarter=quarter, lines=lines,
        pages=pages, page=page, count=count, open_households=open_households,
        open_count=unanswered.count(),
        running=rules.quarter_running(quarter, clock.today()),
        quarters=rules.recent_quarters(clock.today()), flag_words=FLAG_WORDS,
        channel_words=CHANNEL_WORDS, rating_word=rating_word, sheet_size=links.SHEET_SIZE)


def qr_svg(url: str) -> Markup:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False,
                                    svgns=True, title=None)
    return Markup(out.getvalue().decode("utf-8"))  # segno's own SVG of a URL we made


@bp.post("/evaluation/villages/<int:village_id>/sheet")
@roles_required("supervisor", "admin")
def village_sheet(village_id: int) -> Any:
    """New links for one page of the village's households, shown once, to print."""
    session = db.session()
    village = village_or_404(village_id)
    page = max(request.form.get("page", type=int) or 1, 1)
    sheet = links.issue_sheet(session, current_scope(), current_user, village, quarter_arg(),
                              page - 1)
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    items = [(line, f"{base.rstrip('/')}{url_for('evaluation.household_form', token=line.token)}"
              if line.token else None) for line in sheet.lines]
    # The sheet names each household in full: the team hands the codes out by name.
    return render_template("evaluation/sheet.html", sheet=sheet, items=items, qr_svg=qr_svg)


def household_or_404(household_id: int) -> Household:
    household = answers.household_in_scope(db.session(), current_scope(), household_id)
    if household is None:
        abort(404)
    return household


@bp.route("/evaluation/households/<int:household_id>/call", methods=["GET", "POST"])
@roles_required("supervisor", "admin")
def call_form(household_id: int) -> Any:
    """An answer heard on a phone call, entered by the checker (marked as by call)."""
    session = db.session()
    household = household_or_404(household_id)
    quarter = rules.quarter_of(clock.today())
    form = answers.form_for(session, household, quarter)
    context = {"form": form, "household": household, "ratings": rules.RATINGS,
               "rating_word": rating_word, "max_remark": rules.MAX_REMARK,
               "values": request.form, "error": None}
    if request.method == "POST":
        team, given, remark = _parse(request.form, form.cadres)
        try:
            answers.answer_by_call(session, current_scope(), current_user, household, quarter,
                                   team, given, remark)
        except Refusal as exc:
            context["error"] = refusals.message(exc)
            return render_template("evaluation/call.html", **context), _status(exc)
        flash(_("The answer of %(name)s is recorded (by call).", name=household.head_name),
              "info")
        return redirect(url_for("evaluation.village_page", village_id=household.village_id,
                                quarter=quarter), code=303)
    return render_template("evaluation/call.html", **context)
