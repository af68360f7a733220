"""GET /villages: the fences of the villages in the caller's scope."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import login_required

from checkin.api import bp
from checkin.api.payload import keyset_items
from checkin.auth import current_scope
from checkin.domain import boundary
from checkin.models import Village
from checkin.platform import keyset


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
    return jsonify(keyset_items(current_scope().villages(), (Village.id,), lambda v: (v.id,),
                                (int,), keyset.iso_key(int), village_json, descending=False))
