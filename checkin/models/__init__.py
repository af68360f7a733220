"""Typed ORM models, one module per aggregate; importing this registers them all."""

from checkin.models.area import AREA_LEVELS, Area, Village
from checkin.models.attendance import LEAVE_STATUSES, AttendanceDay, Checkin, Leave
from checkin.models.audit import AuditEntry
from checkin.models.household import HOUSEHOLD_STATUSES, Household
from checkin.models.org import SendingUnit, Team
from checkin.models.user import ROLES, ApiToken, User

__all__ = [
    "AREA_LEVELS",
    "HOUSEHOLD_STATUSES",
    "LEAVE_STATUSES",
    "ROLES",
    "ApiToken",
    "Area",
    "AttendanceDay",
    "AuditEntry",
    "Checkin",
    "Household",
    "Leave",
    "SendingUnit",
    "Team",
    "User",
    "Village",
]
