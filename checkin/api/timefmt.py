"""Times on the wire: ISO 8601 with an offset in, UTC with Z out; dates as YYYY-MM-DD."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from checkin.errors import ApiError


def utc_z(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_moment(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"{name} must be an ISO 8601 time.",
                       {name: "ISO 8601 with offset"})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_field", f"{name} is not an ISO 8601 time.",
                       {name: "ISO 8601 with offset"}) from exc
    if moment.tzinfo is None:
        raise ApiError(400, "invalid_field", f"{name} needs an offset such as +08:00.",
                       {name: "offset required"})
    return moment


def parse_day(value: Any, name: str) -> date:
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"{name} must be a date like 2026-11-22.",
                       {name: "YYYY-MM-DD"})
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_field", f"{name} must be a date like 2026-11-22.",
                       {name: "YYYY-MM-DD"}) from exc


def optional_day(value: str | None, name: str) -> date | None:
    return None if value in (None, "") else parse_day(value, name)
