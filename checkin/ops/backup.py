"""Online, consistent backups of the database and the photo store, and their restore.

A backup is one archive: a ``.tar`` file, or a directory (any other DEST) whose photo files
can be checked with ``sha256sum -c photos.sha256`` from inside it. It holds

- ``database.sqlite3`` (SQLite, copied with the online backup API: one consistent
  snapshot while the service keeps writing), or ``database.pgdump`` (PostgreSQL,
  ``pg_dump --format=custom`` of an exported snapshot), or ``database.jsonl.gz`` (the
  portable format, any database: every table in dependency order, rows as JSON arrays,
  read inside one REPEATABLE READ transaction or from the SQLite snapshot);
- ``photos/ab/cd/<sha256>.jpg``: every photo file, each named by the SHA-256 of its bytes;
- ``photos.sha256``: the list of photo files in ``sha256sum`` format;
- ``manifest.json`` (written last): schema revision, created_at (UTC), row counts of
  every table in the snapshot, the sha256 and size of the database part and of the photo
  list, and which photos the snapshot names that were missing or damaged on disk.

Consistency: photo files are written before the rows that name them commit, so every
file the database snapshot names is on disk when the snapshot is taken; the files are
copied after it (plus any newer ones, harmless orphans). The row counts and the photo keys
are read from the same snapshot that is dumped.

Restore refuses a database with rows or a photo directory with photos unless ``force``;
it checks every part against the manifest and every photo against its name before the
database is touched, loads the database (SQLite backup API, ``pg_restore``, or the
portable loader — which also moves a backup between SQLite and PostgreSQL), checks the
row counts, then brings the schema to the newest revision.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from checkin.db import Base
from checkin.migrate import alembic_config, upgrade
from checkin.ops.retention import UNLOCK_TABLE
from checkin.photos.store import PhotoStore

FORMAT = "checkin-backup"
VERSION = 1
MANIFEST = "manifest.json"
PHOTO_LIST = "photos.sha256"
DATABASE_FILES = {"sqlite": "database.sqlite3", "pg_dump": "database.pgdump",
                  "jsonl": "database.jsonl.gz"}
SKIPPED_TABLES = frozenset({"alembic_version", UNLOCK_TABLE})
BackupFormat = Literal["auto", "native", "portable"]
Progress = Callable[[str], None]

_PHOTO_NAME = re.compile(r"photos/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.jpg")
_LIST_LINE = re.compile(r"([0-9a-f]{64})  (photos/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg)")
_MANIFEST_MAX = 16 << 20
_CHUNK = 1 << 20
_BATCH = 1000


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    photos: int
    problems: list[str] = field(default_factory=list)


def _quiet(_message: str) -> None:
    return None


# ----------------------------------------------------------------------------- archives


class _Writer:
    def add_bytes(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def add_file(self, name: str, source: Path) -> None:
        raise NotImplementedError

    def link(self, name: str, source: Path) -> bool:
        """Hard-link an identical file of an earlier backup instead of copying; False if
        this kind of archive cannot."""
        return False

    def finish(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class _TarWriter(_Writer):
    """An uncompressed tar (photos are JPEGs, the dumps are compressed already), written
    to DEST.partial and renamed into place when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.partial = dest.with_name(dest.name + ".partial")
        # Backups hold personal data: readable by the owner only.
        self.fh = os.fdopen(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                    0o600), "wb")
        self.tar = tarfile.open(  # noqa: SIM115 (closed by finish or abort)
            fileobj=self.fh, mode="w", format=tarfile.PAX_FORMAT)
        self.now = int(datetime.now(UTC).timestamp())

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self.now, 0o600
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self.tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def add_file(self, name: str, source: Path) -> None:
        with source.open("rb") as fh:
            self.tar.addfile(self._info(name, source.stat().st_size), fh)

    def finish(self) -> None:
        self.tar.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.partial, self.dest)

    def abort(self) -> None:
        try:
            self.tar.close()
        finally:
            self.fh.close()
            self.partial.unlink(missing_ok=True)


