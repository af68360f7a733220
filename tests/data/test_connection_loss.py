"""A PostgreSQL connection the server closed: pinged away when idle, one 503 when busy.

The pool does not ping on every checkout (db.py): a connection idle for a while is tried
first and replaced if dead; one that dies in use fails that request with 503, which the
phone sends again, and nothing is lost or stored twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from checkin import db
from checkin.models import Checkin


def body() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 25,
            "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}


def kill_pooled_connections(app: Flask, *, idle_for_s: float) -> int:
    """Terminate the server side of every connection in the app's pool; age their last use."""
    engine = app.extensions["checkin_engine"]
    pids = []
    for record in list(engine.pool._pool.queue):  # the idle connections of a QueuePool
        pids.append(record.dbapi_connection.info.backend_pid)
        record.info["last_used"] -= idle_for_s
    admin = engine.pool._creator()  # a separate server connection, outside the pool
    with admin.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.commit()
    admin.close()
    return len(pids)


# A server database's failure: SQLite has no server connection to lose.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def postgres_app(app: Flask) -> Flask:
    assert app.extensions["checkin_engine"].dialect.name == "postgresql"
    return app


def stored(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Checkin)) or 0


def test_an_idle_dead_connection_is_replaced_before_use(postgres_app, client, world,
                                                         token_for) -> None:
    bearer = token_for("cadre_a")
    before = stored(postgres_app)
    assert client.post("/api/v1/checkins", json=body(), headers=bearer).status_code == 201
    assert kill_pooled_connections(postgres_app, idle_for_s=60) >= 1
    response = client.post("/api/v1/checkins", json=body(), headers=bearer)
    assert response.status_code == 201, response.get_json()
    assert stored(postgres_app) == before + 2


def test_a_busy_dead_connection_fails_one_request_with_503_then_recovers(
        postgres_app, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    before = stored(postgres_app)
    assert client.post("/api/v1/checkins", json=body(), headers=bearer).status_code == 201
    assert kill_pooled_connections(postgres_app, idle_for_s=0) >= 1
    lost = body()
    failed = client.post("/api/v1/checkins", json=lost, headers=bearer)
    assert failed.status_code == 503
    assert failed.get_json()["error"]["code"] == "unavailable"
    assert failed.headers["Retry-After"] == "5"
    again = client.post("/api/v1/checkins", json=lost, headers=bearer)  # the phone retries
    assert again.status_code == 201, again.get_json()
    assert client.post("/api/v1/checkins", json=lost, headers=bearer).status_code == 200
    assert stored(postgres_app) == before + 2
    with postgres_app.app_context():
        assert db.session().execute(text("SELECT 1")).scalar() == 1
