"""季众评 over the API: the quarter's results of an area for a province's platform or a
county's own tables (supervisors in scope; cadres get 404, as from every result page). No
household's answer is given out here: figures only, with their n."""

from __future__ import annotations

from typing import Any

from checkin import db
from checkin.api import bp
from checkin.api.bulletins import area_arg
from checkin.api.payload import query_int
from checkin.auth import current_scope, roles_required
from checkin.domain import public_evaluation as rules
from checkin.services.evaluation import results
from checkin.settings import policy


def figure(r: rules.Result) -> dict[str, Any]:
    satisfied, basic, unsatisfied = r.counts
    return {"n": r.n, "satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied,
            "satisfaction": None if r.share is None else round(r.share, 4),
            "known_share": None if r.known_share is None else round(r.known_share, 4),
            "flagged": r.tally.flagged, "judged": r.judged}


@bp.get("/evaluation/<quarter>")
@roles_required("supervisor", "admin")
def get_evaluation(quarter: str) -> Any:
    area = area_arg(query_int("area_id"))
    found = results.quarter_results(db.session(), current_scope(), area, quarter, policy(),
                                    cadre_page=None)
    return {"quarter": found.quarter, "area_id": area.id, "area_name": area.name,
            "min_answers": policy().evaluation_min_answers, "total": figure(found.total),
            "townships": [{"area_id": line.key, "name": line.label, **figure(line.result)}
                          for line in found.townships],
            "units": [{"name": line.label, **figure(line.result)} for line in found.units],
            "teams": [{"team_id": line.key, "village_id": line.village_id,
                       "name": line.label, "unit": line.place, **figure(line.result)}
                      for line in found.teams],
            "cadres": [{"user_id": line.key, "name": line.label, "village_name": line.place,
                        **figure(line.result)} for line in found.cadres]}