class _DirWriter(_Writer):
    """A directory, built as DEST.partial and renamed into place when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.partial = dest.with_name(dest.name + ".partial")
        if self.partial.exists():
            shutil.rmtree(self.partial)
        self.partial.mkdir(parents=True, mode=0o700)

    def _target(self, name: str) -> Path:
        target = self.partial / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add_bytes(self, name: str, data: bytes) -> None:
        target = self._target(name)
        target.write_bytes(data)
        target.chmod(0o600)

    def add_file(self, name: str, source: Path) -> None:
        target = self._target(name)
        shutil.copyfile(source, target)
        target.chmod(0o600)

    def link(self, name: str, source: Path) -> bool:
        try:
            os.link(source, self._target(name))
        except OSError:  # another file system, or links not supported: copy instead
            return False
        return True

    def finish(self) -> None:
        os.replace(self.partial, self.dest)

    def abort(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)


class _Reader:
    """Reads the members of a backup by name; only names this module writes are opened."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.tar: tarfile.TarFile | None = None
        self.members: dict[str, tarfile.TarInfo] = {}
        if source.is_dir():
            return
        if not source.is_file():
            raise BackupError(f"no backup at {source}")
        try:
            self.tar = tarfile.open(source, mode="r:*")  # noqa: SIM115 (closed by close)
            for member in self.tar.getmembers():
                if member.isreg():
                    self.members[member.name] = member
        except tarfile.TarError as exc:
            raise BackupError(f"{source} is not a readable tar archive: {exc}") from exc

    def open(self, name: str) -> IO[bytes]:
        if self.tar is None:
            path = self.source / name
            if path.is_symlink() or not path.is_file():
                raise BackupError(f"the backup has no {name}")
            return path.open("rb")
        member = self.members.get(name)
        extracted = self.tar.extractfile(member) if member is not None else None
        if extracted is None:
            raise BackupError(f"the backup has no {name}")
        return extracted

    def size(self, name: str) -> int:
        if self.tar is None:
            return (self.source / name).stat().st_size
        return self.members[name].size

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()


def _photo_name(key: str) -> str:
    return f"photos/{key[:2]}/{key[2:4]}/{key}.jpg"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ backup


