"""What a signed-in user is shown is kept by no cache: every page and API answer to a
signed-in user carries ``Cache-Control: no-store``; static files keep their own caching;
every table export is an attachment (one helper makes them all)."""

from __future__ import annotations

import pytest
from flask import Flask


def test_a_signed_in_page_is_not_stored(app: Flask, world, login) -> None:
    client = login(app.test_client(), "sup_t1")
    for path in ("/", "/attendance/month", "/visits"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path


def test_a_cadres_page_is_private_and_kept_by_the_phone(app: Flask, world, login) -> None:
    """The phone's service worker keeps the cadre's pages for use without signal and skips
    no-store answers: those pages are private, no-cache (no shared cache keeps them, the
    browser asks again each time)."""
    client = login(app.test_client(), "cadre_a")
    for path in ("/", "/my/checkin", "/my/households", "/my/visits", "/my/attendance"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "private, no-cache", path


def test_an_api_answer_to_a_signed_in_user_is_not_stored(app: Flask, world, login,
                                                          token_for) -> None:
    client = login(app.test_client(), "cadre_a")
    assert client.get("/api/v1/me").headers.get("Cache-Control") == "no-store"
    bearer = app.test_client().get("/api/v1/attendance", headers=token_for("cadre_a"))
    assert bearer.status_code == 200
    assert bearer.headers.get("Cache-Control") == "no-store"


def test_static_files_keep_their_caching(app: Flask, world, login) -> None:
    client = login(app.test_client(), "cadre_a")
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_sign_in_page_of_a_stranger_is_not_marked(app: Flask) -> None:
    assert "no-store" not in app.test_client().get("/login").headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", [
    "/attendance/month.{kind}", "/attendance/year.{kind}", "/visits.{kind}",
    "/coverage.{kind}", "/overdue.{kind}",
])
def test_every_table_export_is_a_private_attachment(app: Flask, world, login,
                                                    path: str) -> None:
    client = login(app.test_client(), "sup_t1")
    for kind, mimetype in (("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        response = client.get(path.format(kind=kind))
        assert response.status_code == 200, path
        assert mimetype in response.content_type
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(path.format(kind="pdf")).status_code == 404


def test_the_roster_template_is_a_private_attachment(app: Flask, world, login) -> None:
    response = login(app.test_client(), "admin").get("/admin/roster/template.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    assert "roster-template.xlsx" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
