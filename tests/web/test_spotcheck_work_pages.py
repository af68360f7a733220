"""The pages of a county's spot-check week (issue 15): the real share, townships and pages,
assignment and each checker's list, early results, corrections, exports and print."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import SpotcheckBatch, SpotcheckCorrection, SpotcheckItem, SpotcheckResult
from tests.conftest import csrf_from
from tests.spotcheck_helpers import NOW, WEEK, last_week_visits


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


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def county_batch(wednesday, world, client) -> tuple[str, SpotcheckBatch]:
    with wednesday.app_context():
        last_week_visits(db.session(), world)
        db.session().commit()
    token = csrf_from(client, "/spotchecks")
    response = client.post("/spotchecks/draw", data={"csrf_token": token,
                                                      "area": world["county"], "week": WEEK})
    url = response.headers["Location"]
    with wednesday.app_context():
        batch = db.session().get(SpotcheckBatch, int(url.rstrip("/").split("/")[-1]))
        db.session().expunge(batch)
    return url, batch


def test_the_batch_page_says_the_real_share_and_groups_by_township(wednesday, world,
                                                                    login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    url, batch = county_batch(wednesday, world, client)
    html = page(client, url)
    with wednesday.app_context():
        items = list(db.session().scalars(select(SpotcheckItem).where(
            SpotcheckItem.batch_id == batch.id)))
        candidates = db.session().get(SpotcheckBatch, batch.id).candidates
    visits = sum(1 for i in items if i.kind == "visit")
    real = round(100 * visits / len(candidates["visits"]["ids"]))
    assert f"visit back-checks ({real}% of the visits)" in html
    assert "15% of visits" not in html or real == 15
    assert "TownOne镇" in html and "TownTwo镇" in html  # the township index
    assert "At most 300 checks in this draw" in html
    left = candidates["left_out"]
    assert f"{left['same_household']} further visits to a household" in html
    # the first township's checks only, in pages
    assert "VillageAlpha村" in html
    second = page(client, f"{url}?township={world['t2']}")
    assert "VillageBeta村" in second and "VillageAlpha村" not in second.split("sc-page")[1]
    assert page(client, f"{url}?page=999&township=nonsense")  # clamped, never an error


def test_checks_are_assigned_and_each_checker_sees_their_own(wednesday, world,
                                                             login_en) -> None:
    county = login_en(wednesday.test_client(), "sup_county")
    url, batch = county_batch(wednesday, world, county)
    token = csrf_from(county, url)
    response = county.post(f"/spotchecks/batches/{batch.id}/assign", data={
        "csrf_token": token, "township": world["t1"], "page": 1, "checker": world["sup_t1"]})
    assert response.status_code == 302
    township = login_en(wednesday.test_client(), "sup_t1")
    mine = page(township, "/spotchecks?mine=1")
    assert "Checker: SupTownOne" in mine and "VillageAlpha村" in mine
    assert "VillageBeta村" not in mine
    assert "No checks are assigned to you." in page(
        login_en(wednesday.test_client(), "sup_t2"), "/spotchecks?mine=1")
    # a checker of another township is refused
    with wednesday.app_context():
        beta = db.session().scalars(select(SpotcheckItem).where(
            SpotcheckItem.batch_id == batch.id,
            SpotcheckItem.village_id == world["vb"])).first()
    token = csrf_from(county, f"/spotchecks/items/{beta.id}")
    refused = county.post(f"/spotchecks/items/{beta.id}/assign", data={
        "csrf_token": token, "checker": world["sup_t1"]}, follow_redirects=True)
    assert "Choose a supervisor of the check&#39;s village." in refused.get_data(as_text=True)
    assert "Checker: SupTownOne" not in page(county, f"{url}?township={world['t2']}")


def test_assigning_never_sends_the_browser_elsewhere(wednesday, world, login_en) -> None:
    """The form's `next` is followed only to a path of this service (no open redirect)."""
    county = login_en(wednesday.test_client(), "sup_county")
    _url, batch = county_batch(wednesday, world, county)
    with wednesday.app_context():
        item = db.session().scalars(select(SpotcheckItem).where(
            SpotcheckItem.batch_id == batch.id,
            SpotcheckItem.village_id == world["va"])).first()
    url = f"/spotchecks/items/{item.id}"
    for target in ("https://evil.example/phish", "//evil.example/phish"):
        answer = county.post(f"{url}/assign", data={
            "csrf_token": csrf_from(county, url), "checker": world["sup_t1"],
            "next": target})
        assert answer.status_code == 302
        assert answer.headers["Location"] == url, answer.headers["Location"]


