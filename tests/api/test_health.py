"""GET /api/v1/health for a load balancer: no sign-in, nothing sensitive, never limited;
503 names the part that fails (a real unreachable database, a photo folder that cannot be
written)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from checkin import create_app
from checkin.photos import stores
from config import TestConfig
from tests.api.test_spotchecks_api import _conforms, _response_schema


def _check(client, status: int) -> dict[str, str]:
    response = client.get("/api/v1/health")
    assert response.status_code == status, response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    doc = client.get("/api/v1/openapi.json").get_json()
    _conforms(response.get_json(), _response_schema(doc, "/health", "get", status), doc,
              "GET /health")
    return response.get_json()


def test_health_is_ok_without_signing_in_and_never_limited(app: Flask, client) -> None:
    for _ in range(120):  # more than any sign-in limit
        assert _check(client, 200) == {"status": "ok", "database": "ok", "photos": "ok"}


def test_a_photo_folder_that_cannot_be_written_is_named(app: Flask, client,
                                                        tmp_path: Path) -> None:
    blocker = Path(app.config["PHOTO_DIR"])  # the app's store: a file where its folder was
    shutil.rmtree(blocker, ignore_errors=True)
    blocker.write_text("not a folder")
    assert _check(client, 503) == {"status": "unavailable", "database": "ok",
                                   "photos": "failing"}


def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    class Broken(TestConfig):
        DATABASE_URL = "postgresql+psycopg://checkin@127.0.0.1:1/checkin"  # nobody listens
        PHOTO_DIR = str(tmp_path / "photos")

    app = create_app(Broken)
    body = _check(app.test_client(), 503)
    assert body == {"status": "unavailable", "database": "failing", "photos": "ok"}
    assert "127.0.0.1" not in str(body) and "psycopg" not in str(body)


def test_the_photo_store_is_checked_on_every_backend(photo_app: Flask) -> None:
    """A write to the store the app was built with: the folder, or the bucket."""
    assert _check(photo_app.test_client(), 200) == {"status": "ok", "database": "ok",
                                                    "photos": "ok"}


def test_an_unreachable_object_store_is_named(app: Flask, s3_server) -> None:
    app.config.update(PHOTO_STORE="s3://checkin-test/health",
                      S3_ENDPOINT_URL="http://127.0.0.1:1")  # nobody listens
    stores.init_app(app)
    body = _check(app.test_client(), 503)
    assert body == {"status": "unavailable", "database": "ok", "photos": "failing"}
    assert "127.0.0.1" not in str(body)
