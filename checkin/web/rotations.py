"""Recall and rotation (召回、轮换) pages: the township asks from a cadre's file, the county
decides on the list of requests (services/people/rotations.py). Supervisors only; others
get 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import rotation
from checkin.domain.refusal import Refusal
from checkin.models import User
from checkin.platform import clock
from checkin.services.people import dossier, rotations
from checkin.web.forms import form_day

bp = Blueprint("rotations", __name__)

KIND_WORDS = {"recall": _l("Recall (召回)"), "rotation": _l("Rotation (轮换)"),
              "term_end": _l("End of term (期满)")}


def kind_word(kind: str) -> str:
    return str(KIND_WORDS.get(kind, kind))


def _cadre(user_id: int) -> User:
    cadre = dossier.cadre_in_scope(db.session(), current_scope(), user_id)
    if cadre is None:
        abort(404)
    return cadre


def _page_arg() -> int:
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 10_000 else 1


@bp.get("/cadres/<int:user_id>/rotation")
@roles_required("supervisor")
def request_form(user_id: int) -> Any:
    """The township's request that a cadre leave the post, with the replacement."""
    cadre = _cadre(user_id)
    session = db.session()
    return render_template("rotations/request.html", cadre=cadre, kinds=KIND_WORDS,
                           choices=rotations.replacement_choices(session, current_scope(),
                                                                 cadre),
                           history=rotations.history_of(session, cadre), form={},
                           today=clock.today(), kind_word=kind_word)


@bp.post("/cadres/<int:user_id>/rotation")
@roles_required("supervisor")
def request_post(user_id: int) -> Any:
    cadre = _cadre(user_id)
    session = db.session()
    form = request.form
    try:
        replacement = form.get("replacement", "").strip()
        data = rotation.Request(
            kind=form.get("kind", ""),
            leaves_on=form_day(form.get("leaves_on", ""), "leaves_on"),
            reason=form.get("reason", ""), backdate_reason=form.get("backdate_reason", ""),
            replacement_id=int(replacement) if replacement.isdigit() else None,
            starts_on=form_day(form.get("starts_on", ""), "starts_on"))
        with db.savepoint():
            rotations.request(session, current_user, current_scope(), cadre, data,
                              clock.today())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return render_template("rotations/request.html", cadre=cadre, kinds=KIND_WORDS,
                               choices=rotations.replacement_choices(session, current_scope(),
                                                                     cadre),
                               history=rotations.history_of(session, cadre), form=form,
                               today=clock.today(), kind_word=kind_word), 422
    flash(_("The request for %(name)s is sent to the county for approval.", name=cadre.name),
          "info")
    return redirect(url_for("rotations.index"))


@bp.get("/rotations")
@roles_required("supervisor")
def index() -> Any:
    """Requests in the jurisdiction: waiting ones (with the county's decision form) or all,
    paged."""
    everything = request.args.get("all") == "1"
    page = _page_arg()
    session = db.session()
    today = clock.today()
    rows, more = rotations.rotations(session, current_scope(), open_only=not everything,
                                     page=page)
    seen = [rotations.pending(session, row, today) if row.decision is None else
            rotations.Pending(row, 0, 0) for row in rows]
    area = current_user.area
    county = area is not None and area.level in rotation.COUNTY_OR_ABOVE
    return render_template("rotations/index.html", rows=seen, more=more, page=page,
                           everything=everything, kind_word=kind_word, today=today,
                           county=county)


@bp.post("/rotations/<int:rotation_id>/decision")
@roles_required("supervisor")
def decide(rotation_id: int) -> Any:
    session = db.session()
    row = rotations.rotation_of(session, current_scope(), rotation_id)
    if row is None:
        abort(404)
    approve = request.form.get("decision") == "approve"
    try:
        with db.savepoint():
            rotations.decide(session, current_user, row, approve,
                             request.form.get("note", ""), clock.today())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        return redirect(url_for("rotations.index"))
    if approve:
        flash(_("Approved: %(name)s leaves the post after %(day)s.", name=row.cadre.name,
                day=row.leaves_on.isoformat()), "info")
    else:
        flash(_("Refused: %(name)s stays on post.", name=row.cadre.name), "info")
    return redirect(url_for("rotations.index"))
