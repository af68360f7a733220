"""Keyset paging: "the rows after this one" as a WHERE clause, and the cursor that names a
row in a URL. Unlike an offset, a page costs the same at row 100,000 and stays right when
rows come and go between two pages."""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from checkin.domain.refusal import Refusal

T = TypeVar("T")
PAGE_SIZE = 100  # rows of a page of computed rows (a page lists a few hundred at most)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its rows, where it starts (1-based), how many there are in all, and the
    cursor of the next page (None on the last)."""

    rows: list[T]
    first: int
    total: int
    next_after: str | None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def encode(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), ensure_ascii=False)
                                    .encode()).decode().rstrip("=")


def decode(cursor: str, like: Sequence[type] | None = None) -> list[Any] | None:
    """The key a cursor carries (ints and strings only, of the types `like` gives when
    given); None for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(value, list) or not all(
            isinstance(v, (int, str)) and not isinstance(v, bool) for v in value):
        return None
    if like is not None and (len(like) != len(value) or not all(
            type(v) is t for v, t in zip(value, like, strict=True))):
        return None
    return value


def check(cursor: str, like: Sequence[type],
          parse: Callable[[list[Any]], list[Any] | None] | None = None) -> None:
    """Refuse (invalid_cursor, 400) a cursor that is not one of this list's: where a page
    asks for it (the API) a cursor that is not understood is an error, not page one."""
    if not cursor:
        return
    wanted = decode(cursor, like)
    if wanted is None or (parse is not None and parse(wanted) is None):
        raise Refusal("invalid_cursor", field="cursor")


def after(columns: Sequence[Any], values: Sequence[Any], descending: bool = False
          ) -> ColumnElement[bool]:
    """Rows that sort after `values` in the order of `columns` (the last unique; all
    ascending, or all descending): (a > x) or (a = x and b > y) or ..., which every
    backend runs from an index."""
    terms = []
    for i, column in enumerate(columns):
        equal = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
        terms.append(and_(*equal, column < values[i] if descending else column > values[i]))
    # The first column's bound, implied by the terms, said once more: PostgreSQL reads an
    # OR of terms as a filter over the whole index from its start (bench/api_lists.py: the
    # page after row 1,000,000 took as long as an offset), and this bound as a range.
    first, value = columns[0], values[0]
    return and_(first <= value if descending else first >= value, or_(*terms))


def page(session: Session, stmt: Select[Any], columns: Sequence[Any],
         key_of: Callable[[Any], Sequence[Any]], cursor: str, like: Sequence[type],
         size: int, *, descending: bool = False,
         parse: Callable[[list[Any]], list[Any] | None] | None = None) -> Page[Any]:
    """The `size` rows of `stmt` after the row `cursor` names, in the order of `columns`
    (the last unique), with how many match and where the page starts: three statements
    (the count, the rows before, the page), none of them per row. `key_of` gives a row's
    key in a cursor (ints and strings); `parse` turns it back into column values (None:
    not a key)."""
    total = session.scalar(select(func.count()).select_from(
        stmt.order_by(None).subquery())) or 0
    wanted = _wanted(cursor, like, parse)
    before = 0
    if wanted is not None:
        before = session.scalar(select(func.count()).select_from(
            stmt.where(not_(after(columns, wanted, descending))).order_by(None).subquery())) or 0
    rows, next_after = _slice(session, stmt, columns, key_of, wanted, size, descending)
    return Page(rows, before + 1, total, next_after)


def slice_after(session: Session, stmt: Select[Any], columns: Sequence[Any],
                key_of: Callable[[Any], Sequence[Any]], cursor: str, like: Sequence[type],
                size: int, *, descending: bool = False,
                parse: Callable[[list[Any]], list[Any] | None] | None = None
                ) -> tuple[list[Any], str | None]:
    """The `size` rows after the row `cursor` names and the next page's cursor (None on the
    last), in one statement: `page` without its counts, for the API, whose lists say no
    totals (a count of a province's 4.5 million visits would cost more than the page). A
    cursor that is not of this list is refused (invalid_cursor)."""
    check(cursor, like, parse)
    return _slice(session, stmt, columns, key_of, _wanted(cursor, like, parse), size,
                  descending)


def _wanted(cursor: str, like: Sequence[type],
            parse: Callable[[list[Any]], list[Any] | None] | None) -> list[Any] | None:
    wanted = decode(cursor, like) if cursor else None
    return parse(wanted) if wanted is not None and parse is not None else wanted


def _slice(session: Session, stmt: Select[Any], columns: Sequence[Any],
           key_of: Callable[[Any], Sequence[Any]], wanted: list[Any] | None, size: int,
           descending: bool) -> tuple[list[Any], str | None]:
    chosen = stmt if wanted is None else stmt.where(after(columns, wanted, descending))
    order = [c.desc() for c in columns] if descending else list(columns)
    rows = list(session.scalars(chosen.order_by(None).order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode(key_of(rows[-1])) if more else None


def page_of_rows(rows: list[T], key: Callable[[T], tuple[Any, ...]], after: str = "",
                 size: int = PAGE_SIZE) -> Page[T]:
    """The page of rows computed in Python (ledgers, due states), in the order of `key`
    (whose last part is unique), that follows the row the cursor `after` names: stable when
    rows come and go, unlike an offset. A cursor that is not of this list is page one (the
    API checks it first, `check_rows`)."""
    keyed = sorted((list(key(r)), i) for i, r in enumerate(rows))  # each key once
    ordered = [rows[i] for _k, i in keyed]
    keys = [k for k, _i in keyed]
    start = 0
    wanted = decode(after) if after else None
    if wanted is not None and keys and _like(wanted, keys[0]):
        start = bisect_right(keys, wanted)
    chosen = ordered[start:start + size]
    more = start + size < len(ordered)
    return Page(chosen, start + 1, len(ordered),
                encode(keys[start + size - 1]) if more else None)


def check_rows(cursor: str, example: Sequence[Any] | None) -> None:
    """Refuse (invalid_cursor) a cursor that is not a key like `example` (a row's key;
    None when the list is empty: then no cursor is one of its own)."""
    if not cursor:
        return
    wanted = decode(cursor)
    if wanted is None or (example is not None and not _like(wanted, list(example))):
        raise Refusal("invalid_cursor", field="cursor")


def _like(wanted: list[Any], key: list[Any]) -> bool:
    return len(wanted) == len(key) and all(
        type(a) is type(b) for a, b in zip(wanted, key, strict=True))


def moment(value: str) -> datetime:
    """A time in a cursor: ISO 8601 with its offset (a time without one is no row's)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a cursor's time carries its offset")
    return parsed


def iso_key(*kinds: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any] | None]:
    """A cursor key's parser: each value through its kind (moment, date.fromisoformat,
    str, int); None when one is not of its kind."""
    def parse(values: list[Any]) -> list[Any] | None:
        if len(values) != len(kinds):
            return None
        try:
            return [kind(value) for kind, value in zip(kinds, values, strict=True)]
        except (TypeError, ValueError):
            return None
    return parse
