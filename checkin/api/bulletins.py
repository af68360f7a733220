"""The monthly bulletin over the API: the bulletin of an area's month (the published
snapshot once published, provisional while the month is not over), publishing it and
corrections, and the late changes. Cadres get 404 here, as from the spot checks; their
own team's rows of published bulletins are at /me/bulletins.

A published month is answered as one canonical JSON text (sorted keys, no spaces), so the
same publication is the same bytes on every request, whatever records arrive later."""

from __future__ import annotations

from typing import Any

from flask import Response, abort
from flask_login import current_user

from checkin import db
from checkin.api import bp
from checkin.api.payload import json_object, query_int
from checkin.api.timefmt import utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain import publication as rules
from checkin.domain.refusal import Refusal
from checkin.models import Area
from checkin.platform import clock
from checkin.services.reporting import bulletin, own_rows, publication
from checkin.settings import policy


def document(found: publication.Reading) -> dict[str, Any]:
    """The bulletin's content with what says whether and when it was published."""
    made = found.publication
    return {**found.content, "ranked": rules.ranked(found.content),
            "provisional": found.provisional,
            "id": None if made is None else made.id,
            "published_at": None if made is None else utc_z(made.published_at),
            "published_by_id": None if made is None else made.published_by_id,
            "digest": None if made is None else made.digest,
            "supersedes_id": None if made is None else made.supersedes_id,
            "correction_reason": None if made is None else made.correction_reason}


def answer(found: publication.Reading, status: int = 200) -> Response:
    return Response(rules.canonical(document(found)), status=status,
                    mimetype="application/json")


def area_arg(area_id: int | None) -> Area:
    """The area asked for inside the scope (404 otherwise); a supervisor's own by default."""
    if area_id is None:
        if current_user.area_id is None:
            raise Refusal("field_required", field="area_id", name="area_id")
        area_id = current_user.area_id
    area = db.session().scalars(current_scope().areas().where(Area.id == area_id)).first()
    if area is None:
        abort(404)
    return area


@bp.get("/me/bulletins")
@roles_required("cadre")
def my_bulletins() -> Any:
    """The cadre's own team's rows of published bulletins (services/reporting/own_rows)."""
    return {"items": [{"month": r.month, "area_name": r.area_name,
                       "published_on": r.published_on.isoformat(), "teams": r.teams,
                       "weights": r.weights, "ranked": r.ranked, "row": r.row}
                      for r in own_rows.own_rows(db.session(), current_user)]}


@bp.get("/bulletins/<month>")
@roles_required("supervisor", "admin")
def get_bulletin(month: str) -> Any:
    bulletin.month_span(month, clock.today())
    area = area_arg(query_int("area_id"))
    return answer(publication.reading(db.session(), current_scope(), area, month,
                                      clock.today(), policy()))


@bp.post("/bulletins/<month>/publish")
@roles_required("supervisor", "admin")
def publish_bulletin(month: str) -> Any:
    body = json_object()
    bulletin.month_span(month, clock.today())
    area_id = body.get("area_id")
    if not isinstance(area_id, int) or isinstance(area_id, bool):
        raise Refusal("not_an_integer", field="area_id", name="area_id")
    reason = body.get("correction_reason") or ""
    if not isinstance(reason, str):
        raise Refusal("invalid_text", field="correction_reason", name="correction_reason",
                      limit=rules.MAX_REASON)
    found, outcome = publication.publish_once(db.session(), current_scope(), current_user,
                                              area_arg(area_id), month, clock.today(),
                                              policy(), reason)
    return answer(found, 200 if outcome == "same" else 201)


@bp.get("/bulletins/<month>/late-changes")
@roles_required("supervisor", "admin")
def get_late_changes(month: str) -> Any:
    bulletin.month_span(month, clock.today())
    area = area_arg(query_int("area_id"))
    late = publication.late_changes(db.session(), current_scope(), area, month,
                                    clock.today(), policy())
    if late is None:
        raise Refusal("bulletin_not_published", field="month", month=month)
    made = late.publication
    return {"month": month, "area_id": area.id, "publication_id": made.id,
            "published_at": utc_z(made.published_at), "digest": made.digest,
            "items": [{"team_id": t.team_id, "team_code": t.team_code,
                       "village_name": t.village_name,
                       "changes": {name: {"published": c.published, "now": c.now}
                                   for name, c in t.changes.items()},
                       "late_records": t.late_records} for t in late.teams]}
