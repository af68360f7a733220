"""Every photo in the corpus and generated hostile uploads through POST /visits: accepted
upright or refused with a clear 4xx, in bounded time, never a 500."""

from __future__ import annotations

import io
import json
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from checkin import db
from checkin.models import Household

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "photos"
FILES = sorted(p for folder in ("invalid", "hostile", "heic", "orientation", "real", "gps")
               for p in (CORPUS / folder).glob("*") if p.is_file()) if CORPUS.is_dir() else []


def upload(app: Flask, client, bearer, files: list[tuple[bytes, str]]):
    with app.app_context():
        home = db.session().scalars(select(Household).where(Household.code == "Ha0")).one()
    visit = {"id": str(uuid.uuid4()), "household_id": home.id, "kind": "visit",
             "lat": 30.851, "lon": 116.361, "accuracy_m": 10,
             "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    data = {"visit": json.dumps(visit), "photos": [(io.BytesIO(b), n) for b, n in files]}
    return client.post("/api/v1/visits", data=data, headers=bearer,
                       content_type="multipart/form-data")


@pytest.fixture(scope="module")
def corpus_files() -> list[Path]:
    if not FILES:
        pytest.skip(f"photo corpus not found at {CORPUS}")
    return FILES


def test_every_corpus_file(app: Flask, client, world, token_for, corpus_files) -> None:
    bearer = token_for("cadre_a")
    outcomes = {}
    for path in corpus_files:
        started = time.perf_counter()
        response = upload(app, client, bearer, [(path.read_bytes(), path.name)])
        elapsed = time.perf_counter() - started
        assert response.status_code < 500, (path.name, response.status_code)
        assert elapsed < 10, (path.name, elapsed)
        body = response.get_json()
        if response.status_code == 201:
            photo = body["photos"][0]
            stored = Image.open(io.BytesIO(client.get(photo["url"], headers=bearer).data))
            assert stored.format == "JPEG" and max(stored.size) <= 1600
        else:
            assert 400 <= response.status_code < 500 and body["error"]["message"]
        outcomes[f"{path.parent.name}/{path.name}"] = response.status_code
    accepted_folders = ("invalid", "heic", "orientation", "real", "gps")
    for name, status in outcomes.items():
        if name.split("/")[0] in accepted_folders:
            assert status == 201, (name, status)
    refused = {n for n, s in outcomes.items() if s != 201}
    assert {"hostile/decompression_bomb.gif", "hostile/truncated_jpeg.jpg"} <= refused


def png_of_size(width: int, height: int) -> bytes:
    """A valid PNG of width x height black pixels in a few kilobytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data +
                zlib.crc32(kind + data).to_bytes(4, "big"))

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    raw = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    body = b"".join(raw.compress(row) for _ in range(height)) + raw.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + \
        chunk(b"IEND", b"")


def test_generated_hostile_uploads(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(jpeg, "JPEG")
    cases = {
        "polyglot": b"<html><script>alert(1)</script></html>" + jpeg.getvalue(),
        "100 megapixels": png_of_size(10_000, 10_000),
        "truncated": jpeg.getvalue()[: len(jpeg.getvalue()) // 2],
        "empty": b"",
        "text": b"just some text",
    }
    for name, content in cases.items():
        started = time.perf_counter()
        response = upload(app, client, bearer, [(content, f"{name}.jpg")])
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.get_json()["error"]["code"].startswith("photo_"), name
        assert time.perf_counter() - started < 10, name


def test_a_body_over_the_limit_is_413(app: Flask, client, world, token_for) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(app, client, token_for("cadre_a"), [(b"\xff" * (2 * 1024 * 1024), "big")])
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
