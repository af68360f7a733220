"""The time now, and calendar days in the deployment's zone (tests may fix the time)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def zone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() \
        else "Asia/Shanghai"
    return ZoneInfo(name)


def now() -> datetime:
    if has_app_context() and current_app.config.get("FIXED_NOW") is not None:
        return current_app.config["FIXED_NOW"]
    return datetime.now(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def today() -> date:
    return local_day(now())
