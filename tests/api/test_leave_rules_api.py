"""Leave rules with time in them (issue 12, case 3), tried as a cadre and a township would:
same-day leave only for the kinds the policy allows, flagged; approval after the start is
事后补批, marked and shown, and excuses no finding recorded before it; a pending request
can be withdrawn; 销假 is not dated in the future or before the start, and a late one is
marked; a check-in during approved leave is flagged and the answer offers 销假; a second
decision answers 409 naming who decided and when."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry
from tests.conftest import csrf_from

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday
TODAY = date(2026, 6, 15)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def ask(client, headers, kind: str = "personal", start: date = TODAY + timedelta(days=1),
        days: int = 1) -> Any:
    return client.post("/api/v1/leaves", headers=headers, json={
        "id": str(uuid.uuid4()), "kind": kind, "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=days - 1)).isoformat(), "reason": "事"})


@pytest.mark.parametrize(("kind", "status", "same_day"), [
    ("personal", 422, None), ("official", 422, None), ("training", 422, None),
    ("sick", 201, True), ("urgent", 201, True)])
def test_same_day_leave_only_for_sick_and_urgent_and_flagged(fixed, client, world, token_for,
                                                             kind, status, same_day) -> None:
    answer = ask(client, token_for("cadre_a"), kind, start=TODAY)
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert answer.get_json()["error"]["code"] == "leave_same_day_kind"
        assert "2026-06-16" in answer.get_json()["error"]["message"]
        return
    assert answer.get_json()["same_day"] is same_day


def test_leave_asked_beforehand_is_not_same_day(fixed, client, world, token_for) -> None:
    assert ask(client, token_for("cadre_a")).get_json()["same_day"] is False


def test_the_policy_decides_the_same_day_kinds(fixed, client, world, token_for) -> None:
    import dataclasses

    fixed.extensions["checkin_policy"] = dataclasses.replace(
        fixed.extensions["checkin_policy"], same_day_leave_kinds=("sick", "urgent", "personal"))
    assert ask(client, token_for("cadre_a"), "personal", start=TODAY).status_code == 201


def test_approval_after_the_start_is_marked_and_excuses_no_earlier_finding(
        fixed, client, world, token_for, make_leave, login) -> None:
    pending = make_leave("cadre_a", start_date=TODAY - timedelta(days=20),
                         end_date=TODAY - timedelta(days=18), kind="personal")
    township = token_for("sup_t1")
    decided = client.post(f"/api/v1/leaves/{pending.id}/decision", json={"approve": True},
                          headers=township)
    assert decided.status_code == 200
    assert decided.get_json()["approved_after_start"] is True
    listed = client.get("/api/v1/leaves?status=approved", headers=township).get_json()
    assert [i["approved_after_start"] for i in listed["items"] if i["id"] == pending.id] == [
        True]
    inbox = login(fixed.test_client(), "sup_t1")
    inbox.set_cookie("lang", "en")
    html = inbox.get("/attendance/leaves").get_data(as_text=True)
    assert "事后补批" in html and "CadreALeader" in html


def test_leave_approved_after_a_finding_excuses_nothing(fixed, client, world, token_for,
                                                        make_leave) -> None:
    leave = make_leave("cadre_a", start_date=TODAY - timedelta(days=1), end_date=TODAY,
                       kind="sick")
    county = token_for("sup_county")
    found = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                        json={"method": "phone", "outcome": "not_confirmed"}, headers=county)
    assert found.get_json()["result"]["verdict"] == "fail"
    fixed.config["FIXED_NOW"] = NOW + timedelta(hours=2)
    decided = client.post(f"/api/v1/leaves/{leave.id}/decision", json={"approve": True},
                          headers=token_for("sup_t1")).get_json()
    assert decided["approved_after_start"] is True
    items = client.get("/api/v1/spotchecks?status=done", headers=county).get_json()["items"]
    [item] = [i for i in items if i["id"] == world["presence_a"]]
    assert item["result"]["verdict"] == "fail" and item["result"]["standing_verdict"] == "fail"


def test_a_second_decision_is_a_conflict_that_names_who_decided_and_when(
        fixed, client, world, token_for) -> None:
    body = ask(client, token_for("cadre_a")).get_json()
    path = f"/api/v1/leaves/{body['id']}/decision"
    assert client.post(path, json={"approve": True},
                       headers=token_for("sup_t1")).status_code == 200
    again = client.post(path, json={"approve": False}, headers=token_for("sup_county"))
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "leave_already_decided"
    assert "SupTownOne" in error["message"] and "2026-06-15 10:00" in error["message"]


def test_a_cadre_withdraws_a_pending_request(fixed, client, world, token_for) -> None:
    cadre = token_for("cadre_a")
    body = ask(client, cadre, days=2).get_json()
    path = f"/api/v1/leaves/{body['id']}/withdraw"
    assert client.post(path, headers=token_for("cadre_a2")).status_code == 404
    withdrawn = client.post(path, headers=cadre)
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert withdrawn.get_json()["withdrawn_at"] is not None
    assert client.post(path, headers=cadre).status_code == 409
    decided = client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": True},
                          headers=token_for("sup_t1"))
    assert decided.status_code == 409
    assert "CadreALeader" in decided.get_json()["error"]["message"]
    assert ask(client, cadre, days=2).status_code == 201  # the days are free again
    with fixed.app_context():
        actions = db.session().scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "leave", AuditEntry.entity_id == body["id"])).all()
    assert actions == ["leave.request", "leave.withdrawn"]


def test_a_decided_request_cannot_be_withdrawn(fixed, client, world, token_for) -> None:
    body = ask(client, token_for("cadre_a")).get_json()
    rejected = client.post(f"/api/v1/leaves/{body['id']}/decision",
                           json={"approve": False, "comment": "人手不足"},
                           headers=token_for("sup_t1"))
    assert rejected.status_code == 200, rejected.get_json()
    refused = client.post(f"/api/v1/leaves/{body['id']}/withdraw", headers=token_for("cadre_a"))
    assert refused.status_code == 409
    assert "SupTownOne" in refused.get_json()["error"]["message"]


def test_withdrawing_from_the_page(fixed, world, login) -> None:
    browser = login(fixed.test_client(), "cadre_a")
    token = csrf_from(browser, "/my/leaves")
    browser.post("/my/leaves", data={"csrf_token": token, "kind": "personal",
                                     "start": "2026-06-20", "end": "2026-06-21",
                                     "reason": "WithdrawMe"})
    html = browser.get("/my/leaves").get_data(as_text=True)
    leave_id = html.split('id="leave-', 1)[1].split('"', 1)[0]
    sent = browser.post(f"/my/leaves/{leave_id}/withdraw", data={"csrf_token": token})
    assert sent.status_code == 302
    with fixed.app_context():
        from checkin.models import Leave
        assert db.session().get(Leave, leave_id).status == "withdrawn"


@pytest.mark.parametrize(("back_on", "status", "backdated"), [
    (TODAY + timedelta(days=1), 422, None),  # in the future
    (TODAY - timedelta(days=11), 422, None),  # before the leave began
    (TODAY, 200, False),
    (TODAY - timedelta(days=1), 200, False),  # within the tolerance (a day)
    (TODAY - timedelta(days=6), 200, True),  # declared long after: marked
])
def test_a_return_is_dated_truly_and_a_late_one_is_marked(
        fixed, client, world, token_for, make_leave, back_on, status, backdated) -> None:
    leave = make_leave("cadre_a", start_date=TODAY - timedelta(days=10),
                       end_date=TODAY - timedelta(days=2), status="approved",
                       decided_at=NOW - timedelta(days=12))
    answer = client.post(f"/api/v1/leaves/{leave.id}/return",
                         json={"date": back_on.isoformat()}, headers=token_for("cadre_a"))
    assert answer.status_code == status, answer.get_json()
    if status == 200:
        assert answer.get_json()["return_backdated"] is backdated


def test_a_checkin_during_approved_leave_is_flagged_and_offers_to_close_it(
        fixed, client, world, token_for, make_leave) -> None:
    leave = make_leave("cadre_a", start_date=TODAY - timedelta(days=1),
                       end_date=TODAY + timedelta(days=2), status="approved",
                       decided_at=NOW - timedelta(days=3))
    cadre = token_for("cadre_a")
    body = {"id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
            "recorded_at": (NOW - timedelta(minutes=1)).isoformat()}
    answer = client.post("/api/v1/checkins", json=body, headers=cadre)
    assert answer.status_code == 201, answer.get_json()
    got = answer.get_json()
    assert "during_leave" in got["flags"]
    assert got["offer_return"] == {"leave_id": leave.id,
                                   "start_date": leave.start_date.isoformat(),
                                   "end_date": leave.end_date.isoformat()}
    assert any(r["code"] == "during_leave" and "销假" in r["message"] for r in got["reasons"])
    replay = client.post("/api/v1/checkins", json=body, headers=cadre)
    assert replay.status_code == 200 and replay.get_json()["offer_return"] is not None
    closed = client.post(f"/api/v1/leaves/{leave.id}/return",
                         json={"date": TODAY.isoformat()}, headers=cadre)
    assert closed.status_code == 200
    later = client.post("/api/v1/checkins", headers=cadre, json={
        **body, "id": str(uuid.uuid4())}).get_json()
    assert "during_leave" not in later["flags"] and later["offer_return"] is None


def test_a_checkin_without_leave_offers_nothing(fixed, client, world, token_for) -> None:
    answer = client.post("/api/v1/checkins", headers=token_for("cadre_a"), json={
        "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
        "recorded_at": (NOW - timedelta(minutes=1)).isoformat()}).get_json()
    assert "during_leave" not in answer["flags"] and answer["offer_return"] is None


def test_the_new_leave_answers_match_the_document(fixed, client, world, token_for,
                                                  make_leave) -> None:
    from tests.api.test_spotchecks_api import _conforms, _response_schema

    doc = client.get("/api/v1/openapi.json").get_json()
    cadre = token_for("cadre_a")
    body = ask(client, cadre, "sick", start=TODAY).get_json()
    withdrawn = client.post(f"/api/v1/leaves/{body['id']}/withdraw", headers=cadre)
    _conforms(withdrawn.get_json(), _response_schema(doc, "/leaves/{leave_id}/withdraw",
                                                     "post", 200), doc, "withdraw")
    twice = client.post(f"/api/v1/leaves/{body['id']}/withdraw", headers=cadre)
    _conforms(twice.get_json(), _response_schema(doc, "/leaves/{leave_id}/withdraw", "post",
                                                 409), doc, "withdraw 409")
    decided = client.post(f"/api/v1/leaves/{body['id']}/decision", json={"approve": True},
                          headers=token_for("sup_t1"))
    _conforms(decided.get_json(), _response_schema(doc, "/leaves/{leave_id}/decision", "post",
                                                   409), doc, "decision 409")
    make_leave("cadre_a", start_date=TODAY, end_date=TODAY + timedelta(days=1),
               kind="urgent", status="approved", decided_at=NOW - timedelta(hours=1))
    checkin = client.post("/api/v1/checkins", headers=cadre, json={
        "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
        "recorded_at": (NOW - timedelta(minutes=1)).isoformat()})
    assert checkin.get_json()["offer_return"] is not None
    _conforms(checkin.get_json(), _response_schema(doc, "/checkins", "post", 201), doc,
              "check-in during leave")
    listed = client.get("/api/v1/leaves", headers=cadre)
    _conforms(listed.get_json(), _response_schema(doc, "/leaves", "get", 200), doc, "list")
