"""Migrations are history: they import no live code of checkin, so changing the code
never changes what an old revision does; and the insert-only triggers they make are the
ones the live guard (checkin/ops/retention.py) makes, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from checkin.db import make_engine
from checkin.migrate import upgrade
from checkin.ops import retention
from tests.conftest import _drop_postgres_database, _postgres_database

VERSIONS = Path(__file__).resolve().parents[2] / "checkin" / "migrations" / "versions"
# Modules of checkin a migration may import because they never change (none today).
FROZEN_BY_DESIGN: frozenset[str] = frozenset()


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_a_migration_imports_no_live_code(path: Path) -> None:
    live = {m for m in _imported_modules(path)
            if (m == "checkin" or m.startswith("checkin.")) and m not in FROZEN_BY_DESIGN}
    assert live == set(), f"{path.name} imports {sorted(live)}: copy what it needs in"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database brought to the newest revision by the migrations alone."""
    name = f"checkin_frozen_{os.getpid()}"
    if request.param == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = _postgres_database(name)
        if url is None:
            pytest.skip("PostgreSQL is not reachable")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def _guards(engine: Engine) -> list[tuple[str, ...]]:
    """Every trigger's definition, and on PostgreSQL the guard function's source."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            return [tuple(row) for row in conn.execute(sa.text(sql))]
        triggers = conn.execute(sa.text(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY tgname")).all()
        function = conn.execute(sa.text(
            "SELECT proname, prosrc FROM pg_proc WHERE proname = :name"),
            {"name": retention.PG_FUNCTION}).all()
        return [tuple(row) for row in [*triggers, *function]]


def test_the_migrated_triggers_are_the_live_guards(migrated: Engine) -> None:
    made_by_migrations = _guards(migrated)
    names = " ".join(name for name, _sql in made_by_migrations)
    for table in retention.INSERT_ONLY:
        assert f"{table}_insert_only" in names
    with migrated.begin() as conn:
        for table in retention.INSERT_ONLY:
            assert retention.protect_table(conn, table)
    assert _guards(migrated) == made_by_migrations
