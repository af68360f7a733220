"""The pages of trainings and quarterly meetings (issue 19): the organiser makes a session,
shows the rotating code at the venue and marks present; the cadre signs in with the code
the screen showed; the shortfalls page and its export; the cadre's own list."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Training, TrainingAttendance
from tests.conftest import csrf_from

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = date(2026, 11, 20)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def make(client, **fields) -> int:
    form = {"kind": "training", "title": "乡村振兴业务培训", "first_day": "2026-11-19",
            "last_day": "2026-11-20", "starts_at": "08:30", "ends_at": "17:30",
            "place": "县委党校", "lat": "30.74", "lon": "116.36", "coord_system": "wgs84",
            "radius_m": "300", "audience": "all", **fields,
            "csrf_token": csrf_from(client, "/trainings/new")}
    answer = client.post("/trainings/new", data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return int(answer.headers["Location"].rsplit("/", 1)[-1])


def test_the_organiser_makes_a_session_and_shows_its_code(fixed, world, login, token_for
                                                          ) -> None:
    county = login(fixed.test_client(), "sup_county")
    training_id = make(county)
    page = county.get(f"/trainings/{training_id}").get_data(as_text=True)
    assert "乡村振兴业务培训" in page and "CadreALeader" in page and "CadreBMember" in page
    assert "CadreCLeader" not in page  # another county's cadre was not asked
    qr = county.get(f"/trainings/{training_id}/qr")
    assert qr.status_code == 200 and qr.headers["Cache-Control"] == "no-store"
    body = qr.get_data(as_text=True)
    assert "<svg" in body and 'http-equiv="refresh"' in body
    # the code on the screen is what the phone sends: decode the link from the page's URL
    with fixed.test_request_context():
        from flask import url_for

        from checkin.domain import trainings
        from checkin.services.trainings import sessions
        code = trainings.token_for(sessions.token_key(fixed.config), training_id,
                                   trainings.slot_of(NOW))
        link = url_for("trainings.sign_in_page", training_id=training_id, t=code,
                       _external=True)
    cadre = login(fixed.test_client(), "cadre_a2")
    signin_page = cadre.get(urlparse(link).path + "?" + urlparse(link).query)
    assert signin_page.status_code == 200
    shown = re.search(r'data-token="([^"]+)"', signin_page.get_data(as_text=True)).group(1)
    assert shown == parse_qs(urlparse(link).query)["t"][0]
    answer = cadre.post(f"/api/v1/trainings/{training_id}/signins", json={
        "id": str(uuid.uuid4()), "token": shown, "lat": 30.74, "lon": 116.36, "accuracy_m": 10,
        "recorded_at": "2026-11-20T10:00:00+08:00"},
        headers={"X-CSRFToken": csrf_from(cadre, "/my/trainings")})
    assert answer.status_code == 201 and answer.get_json()["counts"] is True
    mine = cadre.get("/my/trainings").get_data(as_text=True)
    assert "乡村振兴业务培训" in mine and "到场 1 天" in mine


def test_a_township_sees_the_countys_session_but_does_not_run_it(fixed, world, login) -> None:
    training_id = make(login(fixed.test_client(), "sup_county"))
    township = login(fixed.test_client(), "sup_t1")
    assert township.get(f"/trainings/{training_id}").status_code == 200
    assert township.get(f"/trainings/{training_id}/qr").status_code == 404
    token = csrf_from(township, f"/trainings/{training_id}")
    township.post(f"/trainings/{training_id}/mark", data={
        "csrf_token": token, "day": "2026-11-20", "reason": "x", "user_id": [world["cadre_a"]]})
    with fixed.app_context():
        assert db.session().scalars(select(TrainingAttendance)).first() is None
    other = make(township, title="TownOne培训")
    assert login(fixed.test_client(), "sup_t2").get(f"/trainings/{other}").status_code == 404


def test_marking_present_is_shown_as_the_organisers_with_a_count(fixed, world, login) -> None:
    county = login(fixed.test_client(), "sup_county")
    training_id = make(county)
    token = csrf_from(county, f"/trainings/{training_id}")
    answer = county.post(f"/trainings/{training_id}/mark", data={
        "csrf_token": token, "day": "2026-11-19", "reason": "纸质签到表",
        "user_id": [world["cadre_a"], world["cadre_a2"]]}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "组织方已标记 2 人到场" in page and "SupCountyOne 标记" in page
    listing = county.get("/trainings").get_data(as_text=True)
    assert 'tag-warn">2<' in listing  # the count of marks, on the list of sessions
    dossier = county.get(f"/cadres/{world['cadre_a2']}").get_data(as_text=True)
    assert "组织方标记" in dossier


def test_a_bad_session_is_refused_in_the_form(fixed, world, login) -> None:
    county = login(fixed.test_client(), "sup_county")
    form = {"kind": "training", "title": "x", "first_day": "2026-11-20",
            "last_day": "2026-11-19", "starts_at": "08:30", "ends_at": "17:30",
            "place": "p", "lat": "30.7", "lon": "116.3", "radius_m": "300", "audience": "all",
            "csrf_token": csrf_from(county, "/trainings/new")}
    answer = county.post("/trainings/new", data=form)
    assert answer.status_code == 422
    assert "结束日期早于开始日期" in answer.get_data(as_text=True)
    with fixed.app_context():
        assert db.session().scalars(select(Training)).first() is None


def test_shortfalls_page_and_export(fixed, world, login) -> None:
    county = login(fixed.test_client(), "sup_county")
    meeting = make(county, kind="meeting", audience="first_secretaries", first_day="2026-11-02",
                   last_day="2026-11-02", title="第四季度第一书记例会")
    training = make(county, first_day="2026-11-16", last_day="2026-11-19")
    token = csrf_from(county, f"/trainings/{training}")
    for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"):
        county.post(f"/trainings/{training}/mark", data={
            "csrf_token": token, "day": day, "reason": "签到表", "user_id": [world["cadre_a2"]]})
    token = csrf_from(county, f"/trainings/{meeting}")
    county.post(f"/trainings/{meeting}/mark", data={
        "csrf_token": token, "day": "2026-11-02", "reason": "签到表",
        "user_id": [world["cadre_b"]]})
    page = county.get("/trainings/shortfalls").get_data(as_text=True)
    assert "CadreALeader" in page and "第四季度第一书记例会" in page  # missed the meeting
    assert "CadreAMember" not in page  # 4 days, all of them marked: no shortfall
    assert "未召开第一书记工作会议的季度（第几季度）：1、2、3" in page  # Q4 has its meeting
    export = county.get("/trainings/shortfalls.xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "姓名")
    table = {r[0]: r for r in rows[header + 1:] if r[0]}
    leader = table["CadreALeader"]
    assert leader[3] == "是" and leader[8] == "是" and "第四季度第一书记例会" in leader[10]
    assert "CadreBLeader" in table and table["CadreBLeader"][10] in (None, "")
    assert "CadreAMember" not in table
    assert login(fixed.test_client(), "sup_t2").get("/trainings/shortfalls.xlsx").status_code \
        == 200


def test_the_pages_speak_english(fixed, world, login) -> None:
    county = login(fixed.test_client(), "sup_county")
    training_id = make(county)
    page = county.get(f"/trainings/{training_id}?lang=en").get_data(as_text=True)
    assert "Show the sign-in code" in page
    assert "Training shortfalls" in county.get("/trainings/shortfalls?lang=en").get_data(
        as_text=True)


def test_the_cadre_sign_in_page_without_an_invitation(fixed, world, login) -> None:
    county = login(fixed.test_client(), "sup_county")
    training_id = make(county, audience="first_secretaries")
    member = login(fixed.test_client(), "cadre_a2")
    page = member.get(f"/trainings/{training_id}/sign-in?t=1.x").get_data(as_text=True)
    assert "你不在本次培训" in page and "training-send" not in page
    assert login(fixed.test_client(), "cadre_c").get(
        f"/trainings/{training_id}/sign-in").status_code == 404
    assert county.get(f"/trainings/{training_id}/sign-in").status_code == 404
    assert member.get("/trainings").status_code == 404
    _ = timedelta
