"""Typed ORM models, one module per aggregate; importing this registers them all."""

from checkin.models.area import AREA_LEVELS, Area, Village
from checkin.models.attendance import (
    LEAVE_STATUSES,
    AttendanceCorrection,
    AttendanceDay,
    AttendanceYear,
    Checkin,
    CorrectionDecision,
    Leave,
)
from checkin.models.audit import AuditEntry
from checkin.models.daily_log import DailyLog
from checkin.models.feedback import FEEDBACK_KINDS, Feedback, FeedbackAnswer
from checkin.models.household import (
    HOUSEHOLD_STATUSES,
    HelperChange,
    Household,
    OutsideHelper,
)
from checkin.models.notify import DELIVERY_STATUSES, Delivery, JobLock, JobRun, Notification
from checkin.models.org import SendingUnit, Team
from checkin.models.publication import BulletinPublication
from checkin.models.report import REPORT_KINDS, REPORT_STATUSES, TeamReport, TeamReportRemarks
from checkin.models.roster_import import IMPORT_STATUSES, RosterImport, RosterImportFile
from checkin.models.rotation import ROTATION_KINDS, Rotation, RotationDecision
from checkin.models.signin import SigninCounter
from checkin.models.spotcheck import (
    SATISFACTION_LEVELS,
    SPOTCHECK_KINDS,
    SPOTCHECK_METHODS,
    SPOTCHECK_OUTCOMES,
    SpotcheckAppeal,
    SpotcheckAppealDecision,
    SpotcheckAssignment,
    SpotcheckBatch,
    SpotcheckCorrection,
    SpotcheckItem,
    SpotcheckResult,
)
from checkin.models.user import ROLES, ApiToken, PasswordHistory, RecoveryCode, User
from checkin.models.visit import PURPOSES, VISIT_KINDS, Photo, Visit
from checkin.models.warning_talk import WarningTalk

__all__ = [
    "AREA_LEVELS",
    "DELIVERY_STATUSES",
    "FEEDBACK_KINDS",
    "HOUSEHOLD_STATUSES",
    "IMPORT_STATUSES",
    "LEAVE_STATUSES",
    "PURPOSES",
    "REPORT_KINDS",
    "REPORT_STATUSES",
    "ROLES",
    "ROTATION_KINDS",
    "SATISFACTION_LEVELS",
    "SPOTCHECK_KINDS",
    "SPOTCHECK_METHODS",
    "SPOTCHECK_OUTCOMES",
    "VISIT_KINDS",
    "ApiToken",
    "Area",
    "AttendanceCorrection",
    "AttendanceDay",
    "AttendanceYear",
    "AuditEntry",
    "BulletinPublication",
    "Checkin",
    "CorrectionDecision",
    "DailyLog",
    "Delivery",
    "Feedback",
    "FeedbackAnswer",
    "HelperChange",
    "Household",
    "JobLock",
    "JobRun",
    "Leave",
    "Notification",
    "OutsideHelper",
    "PasswordHistory",
    "Photo",
    "RecoveryCode",
    "RosterImport",
    "RosterImportFile",
    "Rotation",
    "RotationDecision",
    "SendingUnit",
    "SigninCounter",
    "SpotcheckAppeal",
    "SpotcheckAppealDecision",
    "SpotcheckAssignment",
    "SpotcheckBatch",
    "SpotcheckCorrection",
    "SpotcheckItem",
    "SpotcheckResult",
    "Team",
    "TeamReport",
    "TeamReportRemarks",
    "User",
    "Village",
    "Visit",
    "WarningTalk",
]
