"""Migration 0033 (the township's opinions, 乡镇党委意见) goes up and down and up again on
SQLite and PostgreSQL, and the table it makes is insert-only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from checkin.db import make_engine
from checkin.migrate import alembic_config, upgrade
from checkin.models import User
from tests.conftest import _drop_postgres_database, _postgres_database

REVISION = "0033_township_opinions"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    name = f"checkin_0033_{os.getpid()}"
    if request.param == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        url = _postgres_database(name)
        if url is None:
            pytest.skip("PostgreSQL is not reachable")
    made = make_engine(url)
    yield made
    made.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def _downgrade(engine: Engine, target: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)


def _has_table(engine: Engine) -> bool:
    return "township_opinions" in sa.inspect(engine).get_table_names()


def test_0033_goes_up_down_and_up(engine: Engine) -> None:
    upgrade(engine)
    assert _has_table(engine)
    _downgrade(engine, f"{REVISION}-1")
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
