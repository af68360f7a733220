"""The supervisors' page of team make-up: the teams of the jurisdiction that do not fit
seed 002's rule, with the role of each member (a warning, never a refusal)."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from checkin import db
from checkin.auth import current_scope, roles_required
from checkin.services.people import team_makeup
from checkin.web.supervise import area_title

bp = Blueprint("teams", __name__)

PAGE = 100
WARNING_WORDS = {
    "no_first_secretary": _l("No first secretary"),
    "two_first_secretaries": _l("Several first secretaries"),
    "team_size": _l("Not 3 members"),
    "no_township_member": _l("No member from the township"),
    "several_teams_in_village": _l("Several teams in one village"),
}
ROLE_WORDS = {"first_secretary": _l("first secretary"),
              "unit_member": _l("member from the sending unit"),
              "township_member": _l("member from the township")}


@bp.get("/teams/makeup")
@roles_required("supervisor", "admin")
def makeup() -> Any:
    flagged = team_makeup.flagged_teams(db.session(), current_scope())
    raw = request.args.get("page", "1")
    page = max(1, int(raw)) if raw.isdigit() and len(raw) < 7 else 1
    lines = team_makeup.team_lines(db.session(), flagged[(page - 1) * PAGE: page * PAGE])
    return render_template("teams/makeup.html", lines=lines, total=len(flagged), page=page,
                           pages=max(1, math.ceil(len(flagged) / PAGE)),
                           warning_words=WARNING_WORDS, role_words=ROLE_WORDS,
                           area=area_title())
