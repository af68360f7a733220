"""The app as gunicorn serves it, plus two endpoints for the benchmark's baselines only.

`gunicorn bench._wsgi:app`: the product never has /bench/*; this module adds them to an app
built by the same factory, so every endpoint pays the same hooks in the same workers.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from checkin import create_app, db
from checkin.api.payload import json_object

app = create_app()


@app.get("/bench/trivial")
def trivial() -> str:
    return "ok"


@app.post("/bench/floor")
def floor() -> Any:
    """What any JSON write pays before doing its own work: the POST body read as a JSON
    object, a database connection from the pool with one round trip, a JSON answer."""
    body = json_object()
    with db.engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        cursor.close()
    return jsonify(body), 201
