"""SQL filters on calendar days: a span of days (leave, a team's term) that touches a
period. Both ends of every span and period are included; a span without an end is open."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_


def overlaps(start: Any, end: Any, first: date, last: date, *,
             open_end: bool = False) -> ColumnElement[bool]:
    """The span [start, end] shares at least one day with [first, last]; with `open_end`
    a NULL end means the span goes on."""
    ends_after = end >= first
    if open_end:
        ends_after = or_(end.is_(None), ends_after)
    return and_(start <= last, ends_after)
