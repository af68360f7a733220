"""Typed ORM models, one module per aggregate; importing this registers them all."""

from checkin.models.area import AREA_LEVELS, Area, Village
from checkin.models.attendance import LEAVE_STATUSES, AttendanceDay, Checkin, Leave
from checkin.models.audit import AuditEntry
from checkin.models.household import HOUSEHOLD_STATUSES, Household
from checkin.models.org import SendingUnit, Team
from checkin.models.user import ROLES, ApiToken, User
from checkin.models.visit import PURPOSES, VISIT_KINDS, Photo, Visit

__all__ = [
    "AREA_LEVELS",
    "HOUSEHOLD_STATUSES",
    "LEAVE_STATUSES",
    "PURPOSES",
    "ROLES",
    "VISIT_KINDS",
    "ApiToken",
    "Area",
    "AttendanceDay",
    "AuditEntry",
    "Checkin",
    "Household",
    "Leave",
    "Photo",
    "SendingUnit",
    "Team",
    "User",
    "Village",
    "Visit",
]
