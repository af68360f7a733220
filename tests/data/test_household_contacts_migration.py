"""Migration 0038 fills household_contacts from the visits already stored, keeps it with
its triggers, and goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from checkin.migrate import upgrade
from tests.data.conftest import downgrade

REVISION = "0038_household_contacts"


def _visit(conn: sa.Connection, visit_id: str, household: int, day: date, kind: str,
           corrects: str | None = None) -> None:
    conn.execute(sa.text(
        "INSERT INTO visits (id, user_id, household_id, village_id, kind, purposes, note, "
        "recorded_at, received_at, local_day, flags, reasons, queued, digest, corrects_id) "
        "VALUES (:id, 1, :h, 1, :kind, 'care', '', :at, :at, :day, '', '[]', false, 'x', "
        ":corrects)"), {"id": visit_id, "h": household, "kind": kind, "day": day,
                        "at": datetime(day.year, day.month, day.day, 2), "corrects": corrects})


def _contacts(engine: Engine) -> dict[int, tuple[date | None, date | None]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT household_id, last_contact, last_visit FROM household_contacts"))
        return {h: (_day(c), _day(v)) for h, c, v in rows}


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore


def test_0038_fills_from_the_stored_visits_and_goes_down_and_up(engine: Engine) -> None:
    upgrade(engine)
    downgrade(engine, f"{REVISION}-1")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
        _visit(conn, "v1", 7, date(2026, 3, 1), "visit")
        _visit(conn, "v2", 7, date(2026, 5, 1), "contact")
        _visit(conn, "v3", 8, date(2026, 4, 1), "visit")
        _visit(conn, "v4", 8, date(2026, 2, 1), "visit", corrects="v3")  # v3 superseded
    upgrade(engine)
    assert _contacts(engine) == {7: (date(2026, 5, 1), date(2026, 3, 1)),
                                 8: (date(2026, 2, 1), date(2026, 2, 1))}
    latest = date(2026, 5, 1), date(2026, 3, 1)
    if engine.dialect.name == "sqlite":  # the triggers keep it from now on (on PostgreSQL
        # the visits without parents need the replica role, which stops triggers too:
        # tests/services/test_household_contacts.py checks them there)
        with engine.begin() as conn:
            conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
            _visit(conn, "v5", 7, date(2026, 6, 1), "visit")
        latest = date(2026, 6, 1), date(2026, 6, 1)
        assert _contacts(engine)[7] == latest
    downgrade(engine, f"{REVISION}-1")
    with engine.connect() as conn:
        assert "household_contacts" not in sa.inspect(conn).get_table_names()
    upgrade(engine)
    assert _contacts(engine)[7] == latest
