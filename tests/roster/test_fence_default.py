"""A village imported without a radius gets the policy's default fence radius
(POLICY_DEFAULT_FENCE_RADIUS_M), not a number written into the import."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Village
from checkin.settings import build_policy
from tests.roster.test_roster_import import changed, run_import, upload_through_the_page, xlsx

RADIUS_COLUMN = 5  # 半径(米) on the 村 sheet


def _radius(app: Flask) -> float:
    with app.app_context():
        return db.session().scalars(select(Village.radius_m)).one()


def test_a_village_without_radius_gets_the_policys_default(app: Flask, world, login) -> None:
    app.extensions["checkin_policy"] = build_policy({"default_fence_radius_m": "800"})
    client = login(app.test_client(), "admin")
    rows = changed("村", 1, RADIUS_COLUMN, None)
    response = upload_through_the_page(client, xlsx(rows), confirm=True)
    assert response.status_code == 200
    with app.app_context():
        radius = db.session().scalars(select(Village.radius_m)
                                      .where(Village.code == "340828101201")).one()
    assert radius == 800.0


def test_a_radius_in_the_file_wins_and_the_default_is_1500(app: Flask) -> None:
    run_import(app, xlsx(changed("村", 1, RADIUS_COLUMN, None)))
    assert _radius(app) == 1500.0
    run_import(app, xlsx(changed("村", 1, RADIUS_COLUMN, 900)))
    assert _radius(app) == 900.0
