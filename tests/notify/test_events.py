"""The daily and weekly events: 销假 due then overdue, days without a counted check-in, the
weekly digest of newly overdue households; each notifies once however often its job runs."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Notification
from checkin.platform import clock
from checkin.services.notify import digests, events
from checkin.settings import policy


def _sent(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return sorted(db.session().execute(select(Notification.user_id, Notification.kind)))


def test_return_due_to_the_cadre_then_overdue_to_the_township(app: Flask, world,
                                                              make_leave) -> None:
    today = clock.today()
    make_leave("cadre_a", status="approved", start_date=today - timedelta(days=2),
               end_date=today - timedelta(days=1))
    make_leave("cadre_b", status="approved", start_date=today - timedelta(days=6),
               end_date=today - timedelta(days=4))
    make_leave("cadre_a2", status="approved", start_date=today, end_date=today)  # not yet
    make_leave("cadre_b2", status="closed", start_date=today - timedelta(days=9),
               end_date=today - timedelta(days=8))
    for _ in range(2):  # the job runs twice: nobody is told twice
        with app.app_context():
            session = db.session()
            events.leave_returns(session, today, policy())
            session.commit()
    assert _sent(app) == sorted([
        (world["cadre_a"], "leave.return_due"), (world["cadre_b"], "leave.return_due"),
        (world["sup_t2"], "leave.return_overdue")])


def test_days_without_a_counted_checkin_reach_the_township(app: Flask, world) -> None:
    today = clock.today()
    for _ in range(2):
        with app.app_context():
            session = db.session()
            events.silent_cadres(session, today, policy())
            session.commit()
    told = _sent(app)
    # The leaders checked in today (the world's records); their members never did.
    assert told == sorted([(world["sup_t1"], "attendance.silent"),
                           (world["sup_t2"], "attendance.silent")])
    with app.app_context():
        texts = {n.user_id: n.params["cadre"] for n in db.session().scalars(
            select(Notification))}
    assert texts[world["sup_t1"]] == "CadreAMember"
    assert texts[world["sup_t2"]] == "CadreBMember"  # county two has no supervisor to tell


def test_a_cadre_on_leave_is_not_silent(app: Flask, world, make_leave) -> None:
    today = clock.today()
    make_leave("cadre_a2", status="approved", start_date=today - timedelta(days=40),
               end_date=today - timedelta(days=1))
    with app.app_context():
        session = db.session()
        events.silent_cadres(session, today, policy())
        names = [n.params["cadre"] for n in session.scalars(select(Notification))]
    assert "CadreAMember" not in names


def test_newly_overdue_households_come_as_one_weekly_digest(app: Flask, world,
                                                            make_household,
                                                            make_visit) -> None:
    today = clock.today()
    for name in ("甲户", "乙户"):
        household = make_household("cadre_a", head_name=name)
        make_visit(household, day=today - timedelta(days=33))
    for _ in range(2):
        with app.app_context():
            session = db.session()
            digests.overdue_households(session, today, policy())
            session.commit()
    with app.app_context():
        rows = list(db.session().scalars(select(Notification)))
    assert [(n.user_id, n.kind, n.params["count"], n.params["names"]) for n in rows] == [
        (world["cadre_a"], "digest.overdue_households", 2, sorted(["甲户", "乙户"]))]
