"""The inbox: leave asked reaches the deciding level, the decision reaches the cadre, the
text is in the reader's language, only one's own is listed or marked read, the cursor is a
keyset, the badge counts, and supervision never reaches a cadre."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import Notification, User
from checkin.platform import clock
from checkin.services.notify.inbox import notify
from tests.api.test_spotchecks_api import _conforms, _response_schema


def _ask(client, headers, days: int = 1) -> str:
    start = date.today() + timedelta(days=5)
    response = client.post("/api/v1/leaves", headers=headers, json={
        "id": str(uuid.uuid4()), "kind": "personal", "reason": "家中有事",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=days - 1)).isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _inbox(client, headers, **args) -> dict:
    response = client.get("/api/v1/notifications", headers=headers, query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_leave_asked_reaches_the_township_and_the_decision_the_cadre(client, world,
                                                                     token_for) -> None:
    cadre, township = token_for("cadre_a"), token_for("sup_t1")
    other_township, county = token_for("sup_t2"), token_for("sup_county")
    leave_id = _ask(client, cadre)
    page = _inbox(client, township)
    assert [i["kind"] for i in page["items"]] == ["leave.asked"]
    item = page["items"][0]
    assert "CadreALeader" in item["text"] and "请假" in item["text"]
    assert item["read_at"] is None and item["link"] == "/attendance/leaves"
    assert _inbox(client, other_township)["items"] == []
    assert _inbox(client, county)["items"] == []  # a day's leave is the township's to decide
    english = _inbox(client, {**township, "Accept-Language": "en"})["items"][0]["text"]
    assert english.startswith("CadreALeader (VillageAlpha村) asks for 1 days of leave")

    decided = client.post(f"/api/v1/leaves/{leave_id}/decision", headers=township,
                          json={"approve": True})
    assert decided.status_code == 200
    mine = _inbox(client, cadre)["items"]
    assert [i["kind"] for i in mine] == ["leave.approved"]
    assert "已批准" in mine[0]["text"]


def test_long_leave_goes_to_the_county(client, world, token_for) -> None:
    _ask(client, token_for("cadre_a"), days=5)
    assert _inbox(client, token_for("sup_t1"))["items"] == []
    assert [i["kind"] for i in _inbox(client, token_for("sup_county"))["items"]] == [
        "leave.asked"]


def test_only_ones_own_is_read(client, world, token_for) -> None:
    _ask(client, token_for("cadre_a"))
    township = token_for("sup_t1")
    item = _inbox(client, township)["items"][0]
    for stranger in ("sup_t2", "cadre_a", "admin"):
        answer = client.post(f"/api/v1/notifications/{item['id']}/read",
                             headers=token_for(stranger))
        assert answer.status_code == 404, stranger
    assert _inbox(client, township, unread="1")["items"] != []
    answer = client.post(f"/api/v1/notifications/{item['id']}/read", headers=township)
    assert answer.status_code == 200 and answer.get_json()["read_at"] is not None
    assert _inbox(client, township, unread="1")["items"] == []
    assert [i["id"] for i in _inbox(client, township, unread="0")["items"]] == [item["id"]]


def test_the_cursor_is_a_keyset(app: Flask, client, world, token_for) -> None:
    with app.app_context():
        session = db.session()
        sup = session.get(User, world["sup_t1"])
        for n in range(5):
            notify(session, [sup], "leave.asked", f"test:{n}", {
                "cadre": f"C{n}", "village": "V", "days": 1, "start": "2026-12-01",
                "end": "2026-12-01"})
        session.commit()
    township = token_for("sup_t1")
    first = _inbox(client, township, limit=2)
    assert [i["text"][:2] for i in first["items"]] == ["C4", "C3"]
    with app.app_context():  # a newer one arrives between pages: it does not shift them
        session = db.session()
        notify(session, [session.get(User, world["sup_t1"])], "leave.asked", "test:new",
               {"cadre": "CN", "village": "V", "days": 1, "start": "x", "end": "y"})
        session.commit()
    second = _inbox(client, township, limit=2, cursor=first["next_cursor"])
    third = _inbox(client, township, limit=2, cursor=second["next_cursor"])
    assert [i["text"][:2] for i in second["items"] + third["items"]] == ["C2", "C1", "C0"]
    assert third["next_cursor"] is None
    assert client.get("/api/v1/notifications?limit=0", headers=township).status_code == 400


def test_answers_match_the_document(client, world, token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    _ask(client, token_for("cadre_a"))
    township = token_for("sup_t1")
    listed = client.get("/api/v1/notifications?unread=1", headers=township)
    _conforms(listed.get_json(), _response_schema(doc, "/notifications", "get", 200), doc,
              "GET /notifications")
    item = listed.get_json()["items"][0]
    read = client.post(f"/api/v1/notifications/{item['id']}/read", headers=township)
    _conforms(read.get_json(), _response_schema(doc, "/notifications/{notification_id}/read",
                                                "post", 200), doc, "POST read")
    missing = client.post("/api/v1/notifications/999999/read", headers=township)
    assert missing.status_code == 404


def test_the_badge_counts_unread_for_every_role(app: Flask, client, world, login,
                                                token_for) -> None:
    _ask(client, token_for("cadre_a"))
    page = login(app.test_client(), "sup_t1").get("/").get_data(as_text=True)
    assert 'id="unread-count">1<' in page
    for who in ("cadre_a", "admin"):
        page = login(app.test_client(), who).get("/").get_data(as_text=True)
        assert 'class="inbox-badge"' in page and 'id="unread-count"' not in page
    browser = login(app.test_client(), "sup_t1")
    listing = browser.get("/inbox").get_data(as_text=True)
    assert "CadreALeader" in listing and "请假" in listing


def test_supervision_never_reaches_a_cadre(app: Flask, world) -> None:
    with app.app_context():
        session = db.session()
        cadre = session.get(User, world["cadre_a"])
        sup = session.get(User, world["sup_t1"])
        for kind in ("spotcheck.finding", "spotcheck.drawn", "leave.asked",
                     "attendance.silent"):
            assert notify(session, [cadre], kind, f"k:{kind}", {}) == []
        assert len(notify(session, [cadre, sup], "spotcheck.finding", "k:both", {})) == 1
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == cadre.id)) == 0


def test_one_event_notifies_each_person_once(app: Flask, world) -> None:
    with app.app_context():
        session = db.session()
        sup = session.get(User, world["sup_t1"])
        params = {"cadre": "C", "village": "V", "days": 1, "start": "a", "end": "b"}
        assert len(notify(session, [sup], "leave.asked", "once", params)) == 1
        assert notify(session, [sup], "leave.asked", "once", params) == []
        session.commit()
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
        assert clock.now() is not None
