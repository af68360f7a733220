"""The commit point of a record made on the phone: stored once, whatever the retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from checkin import db

T = TypeVar("T")


def store_once(find: Callable[[], T | None], create: Callable[[], T]) -> tuple[T, bool]:
    """(record, created): a replay answers the stored record (`find` raises 409 for a changed
    payload); otherwise `create` runs and is committed. A race on the same id ends as a
    replay: the unique key refuses the second insert."""
    stored = find()
    if stored is not None:
        return stored, False
    session = db.session()
    try:
        row = create()
        session.commit()
    except IntegrityError:
        session.rollback()
        stored = find()
        if stored is None:
            raise
        return stored, False
    return row, True
