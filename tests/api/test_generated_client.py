"""A client generated from /api/v1/openapi.json by openapi-python-client, with no warning,
drives the service over HTTP: sign in, check in, a visit with a photo, the photo's download
(and its 304), sign out. On each database and each photo store."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from werkzeug.serving import make_server

from checkin.api.openapi import document
from tests.conftest import PASSWORD

PACKAGE = "checkin_api_client"
# The generator reads JSON bodies, text and application/octet-stream; a JPEG or a sheet it
# is told (its documented content_type_overrides) to read as bytes.
GENERATOR_CONFIG = {"content_type_overrides": {
    "image/jpeg": "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        "application/octet-stream"}}


@pytest.fixture
def app(photo_app: Flask) -> Flask:
    return photo_app


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    folder = tmp_path_factory.mktemp("client")
    (folder / "openapi.json").write_text(json.dumps(document()))
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", "openapi.json",
         "--output-path", PACKAGE, "--meta", "none", "--config", "config.json"],
        cwd=folder, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, said
    # Clean means it says only what it generated: no warning, no schema or response it
    # could not read and left out, no skipped post-processing.
    assert said.splitlines() == [f"Generating {PACKAGE}"], said
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _part(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 60)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_generated_client_checks_in_records_a_visit_and_downloads_its_photo(
        generated: ModuleType, live_server: str, world) -> None:
    models, types = _part("models"), _part("types")
    anonymous = generated.Client(base_url=f"{live_server}/api/v1",
                                 raise_on_unexpected_status=True)
    signed_in = _part("api.default.create_token").sync_detailed(
        client=anonymous, body=models.Credentials(username="cadre_a", password=PASSWORD))
    assert signed_in.status_code == 201, signed_in.content
    client = generated.AuthenticatedClient(base_url=f"{live_server}/api/v1",
                                           token=signed_in.parsed.token,
                                           raise_on_unexpected_status=True)
    get_me = _part("api.default.get_me")
    assert get_me.sync(client=client).username == "cadre_a"

    now = datetime.now(UTC) - timedelta(minutes=1)
    checkin = _part("api.default.create_checkin").sync_detailed(
        client=client, body=models.CheckinIn(id=uuid.uuid4(), lat=30.851, lon=116.361,
                                             accuracy_m=12, recorded_at=now))
    assert checkin.status_code == 201, checkin.content
    assert isinstance(checkin.parsed, models.Checkin) and checkin.parsed.in_fence

    households = _part("api.default.list_households").sync(client=client)
    household = households.items[0]
    photo = _jpeg()
    visit = _part("api.default.create_visit").sync_detailed(client=client, body=(
        models.VisitUpload(
            visit=models.VisitIn(
                id=uuid.uuid4(), household_id=household.id, kind=models.VisitInKind.VISIT,
                recorded_at=now, lat=30.851, lon=116.361, accuracy_m=8, note="走访",
                purposes=[models.VisitInPurposesItem.CARE],
                photo_exif=[models.PhotoExif(taken_at=now.isoformat(), lat=30.851,
                                             lon=116.361)]),
            photos=[types.File(payload=io.BytesIO(photo), file_name="p.jpg",
                               mime_type="image/jpeg")])))
    assert visit.status_code == 201, visit.content
    assert isinstance(visit.parsed, models.Visit)
    [stored] = visit.parsed.photos
    assert "exif_from_client" in stored.flags  # the phone's photo_exif arrived as JSON

    get_photo = _part("api.default.get_photo")
    downloaded = get_photo.sync_detailed(stored.id, client=client)
    assert downloaded.status_code == 200
    body = downloaded.parsed.payload.read()
    assert Image.open(io.BytesIO(body)).size == (stored.width, stored.height)
    etag = downloaded.headers["ETag"]
    again = get_photo.sync_detailed(stored.id, client=client, if_none_match=etag)
    assert again.status_code == 304 and again.content == b""
    thumb = _part("api.default.get_photo_thumb").sync_detailed(stored.id, client=client)
    assert thumb.status_code == 200 and thumb.parsed.payload.read()[:2] == b"\xff\xd8"

    revoked = _part("api.default.revoke_current_token").sync_detailed(client=client)
    assert revoked.status_code == 204
    assert "content-type" not in revoked.headers
    assert get_me.sync_detailed(client=client).status_code == 401
