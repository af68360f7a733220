"""Responsible helpers who do not live in the village, and a household's change of helper:
no account and no ledger for them, the history goes with the household, and the new
helper's grace is given once per visit period.

Attack tests first: changing helpers back and forth to keep a household from falling
overdue, a helper of another village, and changing the history once made.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, HelperChange, Household, OutsideHelper, User
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.visits import households
from checkin.settings import policy
from tests.conftest import csrf_from

JUNE_1 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _household(app: Flask, code: str = "Ha0") -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def _post(client, path: str, page: str, **data: str):
    return client.post(path, data={"csrf_token": csrf_from(client, page), **data})


def _register(client, world, village: str = "va", **fields: str):
    page = f"/admin/villages/{world[village]}"
    values = {"name": "UnitHelperWang", "phone": "13900001111", "unit_name": "县财政局"}
    return _post(client, f"{page}/outside-helpers", page, **(values | fields))


def _outside(app: Flask, name: str = "UnitHelperWang") -> int:
    with app.app_context():
        return db.session().scalars(select(OutsideHelper.id).where(
            OutsideHelper.name == name)).one()


def _state(app: Flask, household_id: int) -> str:
    """Where the household stands on its cadence today, as every list shows it."""
    with app.app_context():
        rows = households.household_rows(db.session(), Scope(role="admin", user_id=None),
                                         clock.today(), policy())
        return next(r.due.state for r in rows if r.household.id == household_id)


def test_changing_helpers_back_and_forth_does_not_reset_the_deadline(
        app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    household_id = _household(app, "Ha1")  # the member's: not visited this year
    assert _state(app, household_id) == "overdue"
    client = login(app.test_client(), "admin")
    page = f"/admin/villages/{world['va']}"
    _post(client, f"/admin/households/{household_id}/helper", page,
          helper_id=str(world["cadre_a"]))
    assert _state(app, household_id) == "ok"  # the new helper has until 1 July
    app.config["FIXED_NOW"] = JUNE_1 + timedelta(days=40)
    assert _state(app, household_id) == "overdue"
    # Back to the first helper 40 days later: no new grace within two months.
    _post(client, f"/admin/households/{household_id}/helper", page,
          helper_id=str(world["cadre_a2"]))
    assert _state(app, household_id) == "overdue"
    with app.app_context():
        changes = db.session().scalars(select(HelperChange).where(
            HelperChange.household_id == household_id).order_by(HelperChange.id)).all()
        assert [c.grace_from for c in changes] == [JUNE_1.date(), JUNE_1.date()]


def test_a_helper_of_another_village_is_refused(app: Flask, client, world, login) -> None:
    client = login(app.test_client(), "admin")
    assert _register(client, world, "vb", name="HelperOfBeta").status_code == 303
    household_id = _household(app)
    page = f"/admin/villages/{world['va']}"
    _post(client, f"/admin/households/{household_id}/outside-helper", page,
          outside_helper_id=str(_outside(app, "HelperOfBeta")))
    with app.app_context():
        assert db.session().get(Household, household_id).outside_helper_id is None
        assert db.session().scalar(select(sa.func.count()).select_from(HelperChange)) == 0


def test_the_history_is_insert_only(app: Flask, client, world, login) -> None:
    client = login(app.test_client(), "admin")
    _register(client, world)
    household_id = _household(app)
    page = f"/admin/villages/{world['va']}"
    _post(client, f"/admin/households/{household_id}/outside-helper", page,
          outside_helper_id=str(_outside(app)))
    engine = app.extensions["checkin_engine"]
    for statement in ("UPDATE helper_changes SET grace_from = '2020-01-01'",
                      "DELETE FROM helper_changes"):
        with pytest.raises(sa.exc.DatabaseError, match="insert-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_an_outside_helper_has_no_account_and_the_household_keeps_its_cadre(
        app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = JUNE_1
    with app.app_context():
        people = db.session().scalar(select(sa.func.count()).select_from(User))
    client = login(app.test_client(), "admin")
    assert _register(client, world).status_code == 303
    assert _register(client, world, name="").status_code == 303  # refused: no name
    household_id = _household(app)
    page = f"/admin/villages/{world['va']}"
    assert _post(client, f"/admin/households/{household_id}/outside-helper", page,
                 outside_helper_id=str(_outside(app))).status_code == 303
    with app.app_context():
        s = db.session()
        assert s.scalar(select(sa.func.count()).select_from(User)) == people
        assert s.scalar(select(sa.func.count()).select_from(OutsideHelper)) == 1
        household = s.get(Household, household_id)
        assert (household.outside_helper_id, household.helper_id) == (
            _outside(app), world["cadre_a"])
        assert household.helper_grace_from == JUNE_1.date()
        actions = [a for a in s.scalars(select(AuditEntry.action))]
        assert "outside_helper.add" in actions and "household.outside_helper" in actions
    html = client.get(page + "?lang=en").get_data(as_text=True)
    assert "UnitHelperWang" in html and "县财政局" in html
    # Supervisors see who is responsible beside the resident cadre.
    supervisor = login(app.test_client(), "sup_t1")
    html = supervisor.get(f"/villages/{world['va']}?lang=en").get_data(as_text=True)
    assert "Responsible: UnitHelperWang (县财政局)" in html
    # Back to the resident cadre: recorded too.
    _post(client, f"/admin/households/{household_id}/outside-helper", page,
          outside_helper_id="")
    with app.app_context():
        s = db.session()
        assert s.get(Household, household_id).outside_helper_id is None
        assert s.scalar(select(sa.func.count()).select_from(HelperChange)) == 2
