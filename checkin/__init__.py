"""checkin: attendance, household visits and spot checks for resident village cadres."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from config import BASE_DIR, Config


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the application; tests pass TestConfig or a mapping of overrides."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)

    from checkin import auth, bodies, db, errors, i18n, security, settings
    from checkin.api import bp as api_bp
    from checkin.cli import register as register_cli
    from checkin.photos import stores
    from checkin.web import register as register_web

    settings.check_config(app)
    app.extensions["checkin_policy"] = settings.build_policy(app.config.get("POLICY", {}))
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        os.makedirs(os.path.dirname(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
                    or ".", exist_ok=True)
    stores.init_app(app)  # the one photo store, from PHOTO_STORE / PHOTO_DIR
    bodies.init_app(app)  # first: its before_request hook runs before any other
    db.init_app(app)
    settings.check_stored_numbers(app)  # a wrong FIELD_KEY stops here, never shows garbage
    auth.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api_bp)
    register_web(app)
    register_cli(app)
    return app
