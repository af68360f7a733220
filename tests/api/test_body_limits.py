"""Bodies are limited per endpoint before anything parses them, JSON nesting is limited, and
anything malformed or too big is a 400/413 in the asker's language, never a 500 (issue 13,
item 2). The worker's memory under these bodies is measured in test_worker_memory.py."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Household
from tests.lang import CJK

SMALL_JSON_ENDPOINTS = ["/api/v1/tokens", "/api/v1/checkins", "/api/v1/leaves",
                        "/api/v1/spotchecks/draw"]


def many_objects(size: int) -> bytes:
    return b"[" + b"{}," * (size // 3) + b"{}]"


@pytest.mark.parametrize("path", SMALL_JSON_ENDPOINTS)
def test_a_big_json_body_is_413_before_anything_reads_it(client, world, path) -> None:
    response = client.post(path, data=many_objects(2 * 1024 * 1024),
                           content_type="application/json")
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "body_too_large" and CJK.search(error["message"])


def test_the_limit_is_told_in_english_too(client, world) -> None:
    response = client.post("/api/v1/tokens", data=many_objects(64 * 1024),
                           content_type="application/json",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "16 KB" in response.get_json()["error"]["message"]


def test_a_big_body_is_refused_before_authentication(client, world, token_for) -> None:
    """Anonymous, a Bearer token or a cookie: the size is checked first, so a stranger's
    16 MB is never parsed to find out that it is a stranger's."""
    for headers in ({}, {"Authorization": "Bearer junk"}, token_for("cadre_a")):
        response = client.post("/api/v1/checkins", data=many_objects(16 * 1024 * 1024),
                               content_type="application/json", headers=headers)
        assert response.status_code == 413


def test_a_sign_in_form_body_is_limited_too(client, world) -> None:
    response = client.post("/login", data={"username": "x" * 200_000, "password": "y"})
    assert response.status_code == 413


@pytest.mark.parametrize("path", SMALL_JSON_ENDPOINTS)
@pytest.mark.parametrize("opener", ["[", "{\"a\":"])
def test_deep_nesting_is_400_not_500(client, world, token_for, path, opener) -> None:
    headers = {} if path == "/api/v1/tokens" else token_for(
        "sup_t1" if path.startswith("/api/v1/spotchecks") else "cadre_a")
    for depth in (200, 3000):  # small enough for the size limit: the depth limit answers
        body = opener * depth
        response = client.post(path, data=body, content_type="application/json",
                               headers=headers)
        assert response.status_code == 400, (depth, response.get_data(as_text=True)[:300])
        assert response.get_json()["error"]["code"] in ("json_too_deep", "malformed_json")
    deep = client.post(path, data=opener * 3000 + "1" + ("]" if opener == "[" else "}") * 3000,
                       content_type="application/json", headers=headers)
    assert deep.status_code in (400, 413)


def test_deep_nesting_is_named(client, world) -> None:
    response = client.post("/api/v1/tokens", data="[" * 5000 + "]" * 5000,
                           content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "json_too_deep"


def test_moderate_nesting_still_parses(client, world) -> None:
    body = {"username": "cadre_a", "password": "correct-horse-42",
            "extra": [[[[{"a": [1, {"b": "[[[[{{{{"}]}]]]]}
    assert client.post("/api/v1/tokens", json=body).status_code == 201


def visit_form(app: Flask, visit_extra: dict | None = None) -> dict:
    with app.app_context():
        home = db.session().scalars(select(Household).where(Household.code == "Ha0")).one()
    visit = {"id": str(uuid.uuid4()), "household_id": home.id, "kind": "visit",
             "lat": 30.851, "lon": 116.361, "accuracy_m": 10,
             "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
             **(visit_extra or {})}
    return {"visit": json.dumps(visit)}


def test_a_deeply_nested_visit_field_is_400(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    for raw in ("[" * 5000, '{"photo_exif":' + "[" * 5000 + "]" * 5000 + "}"):
        response = client.post("/api/v1/visits", data={"visit": raw}, headers=bearer,
                               content_type="multipart/form-data")
        assert response.status_code == 400, response.get_data(as_text=True)[:300]


def test_a_photo_over_the_per_file_cap_is_413_unread(app: Flask, client, world,
                                                     token_for) -> None:
    data = visit_form(app)
    data["photos"] = [(io.BytesIO(b"\xff\xd8\xff" + b"\0" * (16 * 1024 * 1024)), "big.jpg")]
    response = client.post("/api/v1/visits", data=data, headers=token_for("cadre_a"),
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "photo_too_large"


def test_a_visit_field_over_its_cap_is_413(app: Flask, client, world, token_for) -> None:
    data = visit_form(app, {"note": "x" * 300_000})
    response = client.post("/api/v1/visits", data=data, headers=token_for("cadre_a"),
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_a_visit_body_over_the_total_cap_is_413(app: Flask, client, world, token_for) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    data = visit_form(app)
    data["photos"] = [(io.BytesIO(b"\0" * 600_000), f"p{n}.jpg") for n in range(2)]
    response = client.post("/api/v1/visits", data=data, headers=token_for("cadre_a"),
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
