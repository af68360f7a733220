"""A household moves to another village (易地扶贫搬迁, issue #19): a supervisor who holds
both villages (or an admin) moves it with a new helper, the day and a reason. The visits
stay as they were, the history goes with the household, the new helper starts with the
grace, and the old township no longer sees it.

Attack tests first: a township moving a household out of its township, bad input of each
kind (nothing may be stored), and changing the move once made.
"""

from __future__ import annotations

import html as markup
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import (
    AuditEntry,
    HelperChange,
    Household,
    HouseholdMove,
    OutsideHelper,
    User,
    Visit,
)
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.visits import households
from checkin.settings import policy
from tests.conftest import csrf_from, new_visit

JUNE_1 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
REASON = "ReasonMove易地扶贫搬迁"


def _household(app: Flask, code: str = "Ha1") -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def _old_visit(app: Flask, household_id: int) -> dict[str, Any]:
    """A visit in village A on 1 March: by June the household is overdue."""
    with app.app_context():
        s = db.session()
        visit = new_visit(s, s.get(Household, household_id), day=date(2026, 3, 1))
        s.commit()
        return _columns(visit)


def _columns(visit: Visit) -> dict[str, Any]:
    return {c.key: getattr(visit, c.key) for c in sa.inspect(Visit).mapper.column_attrs}


def _move(client, household_id: int, **fields: str):
    page = f"/households/{household_id}"
    data = {"to_village_id": "", "helper_id": "", "outside_helper_id": "",
            "moved_on": "2026-06-01", "reason": REASON} | fields
    return client.post(f"{page}/move", data={"csrf_token": csrf_from(client, page), **data})


def _row(app: Flask, household_id: int) -> households.HouseholdRow:
    with app.app_context():
        rows = households.household_rows(db.session(), Scope(role="admin", user_id=None),
                                         clock.today(), policy())
        return next(r for r in rows if r.household.id == household_id)


def _stored(app: Flask, household_id: int) -> tuple[Any, ...]:
    """What a refused move must leave exactly as it was."""
    with app.app_context():
        s = db.session()
        h = s.get(Household, household_id)
        count = sa.func.count()
        return ((h.village_id, h.helper_id, h.outside_helper_id, h.helper_grace_from, h.lat,
                 h.lon),
                s.scalar(select(count).select_from(HouseholdMove)),
                s.scalar(select(count).select_from(HelperChange)),
                s.scalar(select(count).select_from(AuditEntry).where(
                    AuditEntry.action.like("household.%"))))


def test_a_county_supervisor_moves_a_household_and_its_history_goes_with_it(
        app: Flask, world, login) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)  # HeadA1, helped by CadreAMember
    before = _old_visit(app, household_id)
    assert _row(app, household_id).due.state == "overdue"
    with app.app_context():
        h = db.session().get(Household, household_id)
        old_position = (h.lat, h.lon)
    county = login(app.test_client(), "sup_county")
    county.set_cookie("lang", "en")
    form = county.get(f"/households/{household_id}?to=34080201").get_data(as_text=True)
    assert "CadreBLeader" in form and "CadreAMember" in form  # the new choices, the old helper
    response = _move(county, household_id, to_village_id=str(world["vb"]),
                     helper_id=str(world["cadre_b"]), address="安置点3号楼")
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        s = db.session()
        h = s.get(Household, household_id)
        assert (h.village_id, h.helper_id, h.outside_helper_id) == (
            world["vb"], world["cadre_b"], None)
        assert h.helper_grace_from == date(2026, 6, 1)
        assert (h.lat, h.lon) == (None, None)  # the position was in the old village
        move = s.scalars(select(HouseholdMove)).one()
        assert (move.household_id, move.from_village_id, move.to_village_id) == (
            household_id, world["va"], world["vb"])
        assert (move.from_helper_id, move.to_helper_id) == (world["cadre_a2"], world["cadre_b"])
        assert (move.moved_on, move.reason, move.moved_by_id) == (
            date(2026, 6, 1), REASON, world["sup_county"])
        assert (move.from_lat, move.from_lon, move.from_address) == (*old_position, "AddrA1")
        assert h.address == "安置点3号楼"
        change = s.scalars(select(HelperChange)).one()
        assert (change.from_helper_id, change.to_helper_id, change.grace_from) == (
            world["cadre_a2"], world["cadre_b"], date(2026, 6, 1))
        # The old visit is exactly as it was: in village A, by the old helper.
        visit = s.get(Visit, before["id"])
        assert _columns(visit) == before and visit.village_id == world["va"]
        entries = {a.action: a for a in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "household", AuditEntry.entity_id == str(household_id)))}
        assert {"household.move", "household.helper"} <= set(entries)
        assert entries["household.move"].actor_id == world["sup_county"]
        assert entries["household.move"].detail["move_id"] == move.id
    # The cadence carries over; the new helper is not overdue on day one.
    row = _row(app, household_id)
    assert row.last_visit == date(2026, 3, 1)
    assert row.due.state == "ok"
    assert row.due.contact_deadline == date(2026, 7, 1)
    # The household's page tells the move in its history, and keeps the old visit.
    html = county.get(f"/households/{household_id}").get_data(as_text=True)
    assert ("Moved from VillageAlpha村 to VillageBeta村 on 2026-06-01 by SupCountyOne: "
            + REASON) in html
    assert "2026-03-01" in html
    # The new township sees the household; the old one no longer does.
    assert login(app.test_client(), "sup_t2").get(
        f"/households/{household_id}").status_code == 200
    old = login(app.test_client(), "sup_t1")
    assert old.get(f"/households/{household_id}").status_code == 404
    assert "HeadA1" not in old.get("/households").get_data(as_text=True)


