"""The record factories of conftest.py do what their docstrings say: one line per record."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import AttendanceDay, Checkin, Household, Leave, Visit
from checkin.platform import clock


def test_a_checkin_marks_its_day_once(app: Flask, world, make_checkin) -> None:
    yesterday = clock.today() - timedelta(days=1)
    with app.app_context():
        first = make_checkin("cadre_a", day=yesterday)
        make_checkin(world["cadre_a"], day=yesterday, note="again")
        make_checkin("cadre_a2", day=yesterday, counts_for_day=False)
        s = db.session()
        days = s.scalars(select(AttendanceDay).where(AttendanceDay.day == yesterday)).all()
        assert [(d.user_id, d.first_checkin_id) for d in days] == [(world["cadre_a"], first.id)]
        assert (first.village_id, first.local_day, first.in_fence) == (world["va"], yesterday,
                                                                       True)


def test_a_visit_goes_to_the_household_given_or_the_cadres_first(app: Flask, world,
                                                                 make_visit,
                                                                 make_household) -> None:
    mine = make_visit("cadre_b")
    theirs = make_household("cadre_b2", code="HNEW")
    visit = make_visit(theirs, kind="contact")
    with app.app_context():  # made outside an app context: committed
        s = db.session()
        first = s.scalars(select(Household).where(Household.helper_id == world["cadre_b"])
                          .order_by(Household.id)).first()
        assert s.get(Visit, mine.id).household_id == first.id
        stored = s.get(Visit, visit.id)
        assert (stored.user_id, stored.household_id, stored.kind) == (world["cadre_b2"],
                                                                      theirs.id, "contact")
        assert (stored.lat, stored.village_id) == (theirs.lat, world["vb"])
        assert s.scalar(select(func.count()).select_from(Checkin)) == 3  # the world's only


def test_leave_is_decided_at_the_level_its_length_needs(app: Flask, make_leave) -> None:
    short = make_leave("cadre_a")
    with app.app_context():
        start = clock.today() + timedelta(days=10)
        long = make_leave("cadre_a", start_date=start, end_date=start + timedelta(days=9),
                          status="approved")
        db.session().commit()
        s = db.session()
        assert (s.get(Leave, short.id).approver_level, s.get(Leave, short.id).status) == (
            "township", "pending")
        assert (s.get(Leave, long.id).approver_level, long.status) == ("county", "approved")
