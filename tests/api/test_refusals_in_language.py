"""Refusals in the reader's language: the API's `error.message` (and a page's flash) is
Chinese for a Chinese phone and English for an English one, with a stable `code`.

These are the cases a cadre met in English on a Chinese phone before the one refusal table
(issue #11): a broken photo, too many photos, a visit without position, a correction without
reason, an unknown household, `lat: "x"`, no sign-in, a satisfaction on a presence check, and
the township's "no position proposed"."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Household
from tests.lang import has_chinese
from tests.spotcheck_helpers import NOW

LANGS = [("zh-CN", True), ("en", False)]
BROKEN_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"garbage" * 40


def household_id(app: Flask, code: str = "Ha0") -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def post_visit(client, headers: dict[str, str], home: int,
               photos: list[tuple[bytes, str]] = (), **extra: Any):
    body = {"id": str(uuid.uuid4()), "household_id": home, "kind": "visit",
            "purposes": ["policy"], "note": "", "lat": 30.851, "lon": 116.361,
            "accuracy_m": 15,
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    body.update(extra)
    data = {"visit": json.dumps(body),
            "photos": [(io.BytesIO(content), name) for content, name in photos]}
    return body, client.post("/api/v1/visits", data=data, headers=headers,
                             content_type="multipart/form-data")


def assert_refused(response, status: int, code: str, chinese: bool) -> str:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    message = error["message"]
    assert has_chinese(message) == chinese, message
    assert "%(" not in message and "{" not in message, message
    return message


@pytest.fixture
def as_cadre(token_for):
    def headers(lang: str) -> dict[str, str]:
        return {**token_for("cadre_a"), "Accept-Language": lang}
    return headers


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_broken_photo(app, client, world, as_cadre, lang, chinese) -> None:
    _, response = post_visit(client, as_cadre(lang), household_id(app),
                             [(BROKEN_PNG, "broken.png")])
    message = assert_refused(response, 422, "photo_undecodable", chinese)
    assert "broken.png" in message
    assert response.get_json()["error"]["fields"] == {"photos[0]": message}
    if not chinese:
        assert message == "Photo 1 (broken.png): cannot decode the PNG data."
    else:
        assert message == "第 1 张照片（broken.png）：无法解码 PNG 数据。"


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_seven_photos(app, client, world, as_cadre, lang, chinese) -> None:
    photos = [(BROKEN_PNG, f"{n}.png") for n in range(7)]
    _, response = post_visit(client, as_cadre(lang), household_id(app), photos)
    message = assert_refused(response, 413, "too_many_photos", chinese)
    assert "6" in message


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_visit_in_person_without_position(app, client, world, as_cadre, lang,
                                            chinese) -> None:
    _, response = post_visit(client, as_cadre(lang), household_id(app), lat=None, lon=None)
    assert_refused(response, 422, "position_required", chinese)
    assert set(response.get_json()["error"]["fields"]) == {"lat"}


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_correction_without_reason(app, client, world, as_cadre, lang, chinese) -> None:
    home = household_id(app)
    old, first = post_visit(client, as_cadre(lang), home)
    assert first.status_code == 201
    _, response = post_visit(client, as_cadre(lang), home, corrects_id=old["id"])
    assert_refused(response, 422, "correction_reason_required", chinese)


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_an_unknown_household(app, client, world, as_cadre, lang, chinese) -> None:
    _, response = post_visit(client, as_cadre(lang), household_id(app, "Hb0"))  # village B
    assert_refused(response, 404, "no_such_household", chinese)


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_latitude_that_is_not_a_number(client, world, as_cadre, lang, chinese) -> None:
    response = client.post("/api/v1/checkins", headers=as_cadre(lang), json={
        "id": str(uuid.uuid4()), "lat": "x", "lon": 116.361, "accuracy_m": 10,
        "recorded_at": datetime.now(UTC).isoformat()})
    message = assert_refused(response, 400, "not_a_number", chinese)
    assert "lat" in message
    assert set(response.get_json()["error"]["fields"]) == {"lat"}


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_latitude_out_of_range_speaks_the_same_language(client, world, as_cadre, lang,
                                                          chinese) -> None:
    response = client.post("/api/v1/checkins", headers=as_cadre(lang), json={
        "id": str(uuid.uuid4()), "lat": 95, "lon": 116.361, "accuracy_m": 10,
        "recorded_at": datetime.now(UTC).isoformat()})
    assert "95" in assert_refused(response, 422, "invalid_latitude", chinese)


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_not_signed_in(client, world, lang, chinese) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": lang})
    assert_refused(response, 401, "not_signed_in", chinese)


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_a_satisfaction_on_a_presence_check(app, client, world, token_for, lang,
                                            chinese) -> None:
    app.config["FIXED_NOW"] = NOW
    response = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                           json={"method": "phone", "outcome": "confirmed",
                                 "satisfaction": "satisfied"},
                           headers={**token_for("sup_t1"), "Accept-Language": lang})
    message = assert_refused(response, 422, "satisfaction_only_households", chinese)
    assert response.get_json()["error"]["fields"] == {"satisfaction": message}


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_the_language_cookie_wins_over_the_header(client, world, lang, chinese) -> None:
    client.get(f"/lang/{'zh' if chinese else 'en'}")
    response = client.get("/api/v1/me", headers={"Accept-Language": "en" if chinese else "zh"})
    assert_refused(response, 401, "not_signed_in", chinese)


@pytest.mark.parametrize(("lang", "chinese"), LANGS)
def test_the_township_is_told_in_its_language_that_no_position_was_proposed(
        app, client, world, login, lang, chinese) -> None:
    from tests.conftest import csrf_from

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    login(client, "sup_t1")
    token = csrf_from(client, "/")
    answer = client.post(f"/households/{household_id(app)}/position",
                         data={"csrf_token": token}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    if chinese:
        assert "还没有人为这户提出位置。" in page
    else:
        assert "No position has been proposed for this household." in page
