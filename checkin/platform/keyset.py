"""Keyset paging: "the rows after this one" as a WHERE clause, and the cursor that names a
row in a URL. Unlike an offset, a page costs the same at row 100,000 and stays right when
rows come and go between two pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from checkin.domain.refusal import Refusal

T = TypeVar("T")


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
    return or_(*terms)


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
    wanted = decode(cursor, like) if cursor else None
    if wanted is not None and parse is not None:
        wanted = parse(wanted)
    chosen, before = stmt, 0
    if wanted is not None:
        later = after(columns, wanted, descending)
        chosen = stmt.where(later)
        before = session.scalar(select(func.count()).select_from(
            stmt.where(not_(later)).order_by(None).subquery())) or 0
    order = [c.desc() for c in columns] if descending else list(columns)
    rows = list(session.scalars(chosen.order_by(None).order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, before + 1, total, encode(key_of(rows[-1])) if more else None)
