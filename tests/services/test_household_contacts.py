"""A household's last contact and last visit, kept by the database (household_contacts,
triggers on visits), are what its visits say: a correction counts instead of the visit it
supersedes, a contact is not a visit, an older record does not lower a date. Checked
against the query over every visit that the pages ran before."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, text

from checkin import db
from checkin.models import Household, Visit
from checkin.platform import clock
from checkin.services.visits import households


def reference(session: Any) -> dict[int, tuple[date | None, date | None]]:
    """The dates from the visits themselves, as households.last_dates computed them."""
    superseded = select(Visit.corrects_id).where(Visit.corrects_id.is_not(None))
    rows = session.execute(
        select(Visit.household_id, func.max(Visit.local_day),
               func.max(Visit.local_day).filter(Visit.kind == "visit"))
        .where(Visit.id.not_in(superseded)).group_by(Visit.household_id))
    return {hid: (contact, visit) for hid, contact, visit in rows}


def kept(session: Any) -> dict[int, tuple[date | None, date | None]]:
    ids = list(session.scalars(select(Household.id)))
    return households.last_dates(session, ids)


def test_each_kind_of_record_moves_the_dates_as_the_visits_say(app, world, make_visit,
                                                              make_household) -> None:
    today = clock.today()
    fresh = make_household("cadre_a", code="FRESH1")
    first = make_visit(fresh, day=today - timedelta(days=20))
    make_visit(fresh, day=today - timedelta(days=5), kind="contact")
    make_visit(fresh, day=today - timedelta(days=40))  # older: lowers nothing
    with app.app_context():
        session = db.session()
        dates = kept(session)[first.household_id]
        assert dates == (today - timedelta(days=5), today - timedelta(days=20))
    # A correction of the newest visit, to an earlier day: the corrected one stops counting.
    make_visit(fresh, day=today - timedelta(days=30), corrects_id=first.id)
    with app.app_context():
        session = db.session()
        assert kept(session)[first.household_id] == (today - timedelta(days=5),
                                                     today - timedelta(days=30))
        assert kept(session) == reference(session)


def test_a_correction_to_another_household_counts_both_again(app, world, make_visit,
                                                             make_household) -> None:
    """A visit recorded at the wrong household and corrected to the right one: the wrong
    household has no visit left, the right one has it."""
    today = clock.today()
    wrong_place = make_household("cadre_a", code="WRONG1")
    right_place = make_household("cadre_a", code="RIGHT1")
    wrong = make_visit(wrong_place, day=today - timedelta(days=3))
    with app.app_context():
        assert kept(db.session())[wrong_place.id] == (today - timedelta(days=3),) * 2
    make_visit(right_place, day=today - timedelta(days=3), corrects_id=wrong.id)
    with app.app_context():
        session = db.session()
        now = kept(session)
        assert now == reference(session)
        assert wrong_place.id not in now
        assert now[right_place.id] == (today - timedelta(days=3),) * 2


def test_a_random_history_agrees_with_the_visits(app, world, make_visit) -> None:
    rng = random.Random(14)
    today = clock.today()
    with app.app_context():
        ids = list(db.session().scalars(select(Household.id).where(
            Household.village_id.in_([world["va"], world["vb"]]))))
    made: list[Visit] = []
    for _ in range(60):
        with app.app_context():
            household = db.session().get(Household, rng.choice(ids))
        extra: dict[str, Any] = {"kind": rng.choice(("visit", "visit", "contact"))}
        if made and rng.random() < 0.25:
            extra["corrects_id"] = rng.choice(made).id
        made.append(make_visit(household, day=today - timedelta(days=rng.randrange(400)),
                               **extra))
    with app.app_context():
        session = db.session()
        assert kept(session) == reference(session)


def test_deleted_visits_are_counted_out(app, world, make_visit, make_household) -> None:
    """Visits are never deleted in service; a wipe of a test or scratch database is, and
    leaves no dates behind (SQLite only: PostgreSQL refuses every DELETE of a visit)."""
    if app.config["DATABASE_URL"].startswith("postgresql"):
        return
    fresh = make_household("cadre_a", code="GONE1")
    newest = make_visit(fresh, day=clock.today() - timedelta(days=2))
    older = make_visit(fresh, day=clock.today() - timedelta(days=9))
    with app.app_context():
        session = db.session()
        session.execute(text("INSERT INTO evidence_unlock (reason) VALUES ('wipe')"))
        session.execute(text("DELETE FROM visits WHERE id = :id"), {"id": newest.id})
        assert kept(session) == reference(session)
        assert kept(session)[fresh.id] == (clock.today() - timedelta(days=9),) * 2
        session.execute(text("DELETE FROM visits WHERE id = :id"), {"id": older.id})
        session.execute(text("DELETE FROM evidence_unlock"))
        assert fresh.id not in kept(session)
        assert kept(session) == reference(session)
        session.rollback()