def create_backup(engine: Engine, photo_dir: Path, dest: Path, *,
                  fmt: BackupFormat = "auto", link_dest: Path | None = None,
                  progress: Progress = _quiet) -> BackupResult:
    """Write a backup of the database behind `engine` and of `photo_dir` to `dest`.

    With `link_dest` (an earlier directory backup; `dest` must be a directory too), a
    photo that backup already holds is hard-linked from it instead of copied: photos never
    change, so a nightly backup then costs the database and the day's new photos.
    """
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} exists already; a backup never overwrites")
    if not dest.parent.is_dir():
        raise BackupError(f"no directory {dest.parent}")
    if dest.name.endswith((".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".zip")):
        raise BackupError("name the backup *.tar (or a directory): compressing gains "
                          "nothing, the photos are JPEG and the dumps are compressed")
    is_tar = dest.name.endswith(".tar")
    if link_dest is not None and is_tar:
        raise BackupError("--link-dest writes a directory backup, not a .tar")
    if link_dest is not None and not (Path(link_dest) / MANIFEST).is_file():
        progress(f"{link_dest} is not a finished backup: copying every photo")
        link_dest = None  # a missed night must not cost the next one its backup
    writer: _Writer = _TarWriter(dest) if is_tar else _DirWriter(dest)
    try:
        with tempfile.TemporaryDirectory(prefix="checkin-backup-") as work:
            result = _write_backup(engine, PhotoStore(photo_dir), writer, Path(work), fmt,
                                   progress, Path(link_dest) if link_dest else None)
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    result.path = dest
    return result


@dataclass
class _Snapshot:
    kind: str
    file: Path
    revision: list[str]
    row_counts: dict[str, int]
    referenced: set[str]
    dialect: str


def _write_backup(engine: Engine, store: PhotoStore, writer: _Writer, work: Path,
                  fmt: BackupFormat, progress: Progress,
                  link_dest: Path | None = None) -> BackupResult:
    created_at = datetime.now(UTC)
    progress("taking a snapshot of the database …")
    if engine.dialect.name == "sqlite":
        snapshot = _sqlite_snapshot(engine, work, fmt)
    elif engine.dialect.name == "postgresql":
        snapshot = _postgres_snapshot(engine, work, fmt, progress)
    else:
        raise BackupError(f"backups of {engine.dialect.name} are not supported")
    database_name = DATABASE_FILES[snapshot.kind]
    parts = {database_name: {"sha256": _sha256_file(snapshot.file),
                             "bytes": snapshot.file.stat().st_size}}
    writer.add_file(database_name, snapshot.file)
    snapshot.file.unlink()
    progress(f"database: {sum(snapshot.row_counts.values())} rows in "
             f"{len(snapshot.row_counts)} tables ({snapshot.kind})")

    # Files are written before their rows commit: everything the snapshot names is on disk.
    keys = sorted(snapshot.referenced | set(store.iter_keys()))
    missing: list[str] = []
    corrupt: list[str] = []
    lines: list[str] = []
    total = linked = 0
    for number, key in enumerate(keys, 1):
        if number % 5000 == 0:
            progress(f"photos: {number}/{len(keys)}")
        name = _photo_name(key)
        earlier = link_dest / name if link_dest is not None else None
        if earlier is not None and earlier.is_file() and not earlier.is_symlink():
            try:
                same = store.path(key).stat().st_size == earlier.stat().st_size
            except FileNotFoundError:
                same = False
            # Checked when that backup was made; content-addressed, so the same bytes.
            if same and writer.link(name, earlier):
                lines.append(f"{key}  {name}\n")
                total += earlier.stat().st_size
                linked += 1
                continue
        try:
            data = store.read(key)
        except FileNotFoundError:
            if key in snapshot.referenced:
                missing.append(key)
            continue  # an orphan removed meanwhile
        if hashlib.sha256(data).hexdigest() != key:
            corrupt.append(key)
            continue
        writer.add_bytes(name, data)
        lines.append(f"{key}  {name}\n")
        total += len(data)
    listing = "".join(lines).encode()
    parts[PHOTO_LIST] = {"sha256": hashlib.sha256(listing).hexdigest(), "bytes": len(listing)}
    writer.add_bytes(PHOTO_LIST, listing)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "schema_revision": snapshot.revision,
        "source_dialect": snapshot.dialect,
        "database": {"kind": snapshot.kind, "file": database_name},
        "row_counts": snapshot.row_counts,
        "photos": {"files": len(lines), "bytes": total, "linked": linked,
                   "referenced": len(snapshot.referenced),
                   "missing": missing, "corrupt": corrupt},
        "parts": parts,
    }
    writer.add_bytes(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
    problems = [f"photo named by a row but missing on disk: {k}" for k in missing]
    problems += [f"photo whose content no longer matches its name (not copied): {k}"
                 for k in corrupt]
    progress(f"photos: {len(lines)} files, {total} bytes")
    return BackupResult(path=Path(), manifest=manifest, problems=problems)


def _snapshot_facts(conn: Connection) -> tuple[list[str], dict[str, int], set[str]]:
    """Revision, row counts and photo keys named by live rows, all from `conn`'s snapshot."""
    inspector = sa.inspect(conn)
    tables = sorted(set(inspector.get_table_names()) - SKIPPED_TABLES)
    revision: list[str] = []
    if inspector.has_table("alembic_version"):
        revision = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                          .scalars())
    counts = {t: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
              for t in tables}
    referenced: set[str] = set()
    if "photos" in tables:
        columns = {c["name"] for c in inspector.get_columns("photos")}
        live = " WHERE purged_at IS NULL" if "purged_at" in columns else ""
        referenced = set(conn.execute(sa.text(
            f"SELECT sha256 FROM photos{live} UNION SELECT thumb_sha256 FROM photos{live}"))
            .scalars())
    return revision, counts, referenced


def _sqlite_snapshot(engine: Engine, work: Path, fmt: BackupFormat) -> _Snapshot:
    copy = work / "snapshot.sqlite3"
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: a single read transaction, a consistent copy
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    snapshot_engine = sa.create_engine(f"sqlite:///file:{copy}?mode=ro&uri=true")
    try:
        with snapshot_engine.connect() as conn:
            revision, counts, referenced = _snapshot_facts(conn)
            if fmt == "portable":
                dump = work / DATABASE_FILES["jsonl"]
                _write_jsonl(dump, _dump_tables(conn, counts))
                copy.unlink()
                return _Snapshot("jsonl", dump, revision, counts, referenced, "sqlite")
    finally:
        snapshot_engine.dispose()
    return _Snapshot("sqlite", copy, revision, counts, referenced, "sqlite")


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


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _postgres_snapshot(engine: Engine, work: Path, fmt: BackupFormat,
                       progress: Progress) -> _Snapshot:
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
        revision, counts, referenced = _snapshot_facts(conn)
        if use_pg_dump:
            dump = work / DATABASE_FILES["pg_dump"]
            uri, env = _libpq(engine)
            completed = subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}",
                 f"--file={dump}", f"--dbname={uri}"],
                env=env, capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
            kind = "pg_dump"
        else:
            dump = work / DATABASE_FILES["jsonl"]
            _write_jsonl(dump, _dump_tables(conn, counts))
            kind = "jsonl"
        conn.rollback()
    return _Snapshot(kind, dump, revision, counts, referenced, "postgresql")


