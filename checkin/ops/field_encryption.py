"""Turning field encryption on and off for a database that already has numbers
(`flask encrypt-fields`, `flask decrypt-fields`), and the check at startup that the key
reads what is stored.

The columns are rewritten in chunks of rows by id, each chunk its own transaction: the
service keeps running (a value without the prefix is read as plain text meanwhile), and a
run that stops is taken up again by the next, which skips what is done. The tables are
read and written here as plain strings, beside the models' SealedString.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, NoSuchTableError

from checkin.platform.field_crypto import PREFIX, FieldCipher, FieldKeyError, is_sealed

# (table, column, its blind index): the columns sealed at rest.
SEALED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("households", "phone", "phone_index"),
    ("users", "phone", "phone_index"),
    ("outside_helpers", "phone", "phone_index"),
)
CHUNK = 1000


def _table(name: str, column: str, index: str) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.String),
                    sa.column(index, sa.String))


def check_stored(engine: Engine, cipher: FieldCipher | None) -> None:
    """Refuse to start when what is stored cannot be read with the settings: an encrypted
    value and no key, or one the key does not open (a wrong key never shows garbage)."""
    for name, column, index in SEALED_COLUMNS:
        table = _table(name, column, index)
        try:
            with engine.connect() as conn:
                value = conn.scalar(sa.select(table.c[column])
                                    .where(table.c[column].like(f"{PREFIX}%")).limit(1))
        except (DBAPIError, NoSuchTableError):
            return  # no schema yet (before init-db) or no database: nothing to read
        if value is None:
            continue
        if cipher is None:
            raise FieldKeyError(f"{name}.{column} holds encrypted numbers and FIELD_KEY is "
                                "not set: set FIELD_KEY and FIELD_CIPHER as when they were "
                                "encrypted")
        cipher.decrypt(value, f"{name}.{column}")


@dataclass
class Rewritten:
    table: str
    rows: int


Transform = Callable[[str, str], tuple[str, str | None]]
"""(value, "table.column") -> (what to store, its blind index)."""


def _rewrite(engine: Engine, columns: tuple[str, str, str], transform: Transform,
             wanted: Callable[[str | None], bool], chunk: int,
             echo: Callable[[str], None]) -> Rewritten:
    name, column, index = columns
    table = _table(name, column, index)
    after, count = 0, 0
    while True:
        with engine.begin() as conn:  # one transaction per chunk
            rows = conn.execute(sa.select(table.c.id, table.c[column])
                                .where(table.c.id > after).order_by(table.c.id)
                                .limit(chunk)).all()
            for row_id, value in rows:
                if not wanted(value):
                    continue
                stored, blind = transform(value, f"{name}.{column}")
                conn.execute(sa.update(table).where(table.c.id == row_id)
                             .values({column: stored, index: blind}))
                count += 1
        if not rows:
            return Rewritten(name, count)
        after = rows[-1][0]
        echo(f"{name}: {count} rewritten, up to id {after}")


def encrypt_all(engine: Engine, cipher: FieldCipher, chunk: int = CHUNK,
                echo: Callable[[str], None] = lambda _line: None) -> list[Rewritten]:
    """Seal every plain number and store its blind index; sealed ones are left (a second
    run rewrites nothing). A sealed value the key does not open stops the run first."""
    check_stored(engine, cipher)

    def seal(value: str, column: str) -> tuple[str, str | None]:
        return cipher.encrypt(value, column), cipher.blind_index(value)

    return [_rewrite(engine, columns, seal, lambda v: bool(v) and not is_sealed(v), chunk,
                     echo) for columns in SEALED_COLUMNS]


def decrypt_all(engine: Engine, cipher: FieldCipher, chunk: int = CHUNK,
                echo: Callable[[str], None] = lambda _line: None) -> list[Rewritten]:
    """Open every sealed number back to plain text and drop its blind index (before the
    key is taken out of the settings)."""
    def open_(value: str, column: str) -> tuple[str, str | None]:
        return cipher.decrypt(value, column), None

    return [_rewrite(engine, columns, open_, is_sealed, chunk, echo)
            for columns in SEALED_COLUMNS]
