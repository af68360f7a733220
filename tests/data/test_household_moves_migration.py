"""Migration 0034 (a household's move) goes up and down on SQLite and PostgreSQL, on its
own branch: down takes only its table, up again makes it with its insert-only triggers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from checkin.db import make_engine
from checkin.migrate import alembic_config, upgrade
from tests.conftest import _drop_postgres_database, _postgres_database


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_0034_goes_up_and_down(dialect: str, tmp_path: Path) -> None:
    name = f"checkin_moves_{os.getpid()}"
    if dialect == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'moves.db'}"
    else:
        url = _postgres_database(name)
        if url is None:
            pytest.skip("PostgreSQL is not reachable")
    engine = make_engine(url)
    try:
        def state() -> tuple[list[str], bool]:
            with engine.connect() as conn:
                heads = sorted(row[0] for row in conn.exec_driver_sql(
                    "SELECT version_num FROM alembic_version"))
                return heads, "household_moves" in sa.inspect(conn).get_table_names()

        upgrade(engine)
        heads, made = state()
        assert "0034_household_moves" in heads and made
        cfg = alembic_config(url)
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0034_household_moves@-1")
            conn.commit()
        heads, made = state()
        assert "0034_household_moves" not in heads and not made
        upgrade(engine)
        assert state() == (sorted({*heads, "0034_household_moves"} - {
            "0031_outside_helper_phones"}), True)
        with engine.connect() as conn:
            sql = ("SELECT name FROM sqlite_master WHERE type = 'trigger'" if dialect == "sqlite"
                   else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            triggers = {row[0] for row in conn.exec_driver_sql(sql)}
        assert {t for t in triggers if t.startswith("household_moves_insert_only")}
    finally:
        engine.dispose()
        if dialect == "postgresql":
            _drop_postgres_database(name)
