"""The app as gunicorn serves it, plus endpoints for the benchmark's baselines only.

`gunicorn bench._wsgi:app`: the product never has /bench/*; this module adds them to an app
built by the same factory, so every endpoint pays the same hooks in the same workers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import jsonify
from sqlalchemy import text

from checkin import create_app, db
from checkin.api.payload import json_object
from checkin.models.types import utcnow
from checkin.platform import clock
from checkin.services.attendance import checkins

app = create_app()


@app.get("/bench/trivial")
def trivial() -> str:
    return "ok"


@app.post("/bench/floor")
def floor() -> Any:
    """What any JSON write pays before doing its own work: the POST body read as a JSON
    object, a database connection from the pool with one round trip, a JSON answer. The
    connection is handled as POST /checkins handles its own (autocommit on PostgreSQL, so
    no ROLLBACK when it goes back to the pool)."""
    body = json_object()
    with db.engine().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        cursor = connection.connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        cursor.close()
    return jsonify(body), 201


_cadres: list[tuple[int, int]] = []


@app.post("/bench/writes")
def writes() -> Any:
    """The floor plus a check-in's own writes, as POST /checkins makes them (the check-in
    row, its attendance day, its audit entry, one commit), without reading who is asking,
    the fence or the previous fix: the share of a check-in that is storing it."""
    body = json_object()
    with db.engine().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        if not _cadres:
            _cadres.extend(connection.execute(text(
                "SELECT id, village_id FROM users WHERE role = 'cadre' ORDER BY id")).all())
            connection.commit()
        user_id, village_id = _cadres[hash(body["id"]) % len(_cadres)]
        # 25 years back: these rows must not be the previous fix of a real check-in.
        recorded_at = datetime.fromisoformat(body["recorded_at"]) - timedelta(days=9131)
        checkins.store(connection, checkins.CheckinRecord(
            id=body["id"], user_id=user_id, village_id=village_id, recorded_at=recorded_at,
            received_at=utcnow(), local_day=clock.local_day(recorded_at), lat=body["lat"],
            lon=body["lon"], accuracy_m=body["accuracy_m"], distance_m=10.0, in_fence=True,
            counts_for_day=True, flags="", reasons=[], note=None, queued=False,
            digest=body["id"]))
        connection.commit()
    return jsonify(body), 201
