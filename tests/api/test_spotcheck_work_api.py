"""Spot checks a county can run, over the API (issue 15): results wait for the window or
carry a reason, corrections are new records, checks are assigned within the weekly cap,
each checker lists their own; every answer is what the OpenAPI document says."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from checkin import db
from tests.api.test_spotchecks_api import _conforms, _response_schema
from tests.spotcheck_helpers import NOW, WEEK, last_week_visits


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def county_items(client, world, headers) -> list[dict]:
    with client.application.app_context():
        last_week_visits(db.session(), world)
        db.session().commit()
    drawn = client.post("/api/v1/spotchecks/draw",
                        json={"area_id": world["county"], "week": WEEK}, headers=headers)
    assert drawn.status_code == 201, drawn.get_json()
    return drawn.get_json()["items"]


def test_an_early_result_needs_a_reason_and_is_flagged(wednesday, client, world,
                                                       token_for) -> None:
    county = token_for("sup_county")
    doc = client.get("/api/v1/openapi.json").get_json()
    presence = next(i for i in county_items(client, world, county) if i["kind"] == "presence")
    url = f"/api/v1/spotchecks/{presence['id']}/result"
    refused = client.post(url, json={"method": "phone", "outcome": "not_confirmed"},
                          headers=county)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "result_before_window"
    saved = client.post(url, json={"method": "phone", "outcome": "confirmed",
                                   "early_reason": "met at the township office"},
                        headers=county)
    assert saved.status_code == 200, saved.get_json()
    result = saved.get_json()["result"]
    assert result["flags"] == ["early_result"]
    assert result["early_reason"] == "met at the township office"
    _conforms(saved.get_json(), _response_schema(
        doc, "/spotchecks/{item_id}/result", "post", 200), doc, "result")


def test_a_result_is_corrected_by_a_new_record(wednesday, client, world, token_for) -> None:
    township = token_for("sup_t1")
    doc = client.get("/api/v1/openapi.json").get_json()
    item = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                       json={"method": "phone", "outcome": "not_confirmed"},
                       headers=township).get_json()
    result_id = item["result"]["id"]
    assert item["result"]["standing_verdict"] == "fail"
    url = f"/api/v1/spotchecks/results/{result_id}/corrections"
    no_reason = client.post(url, json={"method": "phone", "outcome": "confirmed"},
                            headers=township)
    assert no_reason.status_code == 422
    assert no_reason.get_json()["error"]["code"] == "result_correction_reason"
    by_township = client.post(url, json={"method": "phone", "outcome": "confirmed",
                                         "reason": "wrong button"}, headers=township)
    assert by_township.status_code == 403
    assert by_township.get_json()["error"]["code"] == "correction_lightens_needs_county"
    corrected = client.post(url, json={"method": "phone", "outcome": "confirmed",
                                       "reason": "wrong button"},
                            headers=token_for("sup_county"))
    assert corrected.status_code == 201, corrected.get_json()
    answer = corrected.get_json()["result"]
    assert answer["verdict"] == "fail" and answer["outcome"] == "not_confirmed"  # first kept
    assert answer["standing_verdict"] == "pass"
    assert [c["reason"] for c in answer["corrections"]] == ["wrong button"]
    _conforms(corrected.get_json(), _response_schema(
        doc, "/spotchecks/results/{result_id}/corrections", "post", 201), doc, "correction")
    # a cadre never sees any of it
    cadre = token_for("cadre_a")
    assert client.post(url, json={"method": "phone", "outcome": "unreachable",
                                  "reason": "x"}, headers=cadre).status_code == 404


def test_checks_are_assigned_within_the_weekly_cap(wednesday, client, world,
                                                   token_for) -> None:
    wednesday.extensions["checkin_policy"] = dataclasses.replace(
        wednesday.extensions["checkin_policy"], spotcheck_checker_week_cap=1)
    township = token_for("sup_t1")
    first = client.post(f"/api/v1/spotchecks/{world['presence_a']}/assignment",
                        json={"checker_id": world["sup_t1"]}, headers=township)
    assert first.status_code == 200, first.get_json()
    full = client.post(f"/api/v1/spotchecks/{world['backcheck_a']}/assignment",
                       json={"checker_id": world["sup_t1"]}, headers=township)
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "checker_week_full"
    other = client.post(f"/api/v1/spotchecks/{world['backcheck_a']}/assignment",
                        json={"checker_id": world["sup_t2"]}, headers=township)
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "checker_not_in_area"
    mine = client.get("/api/v1/spotchecks?mine=1", headers=township).get_json()
    assert [i["id"] for i in mine["items"]] == [world["presence_a"]]
    assert client.get("/api/v1/spotchecks?mine=maybe", headers=township).status_code == 400


def test_a_county_and_a_township_drawing_at_once_call_no_household_twice(
        wednesday, client, world, token_for) -> None:
    """The draws of one week are serialised: the second reads what the first drew."""
    from datetime import timedelta

    from tests.concurrency import together
    from tests.spotcheck_helpers import LAST_WEEK, TODAY, add_visit

    with wednesday.app_context():
        s = db.session()
        monday = TODAY - timedelta(days=TODAY.weekday() + 14)  # W45: the visits for W46
        for n, (cadre, village) in enumerate((("cadre_a", "va"), ("cadre_a2", "va")) * 2):
            add_visit(s, world, cadre, village, monday + timedelta(days=n))
        s.commit()
    wednesday.extensions["checkin_policy"] = dataclasses.replace(
        wednesday.extensions["checkin_policy"], visit_backcheck_share=1.0)
    who = [(token_for("sup_county"), world["county"]), (token_for("sup_t1"), world["t1"])]

    def send(n: int):
        headers, area = who[n % 2]
        response = wednesday.test_client().post(
            "/api/v1/spotchecks/draw", json={"area_id": area, "week": LAST_WEEK},
            headers=headers)
        return response.status_code, response.get_json()

    for _round in range(1):
        answers = together(2, send)
        assert sorted(status for status, _ in answers) == [201, 201], answers
        called = [[i["household_id"] for i in body["items"] if i["kind"] == "visit"]
                  for _, body in answers]
        assert not set(called[0]) & set(called[1]), called
        assert set(called[0]) | set(called[1])
