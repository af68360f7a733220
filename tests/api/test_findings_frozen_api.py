"""Findings frozen when recorded (issue 12, case 2), tried as the cadre and the township
would: a presence check finds the cadre absent, then leave is asked and approved for that
day. The finding must stand (verdict, yellow card); the only way to excuse it is an appeal
the county decides, shown beside the original, which stays as it was."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry
from tests.concurrency import together
from tests.spotcheck_helpers import MONTH, NOW, TODAY

MONTH_OVER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 on 1 December in Shanghai


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def result_of(client, headers, item_id: int) -> dict[str, Any]:
    items = client.get("/api/v1/spotchecks?status=done&limit=500", headers=headers)
    assert items.status_code == 200
    found = [i for i in items.get_json()["items"] if i["id"] == item_id]
    assert found, item_id
    return found[0]["result"]


def award_of(client, headers, area_id: int, team_id: int) -> str | None:
    """The team's award in MONTH's bulletin, read once the month is over (an unfinished
    month is provisional and shows no award)."""
    app = client.application
    was = app.config.get("FIXED_NOW")
    app.config["FIXED_NOW"] = MONTH_OVER
    try:
        body = client.get(f"/api/v1/bulletins/{MONTH}?area_id={area_id}", headers=headers)
    finally:
        app.config["FIXED_NOW"] = was
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["provisional"] is False
    return {r["team_id"]: r for r in body.get_json()["rows"]}[team_id]["award"]


def absent_then_on_leave(app: Flask, client, world, token_for) -> int:
    """The county finds cadre B absent; an hour later cadre B asks same-day sick leave and
    the township approves it. Answers the result's id."""
    county = token_for("sup_county")
    answer = client.post(f"/api/v1/spotchecks/{world['presence_b']}/result",
                         json={"method": "phone", "outcome": "not_confirmed"}, headers=county)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["result"]["verdict"] == "fail"
    app.config["FIXED_NOW"] = NOW + timedelta(hours=1)
    asked = client.post("/api/v1/leaves", json={
        "id": str(uuid.uuid4()), "kind": "sick", "start_date": TODAY.isoformat(),
        "end_date": TODAY.isoformat(), "reason": "发烧"}, headers=token_for("cadre_b"))
    assert asked.status_code == 201, asked.get_json()
    decided = client.post(f"/api/v1/leaves/{asked.get_json()['id']}/decision",
                          json={"approve": True}, headers=token_for("sup_t2"))
    assert decided.status_code == 200, decided.get_json()
    return answer.get_json()["result"]["id"]


def test_leave_approved_after_a_finding_does_not_erase_it(wednesday, client, world,
                                                          token_for) -> None:
    absent_then_on_leave(wednesday, client, world, token_for)
    county = token_for("sup_county")
    result = result_of(client, county, world["presence_b"])
    assert result["verdict"] == "fail"
    assert result["standing_verdict"] == "fail" and result["appeal"] is None
    assert award_of(client, county, world["county"], world["team_b"]) == "yellow_card"


def test_leave_approved_before_the_check_excuses_it(wednesday, client, world, token_for,
                                                    make_leave) -> None:
    make_leave("cadre_b", start_date=TODAY, end_date=TODAY, status="approved",
               decided_at=NOW - timedelta(hours=1))
    answer = client.post(f"/api/v1/spotchecks/{world['presence_b']}/result",
                         json={"method": "phone", "outcome": "not_confirmed"},
                         headers=token_for("sup_county"))
    assert answer.get_json()["result"]["verdict"] == "excused"


def test_an_appeal_upheld_by_the_county_excuses_the_finding_beside_the_original(
        wednesday, client, world, token_for) -> None:
    result_id = absent_then_on_leave(wednesday, client, world, token_for)
    township, county = token_for("sup_t2"), token_for("sup_county")
    path = f"/api/v1/spotchecks/results/{result_id}/appeals"
    appeal = {"reason": "当天发烧就医", "evidence": "县医院门诊病历 2026-11-18"}
    assert client.post(path, json=appeal, headers=token_for("cadre_b")).status_code == 404
    assert client.post(path, json=appeal, headers=token_for("sup_t1")).status_code == 404
    assert client.post(path, json={"reason": " "}, headers=township).status_code == 422
    made = client.post(path, json=appeal, headers=township)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "pending" and body["made_by_id"] == world["sup_t2"]
    assert body["reason"] == appeal["reason"] and body["evidence"] == appeal["evidence"]
    again = client.post(path, json=appeal, headers=township)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "appeal_exists"
    # pending: the finding stands
    assert award_of(client, county, world["county"], world["team_b"]) == "yellow_card"

    decide = f"/api/v1/spotchecks/appeals/{body['id']}/decision"
    assert client.post(decide, json={"uphold": True},
                       headers=township).status_code == 403  # the county decides
    assert client.post(decide, json={"uphold": True},
                       headers=token_for("cadre_b")).status_code == 404
    upheld = client.post(decide, json={"uphold": True, "comment": "病历属实"}, headers=county)
    assert upheld.status_code == 200, upheld.get_json()
    assert upheld.get_json()["status"] == "upheld"
    twice = client.post(decide, json={"uphold": False}, headers=county)
    assert twice.status_code == 409
    assert "SupCountyOne" in twice.get_json()["error"]["message"]

    result = result_of(client, county, world["presence_b"])
    assert result["verdict"] == "fail"  # the original stays on record
    assert result["standing_verdict"] == "excused_on_appeal"
    assert result["appeal"]["status"] == "upheld"
    assert result["appeal"]["decision"]["decided_by_id"] == world["sup_county"]
    assert award_of(client, county, world["county"], world["team_b"]) != "yellow_card"
    with wednesday.app_context():
        actions = db.session().scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "spotcheck_appeal")).all()
    assert sorted(actions) == ["spotcheck.appeal", "spotcheck.appeal_upheld"]


