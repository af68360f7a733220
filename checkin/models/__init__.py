"""Typed ORM models, one module per aggregate; importing this registers them all."""

from checkin.models.area import AREA_LEVELS, Area, Village
from checkin.models.assessment import AssessmentDecision, TownshipOpinion
from checkin.models.attendance import (
    LEAVE_STATUSES,
    AttendanceCorrection,
    AttendanceDay,
    AttendanceYear,
    Checkin,
    CorrectionDecision,
    Leave,
    OpeningBalance,
)
from checkin.models.audit import AuditEntry
from checkin.models.daily_log import DailyLog
from checkin.models.evaluation import (
    EVALUATION_CHANNELS,
    EVALUATION_RATINGS,
    EvaluationAnswer,
    EvaluationLink,
    EvaluationRating,
)
from checkin.models.export_job import EXPORT_STATUSES, ExportJob
from checkin.models.feedback import FEEDBACK_KINDS, Feedback, FeedbackAnswer
from checkin.models.household import (
    HOUSEHOLD_STATUSES,
    HelperChange,
    Household,
    HouseholdMove,
    OutsideHelper,
)
from checkin.models.notify import DELIVERY_STATUSES, Delivery, JobLock, JobRun, Notification
from checkin.models.org import SendingUnit, Team
from checkin.models.pledge import QuarterReport, QuarterReportReview, TeamPledge
from checkin.models.publication import BulletinPublication
from checkin.models.report import REPORT_KINDS, REPORT_STATUSES, TeamReport, TeamReportRemarks
from checkin.models.roster_import import IMPORT_STATUSES, RosterImport, RosterImportFile
from checkin.models.rotation import ROTATION_KINDS, Rotation, RotationDecision
from checkin.models.rounds import ROUND_KINDS, RoundCheckin, RoundDuty, RoundDutyVillage
from checkin.models.signin import SigninCounter, SigninSession
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
from checkin.models.training import (
    ATTENDANCE_METHODS,
    AUDIENCES,
    TRAINING_KINDS,
    Training,
    TrainingAttendance,
    TrainingInvitee,
)
from checkin.models.user import ROLES, TEAM_ROLES, ApiToken, PasswordHistory, RecoveryCode, User
from checkin.models.visit import PURPOSES, VISIT_KINDS, HouseholdContact, Photo, Visit
from checkin.models.warning_talk import WarningTalk

__all__ = [
    "AREA_LEVELS",
    "ATTENDANCE_METHODS",
    "AUDIENCES",
    "DELIVERY_STATUSES",
    "EVALUATION_CHANNELS",
    "EVALUATION_RATINGS",
    "EXPORT_STATUSES",
    "FEEDBACK_KINDS",
    "HOUSEHOLD_STATUSES",
    "IMPORT_STATUSES",
    "LEAVE_STATUSES",
    "PURPOSES",
    "REPORT_KINDS",
    "REPORT_STATUSES",
    "ROLES",
    "ROTATION_KINDS",
    "ROUND_KINDS",
    "SATISFACTION_LEVELS",
    "SPOTCHECK_KINDS",
    "SPOTCHECK_METHODS",
    "SPOTCHECK_OUTCOMES",
    "TEAM_ROLES",
    "TRAINING_KINDS",
    "VISIT_KINDS",
    "ApiToken",
    "Area",
    "AssessmentDecision",
    "AttendanceCorrection",
    "AttendanceDay",
    "AttendanceYear",
    "AuditEntry",
    "BulletinPublication",
    "Checkin",
    "CorrectionDecision",
    "DailyLog",
    "Delivery",
    "EvaluationAnswer",
    "EvaluationLink",
    "EvaluationRating",
    "ExportJob",
    "Feedback",
    "FeedbackAnswer",
    "HelperChange",
    "Household",
    "HouseholdContact",
    "HouseholdMove",
    "JobLock",
    "JobRun",
    "Leave",
    "Notification",
    "OpeningBalance",
    "OutsideHelper",
    "PasswordHistory",
    "Photo",
    "QuarterReport",
    "QuarterReportReview",
    "RecoveryCode",
    "RosterImport",
    "RosterImportFile",
    "Rotation",
    "RotationDecision",
    "RoundCheckin",
    "RoundDuty",
    "RoundDutyVillage",
    "SendingUnit",
    "SigninCounter",
    "SigninSession",
    "SpotcheckAppeal",
    "SpotcheckAppealDecision",
    "SpotcheckAssignment",
    "SpotcheckBatch",
    "SpotcheckCorrection",
    "SpotcheckItem",
    "SpotcheckResult",
    "Team",
    "TeamPledge",
    "TeamReport",
    "TeamReportRemarks",
    "TownshipOpinion",
    "Training",
    "TrainingAttendance",
    "TrainingInvitee",
    "User",
    "Village",
    "Visit",
    "WarningTalk",
]
