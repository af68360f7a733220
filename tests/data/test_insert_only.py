"""Records of evidence are insert-only in the database itself: an UPDATE or DELETE of a
check-in, visit, photo, spot-check result or audit entry fails on SQLite and PostgreSQL,
inserts still work, and only the purge may clear personal columns."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import exc, select, text

from checkin import db
from checkin.models import AuditEntry, Checkin, Photo, Visit
from checkin.ops import retention
from checkin.platform import audit

# table -> (a non-personal column and a new value for it, a personal column if any)
CHANGES = {
    "checkins": ("note", "'changed'", "lat"),
    "visits": ("note", "'changed'", "lat"),
    "photos": ("flags", "'changed'", "exif_lat"),
    "audit_log": ("action", "'changed'", None),
    "spotcheck_results": ("note", "'changed'", "lat"),
}


def _has_guard(conn, table: str) -> bool:
    if conn.dialect.name == "postgresql":
        sql = "SELECT count(*) FROM pg_trigger WHERE tgname = :name"
        return bool(conn.execute(text(sql), {"name": f"{table}_insert_only"}).scalar())
    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = :name"
    return bool(conn.execute(text(sql), {"name": f"{table}_insert_only_update"}).scalar())


@pytest.fixture
def guarded(app: Flask):
    """Every insert-only table guarded (spot-check results too, which migration 0006 may
    find missing when it runs before 0005), and left as it was afterwards."""
    engine = app.extensions["checkin_engine"]
    added = []
    with engine.begin() as conn:
        for table in retention.INSERT_ONLY:
            if not _has_guard(conn, table) and retention.protect_table(conn, table):
                added.append(table)
    yield
    with engine.begin() as conn:
        for table in added:
            retention.unprotect_table(conn, table)


def _refused(app: Flask, sql: str) -> str:
    engine = app.extensions["checkin_engine"]
    with pytest.raises(exc.DBAPIError) as raised, engine.begin() as conn:
        conn.execute(text(sql))
    return str(raised.value.orig)


@pytest.mark.parametrize("table", list(CHANGES))
def test_update_and_delete_are_refused(app: Flask, world, guarded, table: str) -> None:
    if table == "audit_log":
        with app.app_context():
            audit.record(db.session(), actor_id=None, action="test", entity="test",
                         entity_id=1)
            db.session().commit()
    column, value, personal = CHANGES[table]
    with app.extensions["checkin_engine"].connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() > 0
    assert "insert-only" in _refused(app, f"UPDATE {table} SET {column} = {value}")
    assert "insert-only" in _refused(app, f"DELETE FROM {table}")
    if personal:  # personal columns too, outside the purge
        assert "insert-only" in _refused(app, f"UPDATE {table} SET {personal} = NULL"
                                         if table != "checkins" else
                                         f"UPDATE {table} SET {personal} = 1.5")


def test_the_orm_cannot_change_or_delete_evidence(app: Flask, world, guarded) -> None:
    with app.app_context():
        s = db.session()
        checkin = s.scalars(select(Checkin)).first()
        checkin.note = "rewritten"
        with pytest.raises(exc.DBAPIError, match="insert-only"):
            s.commit()
        s.rollback()
        s.delete(s.scalars(select(Visit)).first())
        with pytest.raises(exc.DBAPIError, match="insert-only"):
            s.flush()
        s.rollback()
        assert s.scalars(select(Checkin.note).where(Checkin.id == checkin.id)).one() \
            != "rewritten"


def test_inserts_still_work(app: Flask, world, guarded, make_checkin) -> None:
    with app.app_context():
        s = db.session()
        make_checkin("cadre_a", lat=30.1, lon=116.1, accuracy_m=5, distance_m=3, note="new")
        audit.record(s, actor_id=None, action="test.insert", entity="test", entity_id=2)
        s.commit()
        assert s.scalars(select(AuditEntry.action)).all()[-1] == "test.insert"


def test_the_purge_unlock_lets_only_personal_columns_change(app: Flask, world,
                                                            guarded) -> None:
    with app.app_context():
        audit.record(db.session(), actor_id=None, action="test", entity="test", entity_id=1)
        db.session().commit()
    engine = app.extensions["checkin_engine"]
    with engine.begin() as conn, retention.unlocked(conn, "purge"):
        conn.execute(text("UPDATE checkins SET lat = 30.85, lon = 116.36"))
        conn.execute(text("UPDATE visits SET lat = NULL, lon = NULL"))
        conn.execute(text("UPDATE photos SET exif_lat = NULL, exif_lon = NULL"))
    with pytest.raises(exc.DBAPIError, match="insert-only"), engine.begin() as conn, \
            retention.unlocked(conn, "purge"):
        conn.execute(text("UPDATE checkins SET lat = 1.0, note = 'sneaked in'"))
    with pytest.raises(exc.DBAPIError, match="insert-only"), engine.begin() as conn, \
            retention.unlocked(conn, "purge"):
        conn.execute(text("DELETE FROM visits"))
    with pytest.raises(exc.DBAPIError, match="insert-only"), engine.begin() as conn, \
            retention.unlocked(conn, "purge"):
        conn.execute(text("UPDATE audit_log SET action = 'x'"))
    # The unlock ends with its transaction: nothing is let through afterwards.
    assert "insert-only" in _refused(app, "UPDATE checkins SET lat = 2.0")
    with app.app_context():
        assert db.session().scalars(select(Photo.exif_lat)).all() == [None] * 3


def test_wiping_is_for_sqlite_only(app: Flask, world, guarded) -> None:
    engine = app.extensions["checkin_engine"]
    if engine.dialect.name == "postgresql":
        with pytest.raises(NotImplementedError), engine.begin() as conn, \
                retention.unlocked(conn, "wipe"):
            pass
        return
    with engine.begin() as conn:
        with retention.unlocked(conn, "wipe"):
            conn.execute(text("DELETE FROM spotcheck_results"))
        assert conn.execute(text("SELECT count(*) FROM evidence_unlock")).scalar() == 0
    assert "insert-only" in _refused(app, "DELETE FROM checkins")


def test_the_ddl_names_every_column_but_the_personal_ones() -> None:
    statements = retention.insert_only_statements("sqlite", "t", ["id", "a", "lat"], ["lat"])
    update = next(s for s in statements if "BEFORE UPDATE" in s)
    assert 'NEW."a" IS OLD."a"' in update and 'NEW."lat"' not in update
    pg = retention.insert_only_statements("postgresql", "t", ["id", "lat"], ["lat"])
    assert "insert_only_guard('lat')" in pg[-1]
    with pytest.raises(ValueError):
        retention.insert_only_statements("sqlite", "t", ["id"], ["lat"])