# ------------------------------------------------------------------ the portable format


@dataclass
class _TableDump:
    name: str
    columns: list[str]
    types: list[str]
    count: int
    rows: Iterable[list[Any]]


def _type_tag(column_type: sa.types.TypeEngine[Any]) -> str:
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    if isinstance(column_type, sa.Date):
        return "date"
    if isinstance(column_type, sa.Time):
        return "time"
    if isinstance(column_type, sa.JSON):
        return "json"
    if isinstance(column_type, sa.LargeBinary):
        return "bytes"
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float):
        return "decimal"
    return "plain"


def _encode(value: Any, tag: str) -> Any:
    if value is None or tag in ("plain", "json"):
        return value
    if tag in ("datetime", "date", "time"):
        return value.isoformat()
    if tag == "bytes":
        return base64.b64encode(value).decode()
    return str(value)  # decimal, exactly


def _decode(value: Any, tag: str) -> Any:
    if value is None or tag in ("plain", "json"):
        return value
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "bytes":
        return base64.b64decode(value)
    return Decimal(value)


def _ordered_tables(metadata: sa.MetaData) -> tuple[list[sa.Table], set[sa.ForeignKeyConstraint]]:
    """Tables with every table after those it refers to, and the foreign keys that had to
    be left out to break a cycle between tables (teams.leader_id): those columns are
    loaded as NULL and filled in at the end. Only nullable keys are left out, those the
    models declare `use_alter` first."""
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    keys = [(table, fkc) for table in tables for fkc in table.foreign_key_constraints
            if fkc.referred_table is not table and fkc.referred_table.name in metadata.tables]
    deferred: set[sa.ForeignKeyConstraint] = set()
    while True:
        needs = {t.name: {fkc.referred_table.name for owner, fkc in keys
                          if owner is t and fkc not in deferred} for t in tables}
        order: list[sa.Table] = []
        done: set[str] = set()
        progress = True
        while progress:
            progress = False
            for table in tables:
                if table.name not in done and needs[table.name] <= done:
                    order.append(table)
                    done.add(table.name)
                    progress = True
        if len(order) == len(tables):
            return order, deferred
        stuck = [(owner, fkc) for owner, fkc in keys
                 if fkc not in deferred and owner.name not in done
                 and fkc.referred_table.name not in done
                 and all(column.nullable for column in fkc.columns)]
        if not stuck:
            raise BackupError("the tables refer to each other through keys that cannot be "
                              "NULL: no order to load them in")
        stuck.sort(key=lambda pair: (not _declared_use_alter(pair[1]), pair[0].name,
                                     [c.name for c in pair[1].columns]))
        deferred.add(stuck[0][1])


