"""Recall and rotation: the township asks, the county approves, the ledgers split the year.

Attack tests first: a back-dated last day that would hide absences, a township approving
its own request, a county supervisor approving what they asked, another township reaching
across, and changing a record once made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, Rotation, RotationDecision, User
from checkin.services.attendance import ledger
from checkin.settings import policy
from tests.conftest import _user, csrf_from

# 12:00 on 30 June 2026 in Shanghai; the world's teams serve 2026-01-01 .. 2027-12-31.
MIDYEAR = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


@pytest.fixture
def midyear(app: Flask) -> None:
    app.config["FIXED_NOW"] = MIDYEAR


@pytest.fixture
def newcomer(app: Flask, world) -> int:
    """A fresh cadre account of village A, with no team yet: the replacement."""
    with app.app_context():
        s = db.session()
        user = _user(s, "cadre_new", "NewcomerA", "cadre", village_id=world["va"])
        s.commit()
        return user.id


def _ask(client, world, who: str = "cadre_a2", **fields: str):
    path = f"/cadres/{world[who]}/rotation"
    data = {"csrf_token": csrf_from(client, path), "kind": "recall",
            "leaves_on": "2026-06-30", "reason": "庸懒散拖", **fields}
    return client.post(path, data=data)


def _decide(client, rotation_id: int, decision: str = "approve", note: str = ""):
    return client.post(f"/rotations/{rotation_id}/decision",
                       data={"csrf_token": csrf_from(client, "/rotations"),
                             "decision": decision, "note": note})


def _rotation(app: Flask) -> Rotation:
    with app.app_context():
        return db.session().scalars(select(Rotation)).one()


def _decisions(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(sa.func.count()).select_from(RotationDecision))


# Attacks ----------------------------------------------------------------------------------

def test_a_backdated_last_day_needs_a_reason_and_shows_what_it_hides(
        app: Flask, client, world, login, midyear, make_checkin) -> None:
    make_checkin("cadre_a2", day=date(2026, 6, 1))  # on post on 1 June, absent after
    client = login(app.test_client(), "sup_t1")
    client.set_cookie("lang", "en")
    response = _ask(client, world, leaves_on="2026-06-01")
    assert response.status_code == 422
    assert "backdate_reason is required." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(sa.func.count()).select_from(Rotation)) == 0
    assert _ask(client, world, leaves_on="2026-06-01",
                backdate_reason="病假后未返岗").status_code == 302
    row = _rotation(app)
    # The county sees it marked, with the passed days it takes out: 2 .. 29 June, absent.
    client = login(app.test_client(), "sup_county")
    html = client.get("/rotations?lang=en").get_data(as_text=True)
    assert "back-dated" in html and "takes out 28 passed day(s), 28 of them absent" in html
    assert 'value="approve"' in html
    assert _decide(client, row.id).status_code == 302
    with app.app_context():
        s = db.session()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "rotation.decide")
                          ).one()
        assert entry.detail["backdated_days"] == 28
        assert entry.detail["absences_taken_out"] == 28
    # The file keeps the year as it read without the rotation.
    html = client.get(f"/cadres/{world['cadre_a2']}?year=2026&lang=en").get_data(as_text=True)
    assert "Without the rotation" in html
    before = html[html.index("Without the rotation"):].split("</p>")[0]
    assert "1 counted of 200" in before and "179 absent" in before


def test_a_replacement_is_never_put_on_post_in_the_past(app: Flask, client, world, login,
                                                        midyear, newcomer) -> None:
    client = login(app.test_client(), "sup_t1")
    response = _ask(client, world, kind="rotation", replacement=str(newcomer),
                    starts_on="2026-06-01")
    assert response.status_code == 422
    with app.app_context():
        assert db.session().scalar(select(sa.func.count()).select_from(Rotation)) == 0


def test_the_township_cannot_approve(app: Flask, client, world, login, midyear) -> None:
    client = login(app.test_client(), "sup_t1")
    assert _ask(client, world).status_code == 302
    row = _rotation(app)
    assert 'value="approve"' not in client.get("/rotations").get_data(as_text=True)
    response = _decide(client, row.id)  # the form is not offered; posted anyway
    assert response.status_code == 302
    assert _decisions(app) == 0
    assert "召回和轮换由县级审批" in client.get("/rotations").get_data(as_text=True)
    with app.app_context():
        assert db.session().get(User, world["cadre_a2"]).term_end is None


def test_the_county_does_not_approve_its_own_request(app: Flask, client, world, login,
                                                     midyear) -> None:
    client = login(app.test_client(), "sup_county")
    assert _ask(client, world).status_code == 302
    _decide(client, _rotation(app).id)
    assert _decisions(app) == 0


def test_another_township_reaches_nothing(app: Flask, client, world, login, midyear) -> None:
    client = login(app.test_client(), "sup_t1")
    _ask(client, world)
    row = _rotation(app)
    client = login(app.test_client(), "sup_t2")
    assert client.get(f"/cadres/{world['cadre_a2']}/rotation").status_code == 404
    assert "CadreAMember" not in client.get("/rotations?all=1").get_data(as_text=True)
    assert _decide(client, row.id).status_code == 404
    assert _decisions(app) == 0


@pytest.mark.parametrize("who", ["cadre_a", "admin"])
def test_cadres_and_admins_get_404(app: Flask, client, world, login, who: str) -> None:
    client = login(app.test_client(), who)
    assert client.get("/rotations").status_code == 404
    assert client.get(f"/cadres/{world['cadre_a2']}/rotation").status_code == 404


def test_one_open_request_per_post(app: Flask, client, world, login, midyear) -> None:
    client = login(app.test_client(), "sup_t1")
    assert _ask(client, world).status_code == 302
    assert _ask(client, world).status_code == 422


def test_requests_and_decisions_are_insert_only(app: Flask, client, world, login,
                                                midyear) -> None:
    client = login(app.test_client(), "sup_t1")
    _ask(client, world)
    client = login(app.test_client(), "sup_county")
    _decide(client, _rotation(app).id)
    engine = app.extensions["checkin_engine"]
    for statement in ("UPDATE rotations SET leaves_on = '2026-01-01'",
                      "DELETE FROM rotations", "UPDATE rotation_decisions SET approved = false",
                      "DELETE FROM rotation_decisions"):
        with pytest.raises(sa.exc.DatabaseError, match="insert-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_a_refusal_says_why_and_changes_no_term(app: Flask, client, world, login,
                                                 midyear) -> None:
    client = login(app.test_client(), "sup_t1")
    _ask(client, world)
    client = login(app.test_client(), "sup_county")
    _decide(client, _rotation(app).id, "refuse")
    assert _decisions(app) == 0  # no note: refused
    _decide(client, _rotation(app).id, "refuse", "理由不足")
    assert _decisions(app) == 1
    with app.app_context():
        assert db.session().get(User, world["cadre_a2"]).term_end is None
    client = login(app.test_client(), "sup_t1")
    assert _ask(client, world).status_code == 302  # asked again after a refusal


# The year split -------------------------------------------------------------------------

def test_an_approved_rotation_splits_the_year(app: Flask, client, world, login, midyear,
                                              newcomer) -> None:
    client = login(app.test_client(), "sup_t1")
    response = _ask(client, world, kind="rotation", reason="身体原因",
                    replacement=str(newcomer), starts_on="2026-07-01")
    assert response.status_code == 302
    client = login(app.test_client(), "sup_county")
    html = client.get("/rotations").get_data(as_text=True)
    assert "NewcomerA" in html and "轮换" in html
    assert _decide(client, _rotation(app).id).status_code == 302
    with app.app_context():
        s = db.session()
        left, new = s.get(User, world["cadre_a2"]), s.get(User, newcomer)
        assert (left.term_end, new.term_start, new.team_id, new.village_id) == (
            date(2026, 6, 30), date(2026, 7, 1), world["team_a"], world["va"])
        rows = {r.user.id: r.ledger for r in ledger.ledgers(s, [left, new], 2026, policy())}
        # 1 Jan .. 30 Jun: 181 days -> 200 × 181 / 365 = 99.2 -> 100; the rest: 184 -> 101.
        assert rows[left.id].target_days == 100
        assert rows[new.id].target_days == 101
        assert rows[new.id].absent_days == 0  # nothing of the first half is owed
        reference = {r.user.id: r.ledger for r in ledger.reference_ledgers(
            s, [left, new], 2026, policy())}
        assert reference == rows
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"rotation.request", "rotation.decide", "user.term_end",
                "user.term_start"} <= actions
    # Both files show the term history; the one who left can no longer be asked to leave.
    html = client.get(f"/cadres/{newcomer}?year=2026&lang=en").get_data(as_text=True)
    assert "Term history" in html and "as the replacement of CadreAMember" in html
    html = client.get(f"/cadres/{world['cadre_a2']}/rotation?lang=en").get_data(as_text=True)
    assert "Approved" in html and "Send to the county" not in html
    grid = client.get(f"/cadres/{world['cadre_a2']}?year=2026&month=7").get_data(as_text=True)
    assert "cat-outside_term" in grid


def test_a_replacement_disabled_since_the_request_is_not_put_on_post(
        app: Flask, client, world, login, midyear, newcomer) -> None:
    client = login(app.test_client(), "sup_t1")
    _ask(client, world, kind="rotation", replacement=str(newcomer), starts_on="2026-07-01")
    with app.app_context():
        s = db.session()
        s.get(User, newcomer).active = False
        s.commit()
    client = login(app.test_client(), "sup_county")
    _decide(client, _rotation(app).id)
    assert _decisions(app) == 0
    with app.app_context():
        s = db.session()
        assert s.get(User, world["cadre_a2"]).term_end is None
        assert s.get(User, newcomer).team_id is None
