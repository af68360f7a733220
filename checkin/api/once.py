"""A record made on the phone, stored once whatever the retries; the request commits it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from checkin import db

T = TypeVar("T")


def store_once(find: Callable[[], T | None], create: Callable[[], T]) -> tuple[T, bool]:
    """(record, created). A replay answers the stored record (`find` raises 409 for a
    changed payload). Otherwise `create` runs in a savepoint and is flushed there, not
    committed: the request's commit point (db.py) commits it with the answer. A race on the
    same id is caught at that flush: the unique key refuses the second insert, the savepoint
    alone is rolled back, and the request answers the record that won, as a replay. A
    refusal `create` raises rolls its savepoint back and goes on to the caller."""
    stored = find()
    if stored is not None:
        return stored, False
    try:
        with db.savepoint():
            row = create()
    except IntegrityError:
        stored = find()
        if stored is None:
            raise
        return stored, False
    return row, True