def _declared_use_alter(fkc: sa.ForeignKeyConstraint) -> bool:
    model = Base.metadata.tables.get(fkc.table.name)
    if model is None:
        return False
    names = [c.name for c in fkc.columns]
    return any(declared.use_alter and [c.name for c in declared.columns] == names
               for declared in model.foreign_key_constraints)


def _reflect(conn: Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(bind=conn)
    for name in SKIPPED_TABLES:
        if name in metadata.tables:
            metadata.remove(metadata.tables[name])
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                # None is SQL NULL both ways (JSON null and SQL NULL both read as None).
                column.type.none_as_null = True
    return metadata


def _dump_tables(conn: Connection, counts: dict[str, int]) -> Iterator[_TableDump]:
    order, _deferred = _ordered_tables(_reflect(conn))
    for table in order:
        columns = list(table.columns)
        key = list(table.primary_key.columns) or columns
        tags = [_type_tag(c.type) for c in columns]

        def rows(table: sa.Table = table, columns: list[sa.Column[Any]] = columns,
                 key: list[sa.Column[Any]] = key, tags: list[str] = tags
                 ) -> Iterator[list[Any]]:
            result = conn.execute(sa.select(*columns).order_by(*key)
                                  .execution_options(yield_per=_BATCH))
            for row in result:
                yield [_encode(v, t) for v, t in zip(row, tags, strict=True)]

        yield _TableDump(table.name, [c.name for c in columns], tags, counts[table.name],
                         rows())


def _write_jsonl(path: Path, tables: Iterable[_TableDump]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write(json.dumps({"format": "checkin-jsonl", "version": 1}) + "\n")
        for dump in tables:
            out.write(json.dumps({"table": dump.name, "columns": dump.columns,
                                  "types": dump.types, "rows": dump.count}) + "\n")
            written = 0
            for row in dump.rows:
                out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                written += 1
            if written != dump.count:
                raise BackupError(f"{dump.name}: counted {dump.count} rows, dumped {written}")


def _read_jsonl(path: Path) -> Iterator[_TableDump]:
    with gzip.open(path, "rt", encoding="utf-8") as src:
        head = json.loads(src.readline() or "{}")
        if head.get("format") != "checkin-jsonl" or head.get("version") != 1:
            raise BackupError("the database part is not a checkin JSON-lines dump")
        while line := src.readline():
            header = json.loads(line)
            count = int(header["rows"])

            def rows(count: int = count) -> Iterator[list[Any]]:
                for _ in range(count):
                    line = src.readline()
                    if not line:
                        raise BackupError("the JSON-lines dump ends early")
                    yield json.loads(line)

            dump = _TableDump(header["table"], list(header["columns"]), list(header["types"]),
                              count, rows())
            yield dump
            for _ in dump.rows:  # a consumer that stopped early: skip to the next table
                pass


def _load_tables(conn: Connection, dumps: Iterable[_TableDump]) -> None:
    """Insert every dumped table into the (migrated, empty) schema behind `conn`."""
    metadata = _reflect(conn)
    _order, cyclic = _ordered_tables(metadata)
    later: list[tuple[sa.Table, dict[str, Any], dict[str, Any]]] = []
    for dump in dumps:
        table = metadata.tables.get(dump.name)
        if table is None:
            raise BackupError(f"the backup has table {dump.name}, the schema has not")
        unknown = set(dump.columns) - set(table.columns.keys())
        if unknown:
            raise BackupError(f"{dump.name}: the schema has no column(s) {sorted(unknown)}")
        deferred = {c.parent.name for fk in cyclic if fk.table is table for c in fk.elements}
        self_refs = [[(e.parent.name, e.column.name) for e in fk.elements]
                     for fk in table.foreign_key_constraints
                     if fk.referred_table is table]
        key_names = [c.name for c in table.primary_key.columns]
        # Rows a trigger of an earlier table made (attendance_years) give way to the dump's.
        conn.execute(table.delete())
        pending = _SelfReferenceOrder(self_refs)
        batch: list[dict[str, Any]] = []
        for raw in dump.rows:
            row = {name: _decode(value, tag)
                   for name, value, tag in zip(dump.columns, raw, dump.types, strict=True)}
            if deferred and any(row.get(name) is not None for name in deferred):
                later.append((table, {k: row[k] for k in key_names},
                              {k: row[k] for k in deferred}))
                row.update(dict.fromkeys(deferred))
            batch.extend(pending.ready(row))
            if len(batch) >= _BATCH:
                conn.execute(table.insert(), batch)
                batch = []
        batch.extend(pending.leftovers())
        if batch:
            conn.execute(table.insert(), batch)
    for table, key, values in later:
        conn.execute(table.update().where(*[table.c[k] == v for k, v in key.items()])
                     .values(**values))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, metadata)


class _SelfReferenceOrder:
    """Puts a table's rows in an order where a row that refers to another row of the same
    table (areas.parent_id, visits.corrects_id) comes after it."""

    def __init__(self, references: list[list[tuple[str, str]]]) -> None:
        self.references = references
        self.seen: dict[tuple[str, ...], set[tuple[Any, ...]]] = {}
        self.waiting: dict[tuple[tuple[str, ...], tuple[Any, ...]], list[dict[str, Any]]] = {}

    def ready(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.references:
            return [row]
        out: list[dict[str, Any]] = []
        queue = [row]
        while queue:
            current = queue.pop()
            blocker = self._blocker(current)
            if blocker is not None:
                self.waiting.setdefault(blocker, []).append(current)
                continue
            out.append(current)
            for pairs in self.references:
                remote = tuple(r for _, r in pairs)
                value = tuple(current.get(r) for r in remote)
                self.seen.setdefault(remote, set()).add(value)
                queue.extend(self.waiting.pop((remote, value), []))
        return out

    def _blocker(self, row: dict[str, Any]) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
        for pairs in self.references:
            local = tuple(row.get(name) for name, _ in pairs)
            if any(v is None for v in local):
                continue
            remote = tuple(r for _, r in pairs)
            own = tuple(row.get(r) for r in remote)
            if local != own and local not in self.seen.get(remote, set()):
                return remote, local
        return None

    def leftovers(self) -> list[dict[str, Any]]:
        """Rows whose referenced row never came (the insert will name the broken key)."""
        rows = [row for group in self.waiting.values() for row in group]
        self.waiting.clear()
        return rows


def _reset_sequences(conn: Connection, metadata: sa.MetaData) -> None:
    for table in metadata.tables.values():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
            continue
        name = key[0].name
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f'COALESCE(MAX("{name}"), 1), MAX("{name}") IS NOT NULL) FROM "{table.name}"'),
            {"table": f'"{table.name}"', "column": name})


