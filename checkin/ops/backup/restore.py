"""Restore a backup into an empty database and photo directory.

Restore refuses a database with rows or a photo directory with photos unless ``force``;
it checks every part against the manifest and every photo against its name before the
database is touched, loads the database (SQLite backup API, ``pg_restore``, or the
portable loader, which also moves a backup between SQLite and PostgreSQL), checks the
row counts, then brings the schema to the newest revision.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from checkin.migrate import alembic_config, upgrade
from checkin.ops.backup.archive import (
    DATABASE_FILES,
    PHOTO_LIST,
    SKIPPED_TABLES,
    BackupError,
    Progress,
    Reader,
    quiet,
    read_photo_list,
)
from checkin.ops.backup.portable import dump_tables, load_tables, read_jsonl
from checkin.ops.backup.snapshot import libpq
from checkin.photos.store import PhotoStore


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    photos: int
    problems: list[str] = field(default_factory=list)


def database_row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names()) - SKIPPED_TABLES
        return {t: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
                for t in sorted(names)}


def restore_backup(engine: Engine, store: PhotoStore, source: Path, *, force: bool = False,
                   progress: Progress = quiet) -> RestoreResult:
    """Restore the backup at `source` into the database behind `engine` and the photo
    `store`."""
    reader = Reader(Path(source))
    try:
        manifest = reader.manifest()
        _check_target(engine, store, force)
        _check_revision(engine, manifest)
        with tempfile.TemporaryDirectory(prefix="checkin-restore-") as work:
            photos = _restore_parts(engine, store, reader, manifest, Path(work), progress)
        counts = _check_row_counts(engine, manifest)
        upgrade(engine)
        engine.dispose()
        problems = [f"missing in the backup already: {k}"
                    for k in manifest["photos"].get("missing", [])]
        problems += [f"damaged at backup time, not restored: {k}"
                     for k in manifest["photos"].get("corrupt", [])]
        return RestoreResult(manifest=manifest, row_counts=counts, photos=photos,
                             problems=problems)
    finally:
        reader.close()


def _restore_parts(engine: Engine, store: PhotoStore, reader: Reader,
                   manifest: dict[str, Any], work: Path, progress: Progress) -> int:
    """Check the parts, put the photos in place, load the database; returns the number of
    photos. The photos added are removed again if anything fails: a retry starts clean."""
    kind = manifest["database"]["kind"]
    database_name = DATABASE_FILES[kind]
    parts = manifest.get("parts", {})
    for name in (database_name, PHOTO_LIST):
        if name not in parts:
            raise BackupError(f"the manifest lists no {name}")
    progress("checking the database part …")
    dump = work / database_name
    reader.copy_checked(database_name, parts[database_name], dump)
    listing = work / PHOTO_LIST
    reader.copy_checked(PHOTO_LIST, parts[PHOTO_LIST], listing)
    keys = read_photo_list(listing, manifest)
    progress(f"restoring {len(keys)} photos …")
    added: list[str] = []
    try:
        for number, key in enumerate(keys, 1):
            data = reader.photo(key)
            if not store.exists(key):
                added.append(key)
            store.put(data)
            if number % 5000 == 0:
                progress(f"photos: {number}/{len(keys)}")
        progress(f"restoring the database ({kind}) …")
        _load_database(engine, kind, dump, manifest)
    except BaseException:
        for key in added:
            store.delete(key)
        raise
    return len(keys)


def _check_row_counts(engine: Engine, manifest: dict[str, Any]) -> dict[str, int]:
    counts = database_row_counts(engine)
    expected = {k: int(v) for k, v in manifest.get("row_counts", {}).items()}
    differ = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"row counts differ from the manifest after loading: {differ}")
    return counts


def _check_target(engine: Engine, store: PhotoStore, force: bool) -> None:
    if force:
        return
    full = {t: n for t, n in database_row_counts(engine).items() if n}
    if full:
        raise BackupError("the database is not empty (" + ", ".join(
            f"{t}: {n}" for t, n in sorted(full.items())) + "); restore only into an empty "
            "database, or pass --force to replace everything in it")
    if next(store.iter_keys(), None) is not None:
        raise BackupError(f"{store.describe()} has photos; restore into an "
                          "empty one, or pass --force")


def _check_revision(engine: Engine, manifest: dict[str, Any]) -> None:
    script = ScriptDirectory.from_config(alembic_config(
        engine.url.render_as_string(hide_password=False)))
    for rev in manifest.get("schema_revision", []):
        try:
            known = script.get_revision(rev)
        except Exception:  # alembic raises several kinds for an unknown id
            known = None
        if known is None:
            raise BackupError(f"the backup is at schema revision {rev}, which this version "
                              "of checkin does not know: restore with the newer version")


def _load_database(engine: Engine, kind: str, dump: Path, manifest: dict[str, Any]) -> None:
    dialect = engine.dialect.name
    engine.dispose()
    if kind == "sqlite" and dialect == "sqlite":
        _sqlite_restore(engine, dump)
        return
    if kind == "pg_dump":
        if dialect != "postgresql":
            raise BackupError("a pg_dump backup restores into PostgreSQL only; make a "
                              "portable one (backup --format portable) to change databases")
        _wipe(engine)
        _pg_restore(engine, dump)
        return
    _wipe(engine)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        for rev in manifest.get("schema_revision", []):
            command.upgrade(cfg, rev)
        conn.commit()
    if kind == "sqlite":  # a SQLite file into PostgreSQL: table by table
        source = sa.create_engine(f"sqlite:///file:{dump}?mode=ro&uri=true")
        try:
            with source.connect() as src, engine.begin() as conn:
                counts = {k: int(v) for k, v in manifest["row_counts"].items()}
                load_tables(conn, dump_tables(src, counts))
        finally:
            source.dispose()
        return
    with engine.begin() as conn:
        load_tables(conn, read_jsonl(dump))


def _sqlite_restore(engine: Engine, dump: Path) -> None:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("restore needs a SQLite database file, not an in-memory one")
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    engine.dispose()


def _wipe(engine: Engine) -> None:
    """Drop every table (and on PostgreSQL every trigger function) of the target schema."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        if conn.dialect.name == "postgresql":
            if names:
                conn.execute(sa.text("DROP TABLE IF EXISTS "
                                     + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
            functions = conn.execute(sa.text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.prorettype = 'trigger'::regtype"
            )).scalars().all()
            for function in functions:
                conn.execute(sa.text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
            conn.commit()
            return
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in names:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    engine.dispose()


def _pg_restore(engine: Engine, dump: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not on PATH: install postgresql-client")
    uri, env = libpq(engine)
    completed = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={uri}", str(dump)],
        env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"pg_restore failed: {completed.stderr.strip()}")
