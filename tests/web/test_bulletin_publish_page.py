"""The bulletin page of a published month (issue 12, case 4): the county publishes from the
page after confirming, the page then shows the published version with its date and lists
the late changes; an unfinished month is provisional, without awards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from tests.conftest import csrf_from
from tests.spotcheck_helpers import MONTH, NOW

OCTOBER = "2026-10"


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


def test_the_county_publishes_from_the_page(wednesday, world, login_en, make_checkin) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    url = f"/bulletin?area={world['county']}&month={OCTOBER}"
    html = page(client, url)
    assert 'action="/bulletin/publish"' in html and 'name="confirm"' in html
    assert "Published on" not in html
    token = csrf_from(client, url)
    form = {"csrf_token": token, "area": world["county"], "month": OCTOBER}
    unconfirmed = client.post("/bulletin/publish", data=form)
    assert unconfirmed.status_code == 400
    assert "Published on" not in page(client, url)
    done = client.post("/bulletin/publish", data={**form, "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    html = page(client, url)
    assert "Published on 2026-11-18" in html and "Late changes" not in html
    wednesday.config["FIXED_NOW"] = NOW + timedelta(hours=2)
    for day in range(1, 21):
        make_checkin("cadre_a", day=date(2026, 10, day), received_at=NOW + timedelta(hours=2))
    html = page(client, url)
    assert "Published on 2026-11-18" in html
    late = html[html.index("Late changes"):]
    assert "VillageAlpha村" in late and "20" in late
    # publishing again needs a reason: it is a correction
    assert 'name="correction_reason"' in html
    chinese = wednesday.test_client()
    login_en(chinese, "sup_county")
    chinese.set_cookie("lang", "zh")
    zh = page(chinese, url)
    assert "发布于" in zh and "发布后的变动" in zh


def test_an_unfinished_month_is_provisional(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    html = page(client, f"/bulletin?area={world['county']}&month={MONTH}")
    assert "Provisional" in html
    assert "bl-flag" not in html and "bl-card" not in html
    assert 'action="/bulletin/publish"' not in html
    token = csrf_from(client, f"/bulletin?area={world['county']}&month={MONTH}")
    refused = client.post("/bulletin/publish", data={
        "csrf_token": token, "area": world["county"], "month": MONTH, "confirm": "1"})
    assert refused.status_code == 422


def test_townships_do_not_publish(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/bulletin?area={world['t1']}&month={OCTOBER}"
    html = page(client, url)
    assert 'action="/bulletin/publish"' not in html
    token = csrf_from(client, url)
    assert client.post("/bulletin/publish", data={
        "csrf_token": token, "area": world["t1"], "month": OCTOBER,
        "confirm": "1"}).status_code == 403
    cadre = login_en(wednesday.test_client(), "cadre_a")
    assert cadre.post("/bulletin/publish", data={
        "csrf_token": csrf_from(cadre, "/"), "area": world["county"], "month": OCTOBER,
        "confirm": "1"}).status_code == 404
