"""Lists over a province's ids: an IN of Python ids binds one parameter, not one per id
(PostgreSQL refuses more than 65,535, SQLite more than 32,766; a province has 264,000
households, and its /coverage and /overdue answered 503)."""

from __future__ import annotations

from sqlalchemy import select

from checkin import db
from checkin.models import User
from checkin.platform.among import among
from checkin.services.visits import households

PROVINCE = 70_000  # more ids than either database takes as parameters


def test_last_dates_of_more_households_than_parameters(app, world, make_visit) -> None:
    visit = make_visit("cadre_a")
    with app.app_context():
        ids = [*range(10_000_000, 10_000_000 + PROVINCE), visit.household_id]
        dates = households.last_dates(db.session(), ids)
    assert dates[visit.household_id] == (visit.local_day, visit.local_day)
    assert len(dates) == 1


def test_among_takes_more_ids_than_parameters(app, world) -> None:
    with app.app_context():
        session = db.session()
        ids = [world["cadre_a"], *range(10_000_000, 10_000_000 + PROVINCE)]
        found = session.scalars(select(User.id).where(among(session, User.id, ids))).all()
    assert found == [world["cadre_a"]]