def test_an_early_result_needs_a_reason_on_the_page(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    _url, batch = county_batch(wednesday, world, client)
    with wednesday.app_context():
        item = db.session().scalars(select(SpotcheckItem).where(
            SpotcheckItem.batch_id == batch.id, SpotcheckItem.kind == "presence")).first()
    url = f"/spotchecks/items/{item.id}"
    html = page(client, url)
    assert "The window of this check opens at" in html and 'name="early_reason"' in html
    token = csrf_from(client, url)
    refused = client.post(f"{url}/result", data={
        "csrf_token": token, "method": "phone", "outcome": "not_confirmed"},
        follow_redirects=True).get_data(as_text=True)
    assert "record the result then, or say why it comes early" in refused
    saved = client.post(f"{url}/result", data={
        "csrf_token": token, "method": "phone", "outcome": "confirmed",
        "early_reason": "met him at the township office"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Result saved" in html and "Recorded before the window" in html
    assert "met him at the township office" in html


def test_a_result_is_corrected_on_the_page_and_the_first_stays_visible(wednesday, world,
                                                                       login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/spotchecks/items/{world['presence_a']}"
    token = csrf_from(client, url)
    client.post(f"{url}/result", data={"csrf_token": token, "method": "phone",
                                        "outcome": "not_confirmed"})
    with wednesday.app_context():
        result_id = db.session().scalars(select(SpotcheckResult.id).where(
            SpotcheckResult.item_id == world["presence_a"])).one()
    # a serious finding is corrected away by the county, not by the township that recorded
    # it (the appeal's rule): the township is told so, in its language
    refused = client.post(f"/spotchecks/results/{result_id}/correction", data={
        "csrf_token": token, "method": "phone", "outcome": "confirmed",
        "reason": "wrong button: he answered"}, follow_redirects=True).get_data(as_text=True)
    assert "Only the county can correct a serious finding away" in refused
    client = login_en(wednesday.test_client(), "sup_county")
    token = csrf_from(client, url)
    no_reason = client.post(f"/spotchecks/results/{result_id}/correction", data={
        "csrf_token": token, "method": "phone", "outcome": "confirmed", "reason": ""},
        follow_redirects=True).get_data(as_text=True)
    assert "Say what the result should be and why it is corrected." in no_reason
    done = client.post(f"/spotchecks/results/{result_id}/correction", data={
        "csrf_token": token, "method": "phone", "outcome": "confirmed",
        "reason": "wrong button: he answered"}, follow_redirects=True).get_data(as_text=True)
    assert "Correction saved; the first result stays on record." in done
    assert "First recorded" in done and "Correction 1" in done
    assert "wrong button: he answered" in done
    history = done.split("sc-corrections")[1]
    assert "Not on post" in history and "Serious finding" in history  # the first, kept
    assert "On post, confirmed" in history and "Passed" in history
    with wednesday.app_context():
        assert db.session().scalar(select(SpotcheckCorrection.verdict)) == "pass"


def test_the_week_list_and_the_findings_export_and_print(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    url, batch = county_batch(wednesday, world, client)
    response = client.get(f"/spotchecks/batches/{batch.id}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Township", "Village", "Check", "Cadre")
    with wednesday.app_context():
        count = len(list(db.session().scalars(select(SpotcheckItem.id).where(
            SpotcheckItem.batch_id == batch.id))))
    assert len(rows) - 1 == count
    assert {r[0] for r in rows[1:]} <= {"TownOne镇", "TownTwo镇"}
    assert all(isinstance(r[8], float | int) for r in rows[1:])  # risk as a number
    # findings of the month: the world's failure recorded now
    item_url = f"/spotchecks/items/{world['presence_a']}"
    token = csrf_from(client, item_url)
    client.post(f"{item_url}/result", data={"csrf_token": token, "method": "phone",
                                             "outcome": "not_confirmed"})
    found = client.get("/spotchecks/findings/export.xlsx?month=2026-11")
    sheet = openpyxl.load_workbook(io.BytesIO(found.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "VillageAlpha村" and rows[1][11] == (
        "Serious finding")
    html = page(client, url)
    assert "data-print" in html and "export.xlsx" in html
    css = client.get("/static/css/spotcheck.css").get_data(as_text=True)
    assert re.search(r"@media print \{[^}]*\.pager", css)


def test_a_late_result_needs_no_reason(wednesday, world, login_en) -> None:
    """Inside the window (the world's check is today 09:00-11:00, it is 10:00): no reason."""
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/spotchecks/items/{world['presence_a']}"
    assert "The window of this check opens at" not in page(client, url)
    wednesday.config["FIXED_NOW"] = NOW + timedelta(days=1)
    assert "The window of this check opens at" not in page(client, url)
