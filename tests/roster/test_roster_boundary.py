"""The roster's optional 村界 column: a village's boundary as WKT or GeoJSON in the row's
坐标系, stored in WGS-84 with that system; a file without the column keeps the stored
boundary, an empty cell goes back to the circle; a bad boundary is a problem naming the
row and column, and nothing is imported; every change of a stored boundary is audited with
both shapes and whether it widens the fence."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain import boundary, coordinates
from checkin.domain.geofence import CheckinFacts, Fence, evaluate_checkin
from checkin.domain.policy import Policy
from checkin.models import AuditEntry, Village
from tests.roster.test_roster_import import ROWS, problems_of, run_import, xlsx

CORNERS = [(30.84, 116.35), (30.84, 116.37), (30.86, 116.37), (30.86, 116.35), (30.84, 116.35)]
WKT = "POLYGON((" + ", ".join(f"{lon} {lat}" for lat, lon in CORNERS) + "))"


def with_boundary(text: Any, system: str | None = None) -> dict[str, list[list[Any]]]:
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["村"][0].append("村界")
    rows["村"][1].append(text)
    if system is not None:
        rows["村"][0].append("坐标系")
        rows["村"][1].append(system)
    return rows


def _village(app: Flask) -> Village:
    with app.app_context():
        return db.session().scalars(select(Village)).one()


def _boundary_audits(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "village.boundary").order_by(AuditEntry.id)))


def test_a_boundary_from_amap_is_stored_in_wgs84_and_judges_a_phone_fix(app: Flask) -> None:
    moved = [coordinates.wgs84_to_gcj02(lat, lon) for lat, lon in CORNERS]
    geojson = json.dumps({"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in moved]]})
    run_import(app, xlsx(with_boundary(geojson, "高德")))
    village = _village(app)
    assert village.boundary_source == "gcj02"
    assert village.boundary.startswith("POLYGON ((116.35 30.84, 116.37 30.84")
    fence = Fence(village.lat, village.lon, village.radius_m, boundary.load(village.boundary))
    # 100 m inside the true north edge: AMap's numbers taken as they are would say outside.
    now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    fix = CheckinFacts(lat=30.86 - 0.0009, lon=116.36, accuracy_m=20, recorded_at=now,
                       received_at=now, live=True)
    assert evaluate_checkin(fix, fence, None, Policy()).counts_for_day is True


def test_without_the_column_the_boundary_stays_and_an_empty_cell_clears_it(
        app: Flask) -> None:
    run_import(app, xlsx(with_boundary(WKT)))
    assert _village(app).boundary is not None
    run_import(app, xlsx())  # the column absent: kept
    assert _village(app).boundary is not None and _boundary_audits(app) == []
    run_import(app, xlsx(with_boundary(None)))  # the cell empty: back to the circle
    assert _village(app).boundary is None
    [entry] = _boundary_audits(app)
    assert entry.detail["before"]["boundary"].startswith("POLYGON ((116.35 30.84")
    assert entry.detail["after"]["boundary"] is None


def test_a_wider_boundary_is_audited_as_widening(app: Flask) -> None:
    small = "POLYGON((116.355 30.845, 116.365 30.845, 116.365 30.855, 116.355 30.855, " \
        "116.355 30.845))"
    run_import(app, xlsx(with_boundary(small)))
    run_import(app, xlsx(with_boundary(WKT)))
    [entry] = _boundary_audits(app)
    assert entry.detail["widened"] is True
    assert entry.detail["before"]["boundary"].startswith("POLYGON ((116.355 30.845")
    assert entry.detail["after"]["area_km2"] > entry.detail["before"]["area_km2"]


def test_a_bad_boundary_is_a_problem_of_its_row_and_column(app: Flask) -> None:
    texts = problems_of(app, xlsx(with_boundary(
        "POLYGON((116.35 30.84, 116.37 30.86, 116.37 30.84, 116.35 30.86, 116.35 30.84))")))
    assert any("第 2 行" in t and "村界" in t and "自相交" in t for t in texts), texts
    assert any("crosses itself" in t for t in texts), texts
    swapped = problems_of(app, xlsx(with_boundary(
        "POLYGON((30.84 116.35, 30.84 116.37, 30.86 116.37, 30.84 116.35))")))
    assert any("境外" in t for t in swapped), swapped


def test_a_boundary_longer_than_a_cell_may_be_is_refused(app: Flask) -> None:
    """An Excel cell holds 32,767 characters: what is cut off there cannot be read."""
    texts = problems_of(app, xlsx(with_boundary("POLYGON((" + "116.35 30.84, " * 2400 + "))")))
    assert any("第 2 行" in t and "村界" in t for t in texts), texts
