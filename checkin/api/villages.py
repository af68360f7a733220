"""GET /villages: the fences of the villages in the caller's scope."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import login_required

from checkin import db
from checkin.api import bp
from checkin.api.payload import page, page_args
from checkin.auth import current_scope
from checkin.domain import boundary
from checkin.models import Village


def village_json(village: Village) -> dict[str, Any]:
    return {
        "id": village.id,
        "name": village.name,
        "area_id": village.area_id,
        "lat": village.lat,
        "lon": village.lon,
        "radius_m": village.radius_m,
        "boundary": None if village.boundary is None
        else boundary.geojson(boundary.load(village.boundary)),
    }


@bp.get("/villages")
@login_required
def list_villages() -> Any:
    limit, offset = page_args()
    stmt = current_scope().villages().order_by(Village.id).limit(limit + 1).offset(offset)
    rows = [village_json(v) for v in db.session().scalars(stmt)]
    return jsonify(page(rows, limit, offset))
