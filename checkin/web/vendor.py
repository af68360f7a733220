"""Third-party browser code installed by pip (XStatic packages), served under /static/vendor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, send_from_directory

bp = Blueprint("vendor", __name__)


@bp.get("/static/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Any:
    import xstatic.pkg.leaflet as package

    response = send_from_directory(package.BASE_DIR, filename, max_age=7 * 86400)
    return response


@bp.get("/favicon.ico")
def favicon() -> Any:
    from flask import current_app

    return send_from_directory(current_app.static_folder or "static", "img/icon.svg",
                               mimetype="image/svg+xml", max_age=7 * 86400)
