"""Static URLs carry their content's digest and are cached a year; text answers are compressed
(issue 17, item 9)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD

STATIC = Path(__file__).resolve().parents[2] / "static"
LONG_LIVED = "public, max-age=31536000, immutable"


def test_pages_name_static_files_by_digest_and_they_are_cached_a_year(
        client: FlaskClient, world, login) -> None:
    login(client, "cadre_a", PASSWORD)
    page = client.get("/my/checkin").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any("css/app.css" in url for url in urls), urls
    for url in urls:
        path, _, query = url.partition("?")
        digest = hashlib.sha256((STATIC / path.removeprefix("/static/")).read_bytes())
        assert query == f"v={digest.hexdigest()[:12]}", url
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == LONG_LIVED, url


def test_a_static_file_without_its_digest_is_revalidated(client: FlaskClient) -> None:
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        answer = client.get(url)
        assert answer.status_code == 200
        assert "immutable" not in answer.headers.get("Cache-Control", ""), url


def test_the_service_worker_precaches_the_digest_urls(client: FlaskClient) -> None:
    worker = client.get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    body = worker.get_data(as_text=True)
    digest = hashlib.sha256((STATIC / "js/outbox.js").read_bytes()).hexdigest()[:12]
    assert f"/static/js/outbox.js?v={digest}" in body


def test_text_is_compressed_with_brotli_or_gzip(app: Flask, client: FlaskClient, world,
                                                login) -> None:
    login(client, "cadre_a", PASSWORD)
    for url in ("/", "/my/checkin", "/static/css/app.css", "/static/js/offline.js", "/sw.js",
                "/manifest.webmanifest"):
        plain = client.get(url).get_data()
        br = client.get(url, headers={"Accept-Encoding": "br"})
        assert br.headers.get("Content-Encoding") == "br", url
        assert "Accept-Encoding" in br.headers.get("Vary", ""), url
        assert len(br.get_data()) < len(plain) / (2 if len(plain) > 4000 else 1), url
        assert brotli.decompress(br.get_data())[:40] == plain[:40], url
        gz = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers.get("Content-Encoding") == "gzip", url
        assert gzip.decompress(gz.get_data())[:40] == plain[:40], url


def test_photos_are_not_compressed_again(client: FlaskClient) -> None:
    answer = client.get("/static/img/icon-192.png", headers={"Accept-Encoding": "br, gzip"})
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer.headers