# ----------------------------------------------------------------------------- restore


def database_row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names()) - SKIPPED_TABLES
        return {t: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
                for t in sorted(names)}


def read_manifest(source: Path) -> dict[str, Any]:
    reader = _Reader(Path(source))
    try:
        return _manifest(reader)
    finally:
        reader.close()


def _manifest(reader: _Reader) -> dict[str, Any]:
    if not _has(reader, MANIFEST):
        raise BackupError("the backup has no manifest.json (unfinished or not a backup)")
    if reader.size(MANIFEST) > _MANIFEST_MAX:
        raise BackupError("manifest.json is too large")
    with reader.open(MANIFEST) as fh:
        try:
            manifest = json.loads(fh.read(_MANIFEST_MAX))
        except ValueError as exc:
            raise BackupError(f"manifest.json is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("this is not a checkin backup")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')} is not known")
    kind = manifest.get("database", {}).get("kind")
    if kind not in DATABASE_FILES or manifest["database"].get("file") != DATABASE_FILES[kind]:
        raise BackupError("the manifest names no known database part")
    return manifest


def _has(reader: _Reader, name: str) -> bool:
    if reader.tar is None:
        path = reader.source / name
        return path.is_file() and not path.is_symlink()
    return name in reader.members


def _copy_checked(reader: _Reader, name: str, expected: dict[str, Any], target: Path) -> None:
    """Copy one part out of the backup, checking its size and hash against the manifest."""
    digest = hashlib.sha256()
    size = 0
    with reader.open(name) as src, target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected.get("sha256") or size != expected.get("bytes"):
        raise BackupError(f"{name} does not match the manifest (damaged or altered backup)")


