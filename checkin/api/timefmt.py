"""Times on the wire: ISO 8601 with an offset in, UTC with Z out; dates as YYYY-MM-DD."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from checkin.domain.refusal import Refusal


def utc_z(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_moment(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise Refusal("not_a_time", field=name, name=name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Refusal("not_a_time", field=name, name=name) from exc
    if moment.tzinfo is None:
        raise Refusal("time_needs_offset", field=name, name=name)
    try:  # e.g. 0001-01-01T00:00+08:00 is before year 1 in UTC: no moment to store
        moment.astimezone(UTC)
    except OverflowError as exc:
        raise Refusal("not_a_time", field=name, name=name) from exc
    return moment


def parse_day(value: Any, name: str) -> date:
    if not isinstance(value, str):
        raise Refusal("not_a_date", field=name, name=name)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Refusal("not_a_date", field=name, name=name) from exc


def optional_day(value: str | None, name: str) -> date | None:
    return None if value in (None, "") else parse_day(value, name)
