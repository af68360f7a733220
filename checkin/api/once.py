"""A record made on the phone, stored once whatever the retries; the request commits it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from checkin import db

T = TypeVar("T")


def store_once(find: Callable[[], T | None], create: Callable[[], T]) -> tuple[T, bool]:
    """(record, created). A replay answers the stored record (`find` raises 409 for a
    changed payload). Otherwise `create` runs and is flushed, not committed: the request's
    commit point (db.py) commits it with the answer. A race on the same id is caught at that
    flush: the unique key refuses the second insert, the request's writes are discarded
    (`db.discard_writes`: the record is the only thing a request that uses store_once
    writes) and the request answers the record that won, as a replay. A refusal `create`
    raises goes on to the caller; the commit point rolls back what it wrote.

    No savepoint around `create`: on SQLite it took the write lock before the record's
    reads (the fence, the previous fix) and held it to the commit, so concurrent check-ins
    waited on each other (bench/checkin_throughput.py, savepoint against none in one run:
    1.22x the check-ins a second, p99 1,037 -> 449 ms; on PostgreSQL 1.06x, two statements
    fewer)."""
    stored = find()
    if stored is not None:
        return stored, False
    try:
        row = create()
        db.session().flush()
    except IntegrityError:
        db.discard_writes()
        stored = find()
        if stored is None:
            raise
        return stored, False
    return row, True