def restore_backup(engine: Engine, photo_dir: Path, source: Path, *, force: bool = False,
                   progress: Progress = _quiet) -> RestoreResult:
    """Restore the backup at `source` into the database behind `engine` and `photo_dir`."""
    reader = _Reader(Path(source))
    try:
        manifest = _manifest(reader)
        store = PhotoStore(photo_dir)
        _check_target(engine, store, force)
        _check_revision(engine, manifest)
        with tempfile.TemporaryDirectory(prefix="checkin-restore-") as work_dir:
            work = Path(work_dir)
            kind = manifest["database"]["kind"]
            database_name = DATABASE_FILES[kind]
            parts = manifest.get("parts", {})
            for name in (database_name, PHOTO_LIST):
                if name not in parts:
                    raise BackupError(f"the manifest lists no {name}")
            progress("checking the database part …")
            dump = work / database_name
            _copy_checked(reader, database_name, parts[database_name], dump)
            listing = work / PHOTO_LIST
            _copy_checked(reader, PHOTO_LIST, parts[PHOTO_LIST], listing)
            keys = _photo_keys(listing, manifest)
            progress(f"restoring {len(keys)} photos …")
            added: list[str] = []  # removed again if anything fails: a retry starts clean
            try:
                for number, key in enumerate(keys, 1):
                    with reader.open(_photo_name(key)) as fh:
                        data = fh.read()
                    if hashlib.sha256(data).hexdigest() != key:
                        raise BackupError(f"photo {key} in the backup does not match its "
                                          "name (damaged or altered backup)")
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
        counts = database_row_counts(engine)
        expected = {k: int(v) for k, v in manifest.get("row_counts", {}).items()}
        differ = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
        if differ:
            raise BackupError(f"row counts differ from the manifest after loading: {differ}")
        upgrade(engine)
        engine.dispose()
        problems = [f"missing in the backup already: {k}"
                    for k in manifest["photos"].get("missing", [])]
        problems += [f"damaged at backup time, not restored: {k}"
                     for k in manifest["photos"].get("corrupt", [])]
        return RestoreResult(manifest=manifest, row_counts=counts, photos=len(keys),
                             problems=problems)
    finally:
        reader.close()


def _photo_keys(listing: Path, manifest: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for number, line in enumerate(listing.read_text(encoding="ascii").splitlines(), 1):
        match = _LIST_LINE.fullmatch(line)
        if match is None or _PHOTO_NAME.fullmatch(match[2]) is None \
                or match[2] != _photo_name(match[1]):
            raise BackupError(f"{PHOTO_LIST} line {number} is not a photo entry")
        keys.append(match[1])
    if len(keys) != manifest["photos"].get("files"):
        raise BackupError(f"{PHOTO_LIST} lists {len(keys)} photos, the manifest "
                          f"{manifest['photos'].get('files')}")
    return keys


def _check_target(engine: Engine, store: PhotoStore, force: bool) -> None:
    if force:
        return
    full = {t: n for t, n in database_row_counts(engine).items() if n}
    if full:
        raise BackupError("the database is not empty (" + ", ".join(
            f"{t}: {n}" for t, n in sorted(full.items())) + "); restore only into an empty "
            "database, or pass --force to replace everything in it")
    if next(store.iter_keys(), None) is not None:
        raise BackupError(f"the photo directory {store.root} has photos; restore into an "
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
                _load_tables(conn, _dump_tables(src, counts))
        finally:
            source.dispose()
        return
    with engine.begin() as conn:
        _load_tables(conn, _read_jsonl(dump))


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
    uri, env = _libpq(engine)
    completed = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={uri}", str(dump)],
        env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"pg_restore failed: {completed.stderr.strip()}")
