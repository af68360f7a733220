"""Appeals on the spot-check pages (issue 12, case 2): the township appeals a failed check
from the item's page, the county decides it there; the original result stays shown, the
appeal beside it. Cadres get 404."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import csrf_from
from tests.spotcheck_helpers import NOW


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


@pytest.fixture
def login_en(login):
    def do(client, username: str):
        login(client, username)
        client.set_cookie("lang", "en")
        return client

    return do


def test_the_township_appeals_and_the_county_decides_on_the_page(
        wednesday, world, login_en, token_for) -> None:
    api = wednesday.test_client()
    recorded = api.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                        json={"method": "phone", "outcome": "not_confirmed"},
                        headers=token_for("sup_t1")).get_json()["result"]
    item_url = f"/spotchecks/items/{world['presence_a']}"

    cadre = login_en(wednesday.test_client(), "cadre_a")
    assert cadre.get(item_url).status_code == 404
    refused = cadre.post(f"/spotchecks/results/{recorded['id']}/appeal",
                         data={"csrf_token": csrf_from(cadre, "/my/leaves"), "reason": "x"})
    assert refused.status_code == 404

    township = login_en(wednesday.test_client(), "sup_t1")
    html = township.get(item_url).get_data(as_text=True)
    assert "Appeal this finding" in html
    token = csrf_from(township, item_url)
    sent = township.post(f"/spotchecks/results/{recorded['id']}/appeal", data={
        "csrf_token": token, "reason": "ReasonMarker 就医", "evidence": "EvidenceMarker"})
    assert sent.status_code == 302
    html = township.get(item_url).get_data(as_text=True)
    assert "ReasonMarker" in html and "EvidenceMarker" in html
    assert "Waiting for the county" in html and "Uphold" not in html  # not the township's

    county = login_en(wednesday.test_client(), "sup_county")
    html = county.get(item_url).get_data(as_text=True)
    assert "Uphold" in html
    done = api.get("/api/v1/spotchecks?status=done&limit=500",
                   headers=token_for("sup_county")).get_json()
    found = next(i for i in done["items"] if i["id"] == world["presence_a"])
    token = csrf_from(county, item_url)
    decided = county.post(f"/spotchecks/appeals/{found['result']['appeal']['id']}/decision",
                          data={"csrf_token": token, "decision": "uphold", "comment": "属实"})
    assert decided.status_code == 302
    html = county.get(item_url).get_data(as_text=True)
    assert "Serious finding" in html  # the original verdict stays shown
    assert "Upheld" in html and "Excused on appeal" in html
