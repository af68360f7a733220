"""Migration 0007_findings gives every stored result the verdict it had when it was
recorded: an absence is excused only by leave approved by then (a leave without a
decision time, from before it was kept, counts as known), up to a return declared by
then; leave approved afterwards (事后补批) excuses nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from checkin.db import make_engine
from checkin.migrate import alembic_config, upgrade
from tests.conftest import _drop_postgres_database, _postgres_database

CHECKED = datetime(2026, 11, 18, 3, 0)  # naive UTC, as stored
EARLIER = datetime(2026, 11, 18, 2, 0)
LATER = datetime(2026, 11, 18, 4, 0)

# result id -> (item kind, outcome, leave (status, decided_at, returned_on, closed_at) or
# None, the verdict expected)
CASES: dict[int, tuple[str, str, tuple[str, datetime | None, str | None,
                                       datetime | None] | None, str]] = {
    1: ("presence", "confirmed", None, "pass"),
    2: ("presence", "unreachable", None, "no_contact"),
    3: ("presence", "not_confirmed", None, "fail"),
    4: ("presence", "not_confirmed", ("approved", EARLIER, None, None), "excused"),
    5: ("presence", "not_confirmed", ("approved", LATER, None, None), "fail"),  # 事后补批
    6: ("presence", "not_confirmed", ("approved", None, None, None), "excused"),  # legacy
    7: ("presence", "not_confirmed", ("pending", None, None, None), "fail"),
    8: ("presence", "not_confirmed", ("closed", EARLIER, "2026-11-18", EARLIER), "fail"),
    9: ("presence", "not_confirmed", ("closed", EARLIER, "2026-11-18", LATER), "excused"),
    10: ("visit", "not_confirmed", ("approved", EARLIER, None, None), "fail"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0006(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    name = f"checkin_backfill_{os.getpid()}"
    if request.param == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'backfill.db'}"
    else:
        url = _postgres_database(name)
        if url is None:
            pytest.skip("PostgreSQL is not reachable")
    engine = make_engine(url)
    cfg = alembic_config(url)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.commit()
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def _world(conn: sa.Connection) -> None:
    run = conn.execute
    run(sa.text("INSERT INTO areas (id, code, name, level, path) VALUES "
                "(1, '34', 'P', 'province', '/1/'), (2, '3401', 'V', 'village', '/1/2/')"))
    run(sa.text("INSERT INTO villages (id, area_id, code, name, lat, lon, radius_m, "
                "poverty_status, area_path) VALUES (1, 2, '3401', 'V', 30.0, 116.0, 1500, "
                "'poor', '/1/2/')"))
    run(sa.text("INSERT INTO users (id, username, name, role, password_hash, active, "
                "session_epoch, is_leader, created_at, area_id) VALUES (1, 'sup', 'S', "
                "'supervisor', 'x', true, 0, false, :at, 1)"), {"at": EARLIER})
    run(sa.text("INSERT INTO spotcheck_batches (id, area_id, area_path, week, seed, "
                "candidates, drawn_at) VALUES (1, 1, '/1/', '2026-W47', 's', '{}', :at)"),
        {"at": EARLIER})
    for n, (kind, outcome, leave, _verdict) in CASES.items():
        run(sa.text("INSERT INTO users (id, username, name, role, password_hash, active, "
                    "session_epoch, is_leader, created_at, village_id) VALUES (:id, :u, :u, "
                    "'cadre', 'x', true, 0, false, :at, 1)"),
            {"id": 100 + n, "u": f"c{n}", "at": EARLIER})
        run(sa.text("INSERT INTO spotcheck_items (id, batch_id, position, kind, user_id, "
                    "village_id, day, risk, reasons) VALUES (:n, 1, :n, :kind, :user, 1, "
                    "'2026-11-18', 1.0, '[]')"), {"n": n, "kind": kind, "user": 100 + n})
        run(sa.text("INSERT INTO spotcheck_results (id, item_id, checked_by_id, method, "
                    "outcome, note, recorded_at, local_day) VALUES (:n, :n, 1, 'phone', "
                    ":outcome, '', :at, '2026-11-18')"),
            {"n": n, "outcome": outcome, "at": CHECKED})
        if leave is None:
            continue
        status, decided_at, returned_on, closed_at = leave
        run(sa.text("INSERT INTO leaves (id, user_id, village_id, kind, start_date, end_date, "
                    "reason, status, approver_level, created_at, digest, decided_at, "
                    "returned_on, closed_at) VALUES (:id, :user, 1, 'sick', '2026-11-17', "
                    "'2026-11-19', '', :status, 'township', :created, 'x', :decided, "
                    ":returned, :closed)"),
            {"id": f"leave-{n}", "user": 100 + n, "status": status, "created": EARLIER,
             "decided": decided_at, "returned": returned_on, "closed": closed_at})


def test_existing_results_get_the_verdict_known_when_they_were_recorded(
        at_0006: Engine) -> None:
    with at_0006.begin() as conn:
        _world(conn)
    upgrade(at_0006)
    with at_0006.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT id, verdict FROM spotcheck_results")).all())
    assert stored == {n: case[3] for n, case in CASES.items()}
    with at_0006.connect() as conn, pytest.raises(sa.exc.DatabaseError):
        conn.execute(sa.text("UPDATE spotcheck_results SET verdict = 'pass' WHERE id = 3"))
