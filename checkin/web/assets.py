"""Static files named by their content, kept a year by the browser; text answers compressed.

Every ``url_for('static', filename=...)`` carries ``?v=<digest of the file>``: a new deploy
changes the URL of a changed file, so the old URL can be cached for good (``immutable``)
and the phone fetches each file once, not again on every page. A request without the
current digest (an old page, a typed URL) gets the file with the default revalidation.
The service worker's precache list is built with url_for too, so it names the same URLs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, get_flashed_messages, request
from flask_compress import Compress

LONG_LIVED = "public, max-age=31536000, immutable"
# The text this service sends: pages, styles, scripts (the worker's too), JSON, the icon.
COMPRESSED = ("text/html", "text/css", "text/javascript", "application/javascript",
              "application/json", "application/manifest+json", "image/svg+xml", "text/plain")

_digests: dict[str, tuple[float, str]] = {}


def file_digest(filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, kept until its mtime changes."""
    root = Path(current_app.static_folder or "static")
    path = (root / filename).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        return None
    mtime = path.stat().st_mtime
    known = _digests.get(str(path))
    if known is not None and known[0] == mtime:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    _digests[str(path)] = (mtime, digest)
    return digest


def add_digest(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static" or "v" in values or not isinstance(values.get("filename"), str):
        return
    digest = file_digest(values["filename"])
    if digest is not None:
        values["v"] = digest


def long_lived(response: Response) -> Response:
    if (request.endpoint == "static" and response.status_code in (200, 304)
            and request.view_args is not None):
        wanted = request.args.get("v")
        if wanted and wanted == file_digest(str(request.view_args.get("filename", ""))):
            response.headers["Cache-Control"] = LONG_LIVED
            response.headers.pop("Expires", None)
    return response


def one_time_messages() -> list[tuple[str, str]]:
    """The flashed messages of this page; a page that shows one is never stored (the phone's
    service worker skips ``no-store`` pages), so a saved page does not replay it."""
    messages = [(str(item[0]), str(item[1]))
                for item in get_flashed_messages(with_categories=True)]
    if messages:
        g.one_time_messages = True
    return messages


def not_kept_with_messages(response: Response) -> Response:
    if g.get("one_time_messages"):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_digest)
    app.after_request(long_lived)
    app.after_request(not_kept_with_messages)
    app.jinja_env.globals["one_time_messages"] = one_time_messages
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED))
    # Static files are sent as streams; gzip (Safari, older Android WebViews) for them too.
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["zstd", "br", "gzip", "deflate"])
    Compress(app)