def test_only_a_failure_is_appealed(wednesday, client, world, token_for) -> None:
    county = token_for("sup_county")
    confirmed = client.post(f"/api/v1/spotchecks/{world['presence_b']}/result",
                            json={"method": "phone", "outcome": "confirmed"}, headers=county)
    result_id = confirmed.get_json()["result"]["id"]
    refused = client.post(f"/api/v1/spotchecks/results/{result_id}/appeals",
                          json={"reason": "x"}, headers=token_for("sup_t2"))
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "appeal_not_a_failure"


def test_a_rejected_appeal_leaves_the_finding_standing(wednesday, client, world,
                                                       token_for) -> None:
    result_id = absent_then_on_leave(wednesday, client, world, token_for)
    county = token_for("sup_county")
    made = client.post(f"/api/v1/spotchecks/results/{result_id}/appeals",
                       json={"reason": "请假了"}, headers=token_for("sup_t2")).get_json()
    rejected = client.post(f"/api/v1/spotchecks/appeals/{made['id']}/decision",
                           json={"uphold": False, "comment": "事后补批不能免责"}, headers=county)
    assert rejected.get_json()["status"] == "rejected"
    result = result_of(client, county, world["presence_b"])
    assert result["standing_verdict"] == "fail"
    assert award_of(client, county, world["county"], world["team_b"]) == "yellow_card"


def test_the_appeal_answers_match_the_document(wednesday, client, world, token_for) -> None:
    from tests.api.test_spotchecks_api import _conforms, _response_schema

    doc = client.get("/api/v1/openapi.json").get_json()
    result_id = absent_then_on_leave(wednesday, client, world, token_for)
    county = token_for("sup_county")
    path = "/spotchecks/results/{result_id}/appeals"
    made = client.post(f"/api/v1/spotchecks/results/{result_id}/appeals",
                       json={"reason": "发烧", "evidence": "病历"}, headers=token_for("sup_t2"))
    _conforms(made.get_json(), _response_schema(doc, path, "post", 201), doc, "appeal")
    decide = "/spotchecks/appeals/{appeal_id}/decision"
    url = f"/api/v1/spotchecks/appeals/{made.get_json()['id']}/decision"
    upheld = client.post(url, json={"uphold": True}, headers=county)
    _conforms(upheld.get_json(), _response_schema(doc, decide, "post", 200), doc, "decision")
    twice = client.post(url, json={"uphold": True}, headers=county)
    _conforms(twice.get_json(), _response_schema(doc, decide, "post", 409), doc, "409")
    items = client.get("/api/v1/spotchecks?status=done", headers=county)
    _conforms(items.get_json(), _response_schema(doc, "/spotchecks", "get", 200), doc, "list")


def test_appeals_and_decisions_sent_together_are_stored_once(wednesday, client, world,
                                                              token_for) -> None:
    result_id = absent_then_on_leave(wednesday, client, world, token_for)
    township, county = token_for("sup_t2"), token_for("sup_county")

    def appeal(n: int) -> tuple[int, Any]:
        response = wednesday.test_client().post(
            f"/api/v1/spotchecks/results/{result_id}/appeals",
            json={"reason": f"理由 {n}"}, headers=township)
        return response.status_code, response.get_json()

    made = together(4, appeal)
    assert sorted(status for status, _ in made) == [201, 409, 409, 409], made
    [appeal_id] = [body["id"] for status, body in made if status == 201]

    def decide(n: int) -> tuple[int, Any]:
        response = wednesday.test_client().post(
            f"/api/v1/spotchecks/appeals/{appeal_id}/decision",
            json={"uphold": n % 2 == 0}, headers=county)
        return response.status_code, response.get_json()

    decided = together(4, decide)
    assert sorted(status for status, _ in decided) == [200, 409, 409, 409], decided
    with wednesday.app_context():
        from checkin.models import SpotcheckAppealDecision
        assert len(db.session().scalars(select(SpotcheckAppealDecision)).all()) == 1