def test_a_township_supervisor_cannot_move_a_household_to_another_township(
        app: Flask, world, login) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)
    stored = _stored(app, household_id)
    township = login(app.test_client(), "sup_t1")
    township.set_cookie("lang", "en")
    assert "VillageBeta" not in township.get(
        f"/households/{household_id}?to=34080201").get_data(as_text=True)
    response = _move(township, household_id, to_village_id=str(world["vb"]),
                     helper_id=str(world["cadre_b"]))
    assert response.status_code == 422
    assert "not in your jurisdiction" in markup.unescape(response.get_data(as_text=True))
    assert _stored(app, household_id) == stored
    # Nor can the other township take it.
    other = login(app.test_client(), "sup_t2")
    assert _move(other, household_id, to_village_id=str(world["vb"]),
                 helper_id=str(world["cadre_b"])).status_code == 404
    assert _stored(app, household_id) == stored


@pytest.mark.parametrize(("fields", "words"), [
    ({"moved_on": "2026-06-02"}, "in the future"),
    ({"moved_on": "2026-02-28"}, "before the household's last"),
    ({"moved_on": "1 June"}, "must be a date"),
    ({"moved_on": ""}, "day of the move"),
    ({"reason": "  "}, "reason"),
    ({"helper_id": "cadre_a"}, "active cadre of VillageBeta村"),
    ({"helper_id": "sup_t2"}, "active cadre of VillageBeta村"),
    ({"to_village_id": "va"}, "already in"),
    ({"to_village_id": "vc"}, "not in your jurisdiction"),
    ({"to_village_id": "999999"}, "not in your jurisdiction"),
    ({"outside_helper_id": "alpha"}, "registered for another village"),
    ({"address": "x" * 201}, "new address has at most 200"),
])
def test_bad_input_gives_a_clear_message_and_nothing_is_stored(
        app: Flask, world, login, fields: dict[str, str], words: str) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)
    _old_visit(app, household_id)
    with app.app_context():
        s = db.session()
        s.add(OutsideHelper(village_id=world["va"], name="HelperOfAlpha", unit_name="县局"))
        s.commit()
        alpha = s.scalars(select(OutsideHelper.id)).one()
    values = {"to_village_id": str(world["vb"]), "helper_id": str(world["cadre_b"])}
    for key, value in fields.items():
        values[key] = {"cadre_a": str(world["cadre_a"]), "sup_t2": str(world["sup_t2"]),
                       "va": str(world["va"]), "vc": str(world["vc"]),
                       "alpha": str(alpha)}.get(value, value)
    stored = _stored(app, household_id)
    county = login(app.test_client(), "sup_county")
    county.set_cookie("lang", "en")
    response = _move(county, household_id, **values)
    assert response.status_code == 422
    assert words in markup.unescape(response.get_data(as_text=True))
    assert _stored(app, household_id) == stored


