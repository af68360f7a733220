"""The smaller findings of issue 13, item 8: caps and refusals on visit and check-in text,
negative accuracy on contacts, photo flags once each, the lang cookie's flags and the
Permissions-Policy header."""

from __future__ import annotations

import io

from flask import Flask
from PIL import Image

from tests.api.test_checkins_api import payload
from tests.api.test_visits_api import household_of, send


def test_a_long_correction_reason_is_refused(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    first, created = send(client, bearer, home.id)
    assert created.status_code == 201
    _, response = send(client, bearer, home.id, corrects_id=first["id"],
                       correction_reason="x" * 150_000)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["fields"].get("correction_reason")


def test_negative_accuracy_is_refused_on_a_contact(app: Flask, client, world,
                                                   token_for) -> None:
    home = household_of(app, "Ha0")
    _, response = send(client, token_for("cadre_a"), home.id, kind="contact", lat=None, lon=None,
                       accuracy_m=-5)
    assert response.status_code in (400, 422), response.get_json()


def test_nul_bytes_are_refused_in_text(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    _, visit = send(client, bearer, home.id, note="宣讲\x00政策")
    checkin = client.post("/api/v1/checkins", json=payload(note="a\x00b"), headers=bearer)
    for response in (visit, checkin):
        assert response.status_code == 400, response.get_json()


def test_photo_flags_appear_once(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha1")
    image = io.BytesIO()  # no EXIF at all: no_exif_time from the pipeline and the rules both
    Image.effect_noise((640, 480), 60).convert("RGB").save(image, "JPEG")
    content = image.getvalue()
    for _ in range(2):
        _, response = send(client, bearer, home.id, [(content, "1.jpg")])
        flags = response.get_json()["photos"][0]["flags"]
        assert len(flags) == len(set(flags)), flags


def test_permissions_policy_header(client, world) -> None:
    policy = client.get("/login").headers.get("Permissions-Policy", "")
    assert "geolocation=(self)" in policy and "camera=(self)" in policy
    assert "microphone=()" in policy


def test_lang_cookie_is_secure_when_sessions_are(app: Flask, client, world) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = client.get("/lang/en").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_openapi_declares_out_of_range_414_and_413(client, world) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            assert "414" in answers, (path, method)
            assert "out_of_range" in answers["400"]["description"], (path, method)
            if method == "post":
                assert "413" in answers, (path, method)
