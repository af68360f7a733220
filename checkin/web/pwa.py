"""The installable phone app: web app manifest, service worker at /sw.js, offline page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

bp = Blueprint("pwa", __name__)

# Kept in the service worker's cache from its install on: everything a page of the app needs
# (the pages themselves are cached as they are visited, or warmed for cadres).
PRECACHE = ("css/app.css", "css/offline.css", "js/outbox.js", "js/offline.js",
            "js/outbox-forms.js", "js/checkin.js",
            "js/households.js", "js/photos.js", "js/visit.js", "img/icon.svg",
            # the team report (its remarks are written without signal too)
            "css/spotcheck.css", "js/spotcheck.js")
SW_SOURCE = "sw.js"  # in static/, filled in by service_worker()


def _static_dir() -> Path:
    return Path(current_app.static_folder or "static")


def precached_files() -> list[str]:
    """Static paths (relative to static/) the service worker keeps from its install on."""
    return [name for name in PRECACHE if (_static_dir() / name).is_file()]


def cache_version(files: list[str], source: bytes) -> str:
    """Changes whenever the worker or a file it precaches changes, so a deploy renews them."""
    digest = hashlib.sha256(source)
    root = _static_dir()
    for name in files:
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
def service_worker() -> Response:
    """The worker must sit at the root for its scope to be the whole site."""
    source = (_static_dir() / SW_SOURCE).read_bytes()
    files = precached_files()
    urls = [url_for("static", filename=name) for name in files]
    urls += [url_for("pwa.manifest"), url_for("pwa.offline")]
    body = (source.decode()
            .replace('"__VERSION__"', json.dumps(cache_version(files, source)))
            .replace('["__PRECACHE__"]', json.dumps(urls))
            .replace('"__OFFLINE__"', json.dumps(url_for("pwa.offline")))
            .replace('"__FORM__"', json.dumps(url_for("visits.new_visit")))
            .replace('["__SEARCHED__"]', json.dumps([url_for("visits.my_households")]))
            .replace('"__OUTBOX__"', json.dumps(url_for("static", filename="js/outbox.js")))
            .replace('"__API__"', json.dumps({
                "checkin": url_for("api.create_checkin"), "visit": url_for("api.create_visit"),
                "me": url_for("api.me"), "token_page": url_for("home.index")})))
    response = Response(body, mimetype="text/javascript")
    # The browser checks for a new worker on navigations; never serve it a stale one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    icon = "static"
    body: dict[str, Any] = {
        "id": "/",
        "name": _("Village cadre check-in"),
        "short_name": _("Cadre check-in"),
        "description": _("Check in, record household visits, and send them when there is "
                         "signal."),
        "lang": "zh-CN",
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f3f4f6",
        "theme_color": "#b91c1c",
        "icons": [
            {"src": url_for(icon, filename="img/icon-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": url_for(icon, filename="img/icon-512.png"), "sizes": "512x512",
             "type": "image/png"},
            {"src": url_for(icon, filename="img/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
            {"src": url_for(icon, filename="img/icon.svg"), "sizes": "any",
             "type": "image/svg+xml"},
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False),
                        mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline() -> str:
    """What the worker shows for a page that was never saved on the phone."""
    return render_template("cadre/offline.html")
