"""One consistent snapshot of the database, written to a file of the backup's database part.

- SQLite: ``database.sqlite3``, copied with the online backup API (one read transaction:
  a consistent copy while the service keeps writing);
- PostgreSQL: ``database.pgdump``, ``pg_dump --format=custom`` of a snapshot exported by a
  REPEATABLE READ transaction;
- either: ``database.jsonl.gz``, the portable format (portable.py), read from the SQLite
  copy or inside that REPEATABLE READ transaction.

The row counts, the schema revision and the photo keys the rows name are read from the
same snapshot that is dumped.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from checkin.ops.backup.archive import DATABASE_FILES, SKIPPED_TABLES, BackupError, Progress
from checkin.ops.backup.portable import dump_tables, write_jsonl

BackupFormat = Literal["auto", "native", "portable"]


@dataclass
class Snapshot:
    kind: str
    file: Path
    revision: list[str]
    row_counts: dict[str, int]
    referenced: Path  # the keys live rows name, ascending, one a line (never all in memory)
    dialect: str
    referenced_count: int = 0

    def named_keys(self) -> Iterator[str]:
        with self.referenced.open(encoding="ascii") as lines:
            for line in lines:
                yield line.rstrip("\n")


def take_snapshot(engine: Engine, work: Path, fmt: BackupFormat,
                  progress: Progress) -> Snapshot:
    """A snapshot of the database behind `engine`, its file in the directory `work`."""
    if engine.dialect.name == "sqlite":
        return _sqlite_snapshot(engine, work, fmt)
    if engine.dialect.name == "postgresql":
        return _postgres_snapshot(engine, work, fmt, progress)
    raise BackupError(f"backups of {engine.dialect.name} are not supported")

def _snapshot_facts(conn: Connection, work: Path
                    ) -> tuple[list[str], dict[str, int], Path, int]:
    """Revision, row counts and the photo keys named by live rows (written ascending to a
    file in `work`, streamed from the database in batches), all from `conn`'s snapshot."""
    inspector = sa.inspect(conn)
    tables = sorted(set(inspector.get_table_names()) - SKIPPED_TABLES)
    revision: list[str] = []
    if inspector.has_table("alembic_version"):
        revision = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                          .scalars())
    counts = {t: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
              for t in tables}
    referenced, count = work / "referenced.keys", 0
    with referenced.open("w", encoding="ascii") as out:
        if "photos" in tables:
            columns = {c["name"] for c in inspector.get_columns("photos")}
            live = " WHERE purged_at IS NULL" if "purged_at" in columns else ""
            collate = ' COLLATE "C"' if conn.dialect.name == "postgresql" else ""
            result = conn.execute(
                sa.text(f"SELECT named.k FROM (SELECT sha256 AS k FROM photos{live} UNION "
                        f"SELECT thumb_sha256 FROM photos{live}) AS named "
                        f"ORDER BY named.k{collate}"),
                execution_options={"stream_results": True, "yield_per": 5000})
            for (key,) in result:
                out.write(f"{key}\n")
                count += 1
    return revision, counts, referenced, count


def _sqlite_snapshot(engine: Engine, work: Path, fmt: BackupFormat) -> Snapshot:
    copy = work / "snapshot.sqlite3"
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a single read transaction, a consistent copy
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    snapshot_engine = sa.create_engine(f"sqlite:///file:{copy}?mode=ro&uri=true")
    try:
        with snapshot_engine.connect() as conn:
            revision, counts, referenced, named = _snapshot_facts(conn, work)
            if fmt == "portable":
                dump = work / DATABASE_FILES["jsonl"]
                write_jsonl(dump, dump_tables(conn, counts))
                copy.unlink()
                return Snapshot("jsonl", dump, revision, counts, referenced, "sqlite", named)
    finally:
        snapshot_engine.dispose()
    return Snapshot("sqlite", copy, revision, counts, referenced, "sqlite", named)


def pg_dump_usable(conn: Connection) -> bool:
    """pg_dump is on PATH and not older than the server (it refuses newer servers)."""
    binary = shutil.which("pg_dump")
    if binary is None:
        return False
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    return match is not None and int(match.group(1)) >= server


def libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _postgres_snapshot(engine: Engine, work: Path, fmt: BackupFormat,
                       progress: Progress) -> Snapshot:
    with engine.connect() as plain:
        use_pg_dump = fmt != "portable" and pg_dump_usable(plain)
    if fmt == "native" and not use_pg_dump:
        raise BackupError("pg_dump is not on PATH or is older than the server; "
                          "install the matching postgresql-client or use --format portable")
    if fmt == "auto" and not use_pg_dump:
        progress("pg_dump is not usable here: writing the portable format")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        snapshot_id = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        revision, counts, referenced, named = _snapshot_facts(conn, work)
        if use_pg_dump:
            dump = work / DATABASE_FILES["pg_dump"]
            uri, env = libpq(engine)
            completed = subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}",
                 f"--file={dump}", f"--dbname={uri}"],
                env=env, capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
            kind = "pg_dump"
        else:
            dump = work / DATABASE_FILES["jsonl"]
            write_jsonl(dump, dump_tables(conn, counts))
            kind = "jsonl"
        conn.rollback()
    return Snapshot(kind, dump, revision, counts, referenced, "postgresql", named)


