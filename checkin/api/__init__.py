"""The JSON API under /api/v1 for the phone app and other systems."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from checkin.api import (  # noqa: E402, F401
    attendance,
    bulletins,
    checkins,
    corrections,
    daily_logs,
    dossier,
    evaluation,
    health,
    imports,
    leaves,
    notifications,
    openapi,
    pledges,
    rounds,
    session,
    spotchecks,
    team_reports,
    trainings,
    villages,
    visits,
)