def test_an_outside_helper_of_the_new_village_and_the_old_one_left_behind(
        app: Flask, world, login) -> None:
    """The old responsible helper is registered for the old village: the move leaves them
    behind unless one of the new village is chosen; an admin may move anywhere."""
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)
    with app.app_context():
        s = db.session()
        alpha = OutsideHelper(village_id=world["va"], name="HelperOfAlpha", unit_name="县局")
        gamma = OutsideHelper(village_id=world["vc"], name="HelperOfGamma", unit_name="县局")
        s.add_all([alpha, gamma])
        s.flush()
        s.get(Household, household_id).outside_helper_id = alpha.id
        s.commit()
        gamma_id = gamma.id
    admin = login(app.test_client(), "admin")
    assert _move(admin, household_id, to_village_id=str(world["vc"]),
                 helper_id=str(world["cadre_c"]),
                 outside_helper_id=str(gamma_id)).status_code == 303
    with app.app_context():
        s = db.session()
        h = s.get(Household, household_id)
        assert (h.village_id, h.helper_id, h.outside_helper_id) == (
            world["vc"], world["cadre_c"], gamma_id)
        move = s.scalars(select(HouseholdMove)).one()
        assert (move.from_outside_id, move.to_outside_id) == (alpha.id, gamma_id)
        # One helper change for the move: the resident cadre and the outside helper together.
        change = s.scalars(select(HelperChange)).one()
        assert (change.from_helper_id, change.to_helper_id) == (
            world["cadre_a2"], world["cadre_c"])
        assert (change.from_outside_id, change.to_outside_id) == (alpha.id, gamma_id)
    # Back to village A, without an outside helper: the one of Gamma is left behind.
    assert _move(admin, household_id, to_village_id=str(world["va"]),
                 helper_id=str(world["cadre_a"])).status_code == 303
    with app.app_context():
        h = db.session().get(Household, household_id)
        assert (h.village_id, h.outside_helper_id) == (world["va"], None)
        assert db.session().scalar(select(sa.func.count()).select_from(HelperChange)) == 2


def test_the_move_is_insert_only_and_cadres_cannot_move(app: Flask, world, login) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)
    cadre = login(app.test_client(), "cadre_a")
    assert cadre.get(f"/households/{household_id}").status_code == 404
    county = login(app.test_client(), "sup_county")
    assert _move(county, household_id, to_village_id=str(world["vb"]),
                 helper_id=str(world["cadre_b"])).status_code == 303
    engine = app.extensions["checkin_engine"]
    for statement in ("UPDATE household_moves SET reason = 'x'", "DELETE FROM household_moves"):
        with pytest.raises(sa.exc.DatabaseError, match="insert-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_the_old_visits_stay_in_the_old_village_without_showing_the_new_one(
        app: Flask, world, login) -> None:
    """The old township still sees the visits made in its village, with its own village's
    fence and name; nothing of the new village (its name, the new position) shows there."""
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app)
    before = _old_visit(app, household_id)
    county = login(app.test_client(), "sup_county")
    assert _move(county, household_id, to_village_id=str(world["vb"]),
                 helper_id=str(world["cadre_b"])).status_code == 303
    old = login(app.test_client(), "sup_t1")
    page = old.get(f"/visits/{before['id']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "VillageAlpha" in body and "VillageBeta" not in body
    table = old.get("/visits.csv?from=2026-03-01&to=2026-03-01").get_data(as_text=True)
    assert "HeadA1" in table and "VillageAlpha" in table and "VillageBeta" not in table


def _offline_contact(app: Flask, username: str, household_id: int, at: datetime) -> Any:
    """A contact made on the phone at `at` and sent now (the outbox, offline)."""
    import uuid

    from checkin.services.visits import recording

    with app.app_context():
        s = db.session()
        user = s.scalars(select(User).where(User.username == username)).one()
        visit = recording.record_visit(s, user, recording.VisitInput(
            id=str(uuid.uuid4()), household_id=household_id, kind="contact",
            purposes=("care",), note="", lat=None, lon=None, accuracy_m=None,
            recorded_at=at, queued=True, digest="d" * 64), [], policy())
        s.commit()
        return (visit.village_id, visit.local_day)


def test_a_visit_made_before_the_move_and_sent_after_it_counts_in_the_old_village(
        app: Flask, world, login) -> None:
    """The old helper's phone was offline: what it made on or before the day of the move is
    kept, in the old village; after that day the household is no longer theirs."""
    from checkin.domain.refusal import Refusal

    app.config["FIXED_NOW"] = JUNE_1 + timedelta(days=2)
    household_id = _household(app)
    county = login(app.test_client(), "sup_county")
    assert _move(county, household_id, to_village_id=str(world["vb"]),
                 helper_id=str(world["cadre_b"]), moved_on="2026-06-01").status_code == 303
    assert _offline_contact(app, "cadre_a2", household_id, JUNE_1 - timedelta(hours=1)) == (
        world["va"], date(2026, 6, 1))
    with pytest.raises(Refusal) as caught:
        _offline_contact(app, "cadre_a2", household_id, JUNE_1 + timedelta(days=1))
    assert caught.value.code == "no_such_household"
    # The new helper's contacts are in the new village.
    assert _offline_contact(app, "cadre_b", household_id, JUNE_1 + timedelta(days=1)) == (
        world["vb"], date(2026, 6, 2))
