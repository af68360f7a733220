"""The portable format (``database.jsonl.gz``): any database, and from one kind to the other.

Every table in an order where each comes after the tables it refers to, rows as JSON
arrays, one line each, under a header line naming the table, its columns, their type tags
and the row count. Written from one consistent snapshot (see snapshot.py); loaded into an
empty schema migrated to the backup's revision.

Loading keeps the foreign keys checked as rows go in (PostgreSQL's are not DEFERRABLE, and
a backup is loaded into the schema at *its* revision, so deferring them would not help the
backups already written): tables come in SQLAlchemy's dependency order; the one cycle
(teams.leader_id, declared ``use_alter``) is loaded as NULL and filled in at the end; rows
that refer to a row of their own table (areas.parent_id, visits.corrects_id) wait for it.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.schema import sort_tables_and_constraints

from checkin.db import Base
from checkin.ops.backup.archive import SKIPPED_TABLES, BackupError

_BATCH = 1000


@dataclass
class TableDump:
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
    """Tables with every table after those it refers to (SQLAlchemy's own sort), and the
    foreign keys left out to break a cycle between tables: the models' ``use_alter`` keys
    (teams.leader_id), which reflection does not carry. Their columns are loaded as NULL
    and filled in at the end, so they must be nullable."""
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    order = sort_tables_and_constraints(
        tables, filter_fn=lambda fkc: True if _declared_use_alter(fkc) else None)
    deferred = {fkc for table, keys in order if table is None for fkc in keys
                if fkc.referred_table is not fkc.table}
    if not all(column.nullable for fkc in deferred for column in fkc.columns):
        raise BackupError("the tables refer to each other through keys that cannot be "
                          "NULL: no order to load them in")
    return [table for table, _keys in order if table is not None], deferred


def _declared_use_alter(fkc: sa.ForeignKeyConstraint) -> bool:
    model = Base.metadata.tables.get(fkc.table.name)
    if model is None:
        return False
    names = [c.name for c in fkc.columns]
    return any(declared.use_alter and [c.name for c in declared.columns] == names
               for declared in model.foreign_key_constraints)


def reflect(conn: Connection) -> sa.MetaData:
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


def dump_tables(conn: Connection, counts: dict[str, int]) -> Iterator[TableDump]:
    order, _deferred = _ordered_tables(reflect(conn))
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

        yield TableDump(table.name, [c.name for c in columns], tags, counts[table.name],
                        rows())


def write_jsonl(path: Path, tables: Iterable[TableDump]) -> None:
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


def read_jsonl(path: Path) -> Iterator[TableDump]:
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

            dump = TableDump(header["table"], list(header["columns"]), list(header["types"]),
                             count, rows())
            yield dump
            for _ in dump.rows:  # a consumer that stopped early: skip to the next table
                pass


def load_tables(conn: Connection, dumps: Iterable[TableDump]) -> None:
    """Insert every dumped table into the (migrated, empty) schema behind `conn`."""
    metadata = reflect(conn)
    _order, cyclic = _ordered_tables(metadata)
    later: list[_LateKeys] = []
    for dump in dumps:
        table = metadata.tables.get(dump.name)
        if table is None:
            raise BackupError(f"the backup has table {dump.name}, the schema has not")
        unknown = set(dump.columns) - set(table.columns.keys())
        if unknown:
            raise BackupError(f"{dump.name}: the schema has no column(s) {sorted(unknown)}")
        late = {c.parent.name for fk in cyclic if fk.table is table for c in fk.elements}
        later.extend(_load_table(conn, table, dump, late))
    for keys in later:
        table = keys.table
        conn.execute(table.update().where(*[table.c[k] == v for k, v in keys.row.items()])
                     .values(**keys.values))
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, metadata)


@dataclass
class _LateKeys:
    """Foreign key values of one row, loaded as NULL and set once every table is in."""
    table: sa.Table
    row: dict[str, Any]
    values: dict[str, Any]


def _load_table(conn: Connection, table: sa.Table, dump: TableDump,
                late: set[str]) -> list[_LateKeys]:
    """Insert one table's rows, the `late` columns as NULL; returns their real values."""
    self_refs = [[(e.parent.name, e.column.name) for e in fk.elements]
                 for fk in table.foreign_key_constraints if fk.referred_table is table]
    key_names = [c.name for c in table.primary_key.columns]
    # Rows a trigger of an earlier table made (attendance_years) give way to the dump's.
    conn.execute(table.delete())
    pending = _SelfReferenceOrder(self_refs)
    later: list[_LateKeys] = []
    batch: list[dict[str, Any]] = []
    for raw in dump.rows:
        row = {name: _decode(value, tag)
               for name, value, tag in zip(dump.columns, raw, dump.types, strict=True)}
        if any(row.get(name) is not None for name in late):
            later.append(_LateKeys(table, {k: row[k] for k in key_names},
                                   {k: row[k] for k in late}))
            row.update(dict.fromkeys(late))
        batch.extend(pending.ready(row))
        if len(batch) >= _BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    batch.extend(pending.leftovers())
    if batch:
        conn.execute(table.insert(), batch)
    return later
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


