"""Migration 0033 (the township's opinions, 乡镇党委意见) goes up and down and up again on
SQLite and PostgreSQL, and the table it makes is insert-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from checkin.migrate import upgrade
from checkin.models import User
from tests.data.conftest import downgrade

REVISION = "0033_township_opinions"


def _has_table(engine: Engine) -> bool:
    return "township_opinions" in sa.inspect(engine).get_table_names()


def test_0033_goes_up_down_and_up(engine: Engine) -> None:
    upgrade(engine)
    assert _has_table(engine)
    downgrade(engine, f"{REVISION}-1")
    assert not _has_table(engine)
    with engine.connect() as conn:
        versions = {row[0] for row in conn.execute(sa.text(
            "SELECT version_num FROM alembic_version"))}
    assert REVISION not in versions
    upgrade(engine)
    assert _has_table(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("township_opinions")}
    assert {"user_id", "year", "sequence", "supersedes_id", "township_id", "text",
            "suggested_grade", "written_by_id", "written_at"} <= columns


def test_0033_makes_the_opinions_insert_only(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO areas (code, name, level, path) VALUES "
                             "('34', 'P', 'township', '/1/')"))
        area = conn.execute(sa.text("SELECT id FROM areas WHERE code = '34'")).scalar()
    with engine.begin() as conn:
        table = User.__table__  # the model's own defaults fill what is not named
        values = {c.name: _filler(c) for c in table.columns if not c.nullable
                  and c.name != "id" and c.default is None and c.server_default is None}
        values.update(username="sup", name="Sup", role="supervisor", area_id=area)
        user = conn.execute(table.insert().values(**values).returning(table.c.id)).scalar()
        conn.execute(sa.text(
            "INSERT INTO township_opinions (user_id, year, sequence, township_id, text, "
            "suggested_grade, written_by_id, written_at) VALUES "
            "(:u, 2026, 1, :a, '该同志全年驻村在岗', 'competent', :u, CURRENT_TIMESTAMP)"),
            {"u": user, "a": area})
    for sql in ("UPDATE township_opinions SET text = 'changed'",
                "DELETE FROM township_opinions"):
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"), engine.begin() as conn:
            conn.execute(sa.text(sql))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO township_opinions (user_id, year, sequence, township_id, text, "
            "suggested_grade, written_by_id, written_at) VALUES "
            "(:u, 2026, 2, :a, '该同志全年驻村在岗', 'great', :u, CURRENT_TIMESTAMP)"),
            {"u": user, "a": area})


def _filler(column: sa.Column) -> object:
    """A value for a NOT NULL column of users with no default that the test does not name."""
    return {bool: False, int: 0}.get(column.type.python_type, "")
