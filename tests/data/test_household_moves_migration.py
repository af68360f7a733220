"""Migration 0034 (a household's move) goes up and down and up again on SQLite and
PostgreSQL: down takes its table, up makes it again with its insert-only triggers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from checkin.migrate import upgrade
from tests.data.conftest import downgrade

REVISION = "0034_household_moves"


def _state(engine: Engine) -> tuple[str, bool]:
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        return version, "household_moves" in sa.inspect(conn).get_table_names()


def test_0034_goes_up_down_and_up(engine: Engine) -> None:
    upgrade(engine)
    head, made = _state(engine)
    assert made
    downgrade(engine, f"{REVISION}-1")
    assert _state(engine) == ("0033_township_opinions", False)
    upgrade(engine)
    assert _state(engine) == (head, True)
    with engine.connect() as conn:
        sql = ("SELECT name FROM sqlite_master WHERE type = 'trigger'"
               if engine.dialect.name == "sqlite"
               else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {row[0] for row in conn.exec_driver_sql(sql)}
    assert {t for t in triggers if t.startswith("household_moves_insert_only")}
