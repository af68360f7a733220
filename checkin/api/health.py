"""GET /health for a load balancer: whether this host can serve (its database answers, its
photo store takes a write). No sign-in, no rate limit, and nothing in the answer but the
words ok/failing: no host names, paths, versions or error texts."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from sqlalchemy import text

from checkin import db
from checkin.api import bp
from checkin.photos.stores import photo_store


def _database() -> bool:
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach or ask the database
        current_app.logger.warning("health: the database does not answer", exc_info=True)
        return False
    return True


def _photos() -> bool:
    try:
        photo_store().check_writable()
    except OSError:
        current_app.logger.warning("health: the photo store cannot be written", exc_info=True)
        return False
    return True


@bp.get("/health")
def health() -> Response:
    parts = {"database": _database(), "photos": _photos()}
    response = jsonify({"status": "ok" if all(parts.values()) else "unavailable",
                        **{name: "ok" if good else "failing" for name, good in parts.items()}})
    response.status_code = 200 if all(parts.values()) else 503
    response.headers["Cache-Control"] = "no-store"
    return response
