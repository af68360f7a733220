"""A village's boundary as its fence, from the admin's village page: pasted as WKT or
GeoJSON in the map's system, stored in WGS-84 with that system, judging the check-ins
from then on, drawn on the page's map; every change audited with the old and new shape and
whether it widens the fence; bad geometry refused in the reader's language (never a 500),
changing nothing."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.domain import coordinates
from checkin.models import AuditEntry, Village
from tests.conftest import csrf_from

# About 1.9 km by 2.2 km around the test village's centre (30.85, 116.36), in WGS-84.
CORNERS = [(30.84, 116.35), (30.84, 116.37), (30.86, 116.37), (30.86, 116.35), (30.84, 116.35)]
SMALL = "POLYGON((116.355 30.845, 116.365 30.845, 116.365 30.855, 116.355 30.855, " \
        "116.355 30.845))"


def amap(points: list[tuple[float, float]]) -> str:
    """The boundary as AMap shows it (GCJ-02), as an office would copy it."""
    moved = [coordinates.wgs84_to_gcj02(lat, lon) for lat, lon in points]
    return "POLYGON((" + ", ".join(f"{lon:.7f} {lat:.7f}" for lat, lon in moved) + "))"


def _audits(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "village.boundary").order_by(AuditEntry.id)))


def _village(app: Flask, world) -> Village:
    with app.app_context():
        return db.session().get(Village, world["va"])


def _paste(client: FlaskClient, world, text: str, system: str = "wgs84"):
    page = f"/admin/villages/{world['va']}"
    return client.post(f"{page}/boundary", data={
        "csrf_token": csrf_from(client, page), "boundary": text, "boundary_system": system})


def _check_in(client: FlaskClient, bearer: dict[str, str], lat: float, lon: float) -> dict:
    answer = client.post("/api/v1/checkins", headers=bearer, json={
        "id": str(uuid.uuid4()), "lat": lat, "lon": lon, "accuracy_m": 20,
        "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_boundary_read_off_amap_judges_the_phones_fixes(
        app: Flask, client: FlaskClient, world, login, token_for) -> None:
    bearer = token_for("cadre_a")  # the phone's token, asked before the admin signs in
    login(client, "admin")
    assert _paste(client, world, amap(CORNERS), "gcj02").status_code == 303
    village = _village(app, world)
    assert village.boundary_source == "gcj02"
    assert village.boundary.startswith("POLYGON ((116.35 30.84, 116.37 30.84")
    phone = app.test_client()
    # 100 m inside the true north edge: AMap's numbers taken as they are would say outside.
    inside = _check_in(phone, bearer, 30.86 - 0.0009, 116.36)
    assert inside["in_fence"] is True and inside["counts_for_day"] is True
    # Inside the 1,500 m circle but outside the boundary: the boundary decides.
    outside = _check_in(phone, bearer, 30.85, 116.3725)
    assert outside["in_fence"] is False and "outside_fence" in outside["flags"]
    [reason] = [r for r in outside["reasons"] if r["code"] == "outside_fence"]
    assert "outside the village boundary" in reason["message"] or "村界" in reason["message"]


def test_the_change_is_audited_with_both_shapes_and_whether_it_widens(
        app: Flask, client: FlaskClient, world, login) -> None:
    login(client, "admin")
    assert _paste(client, world, SMALL).status_code == 303  # inside the 1,500 m circle
    assert _paste(client, world, SMALL).status_code == 303  # the same: nothing changes
    big = "POLYGON((" + ", ".join(f"{lon} {lat}" for lat, lon in CORNERS) + "))"
    assert _paste(client, world, big).status_code == 303    # takes in more
    assert _paste(client, world, "").status_code == 303     # back to the circle
    first, wider, cleared = _audits(app)
    assert first.detail["before"]["boundary"] is None and first.detail["widened"] is False
    assert first.detail["after"]["boundary"].startswith("POLYGON ((116.355 30.845")
    # The circle compared as a 64-gon on it: 0.2 % under π·1.5² km².
    assert first.detail["before"]["area_km2"] == pytest.approx(7.0686, rel=3e-3)
    assert wider.detail["widened"] is True
    assert wider.detail["before"]["boundary"] == first.detail["after"]["boundary"]
    assert cleared.detail["after"] == {"boundary": None, "boundary_source": None,
                                       "area_km2": pytest.approx(7.0686, rel=3e-3)}
    assert cleared.before_digest != cleared.after_digest
    assert _village(app, world).boundary is None


def test_the_page_draws_the_boundary(app: Flask, client: FlaskClient, world, login) -> None:
    login(client, "admin")
    _paste(client, world, json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in CORNERS]]}}))
    page = client.get(f"/admin/villages/{world['va']}?lang=en").get_data(as_text=True)
    assert "The boundary is the fence" in page
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))
    [fence] = data["fences"]
    assert fence["shape"][0][0][:2] == [[30.84, 116.35], [30.84, 116.37]]
    listed = client.get("/admin/villages?lang=en").get_data(as_text=True)
    assert "its boundary" in listed  # not the circle's radius, which no longer decides


@pytest.mark.parametrize(("text", "says"), [
    ("POINT(116.36 30.85)", "不是 Point"),
    ("POLYGON((116.35 30.84, 116.37 30.84, 116.37 30.86, 116.35 30.86))", "没有闭合"),
    ("POLYGON((116.35 30.84, 116.37 30.86, 116.37 30.84, 116.35 30.86, 116.35 30.84))",
     "自相交"),
    ("POLYGON((30.84 116.35, 30.84 116.37, 30.86 116.37, 30.84 116.35))", "境外"),
    ("POLYGON((" + "116.35 30.84, " * 2_400 + "116.35 30.84))", "32767"),
    ("<script>alert(1)</script>", "既不是 WKT"),
    ("{\"type\": \"Polygon\", \"coordinates\": " + "[" * 3000 + "]" * 3000 + "}", "既不是 WKT"),
    ("POLYGON((116.36 30.85, 116.3601 30.85, 116.3601 30.8501, 116.36 30.85))", "小于"),
])
def test_bad_geometry_is_refused_and_nothing_changes(
        app: Flask, client: FlaskClient, world, login, text: str, says: str) -> None:
    login(client, "admin")
    answer = _paste(client, world, text)
    assert answer.status_code == 422
    assert says in answer.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in answer.get_data(as_text=True)
    assert _village(app, world).boundary is None and _audits(app) == []


def test_an_unknown_system_is_refused(app: Flask, client: FlaskClient, world, login) -> None:
    login(client, "admin")
    assert _paste(client, world, SMALL, "mars").status_code == 422
    assert _village(app, world).boundary is None


def test_no_one_but_an_admin_sets_a_boundary(app: Flask, client: FlaskClient, world,
                                             login) -> None:
    login(client, "sup_county")
    answer = client.post(f"/admin/villages/{world['va']}/boundary", data={
        "csrf_token": csrf_from(client, "/"), "boundary": SMALL, "boundary_system": "wgs84"})
    assert answer.status_code in (403, 404)
    assert _village(app, world).boundary is None


def test_the_api_gives_the_boundary_as_geojson(app: Flask, client: FlaskClient, world, login,
                                                token_for) -> None:
    bearer = token_for("sup_t1")
    login(client, "admin")
    _paste(client, world, amap(CORNERS), "gcj02")
    items = app.test_client().get("/api/v1/villages", headers=bearer).get_json()["items"]
    mine = {v["id"]: v for v in items}[world["va"]]
    assert mine["boundary"]["type"] == "Polygon"
    assert mine["boundary"]["coordinates"][0][0] == pytest.approx([116.35, 30.84], abs=1e-6)
    assert all(v["boundary"] is None for v in items if v["id"] != world["va"])
