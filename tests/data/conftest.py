"""What the migration tests share: an empty database of each kind to migrate, and going
down to a revision."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import Engine

from checkin.db import make_engine
from checkin.migrate import alembic_config
from tests.conftest import _drop_postgres_database, _postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database to migrate: SQLite in a file, PostgreSQL of its own."""
    name = f"checkin_migration_{os.getpid()}"
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


def downgrade(engine: Engine, target: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)
