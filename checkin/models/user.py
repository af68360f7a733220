"""People who sign in: cadres, supervisors, admins; and their API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Area, Village
from checkin.models.org import SendingUnit, Team
from checkin.models.types import SealedString, UTCDateTime, utcnow
from checkin.platform import field_crypto

ROLES = ("cadre", "supervisor", "admin")
# Where a team member comes from (seed 002: 1 first secretary and 1 member from the
# sending unit, 1 member from the township); None: not recorded.
TEAM_ROLES = ("first_secretary", "unit_member", "township_member")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('cadre','supervisor','admin')", name="role"),
        CheckConstraint("role <> 'supervisor' OR area_id IS NOT NULL", name="supervisor_area"),
        CheckConstraint("role <> 'cadre' OR village_id IS NOT NULL", name="cadre_village"),
        CheckConstraint("team_role IS NULL OR team_role IN "
                        "('first_secretary','unit_member','township_member')", name="team_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # Sealed at rest with FIELD_KEY, with its blind index (as households.phone).
    phone: Mapped[str | None] = mapped_column(SealedString(128, "users.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # Where and how notifications reach the person beyond the inbox (both optional).
    email: Mapped[str | None] = mapped_column(String(254))
    lang: Mapped[str | None] = mapped_column(String(8))
    # Personal channels the person turned off ("email,webhook"); the inbox is always on.
    muted_channels: Mapped[str] = mapped_column(String(64), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, disable and password change: every older session and token dies.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    team_role: Mapped[str | None] = mapped_column(String(24))
    # A password someone else chose (create-user, the roster import, an admin's reset) must
    # be changed before anything else is done (auth.require_own_password).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # When the password was last set (expiry, PASSWORD_MAX_AGE_DAYS).
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # The second factor (domain/second_factor.py): the TOTP secret, set when enrolment
    # begins and in force once a first code confirmed it; the last step used (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # An admin's one duty when duties are separated (domain/duties.py): system, security
    # or audit; set with `flask set-duty`, never on a page.
    duty: Mapped[str | None] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("sending_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The cadre's own posting inside the team's term (domain/rotation.split_term): set only
    # by an approved recall or rotation (services/people/rotations.py), audited; None: the
    # team's own start or end.
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)

    area: Mapped[Area | None] = relationship()
    village: Mapped[Village | None] = relationship()
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])
    unit: Mapped[SendingUnit | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"


def index_phone(_mapper: Any, _connection: Any, target: Any) -> None:
    """Keep the blind index beside the phone on every ORM write (households, users)."""
    target.phone_index = field_crypto.index_of(target.phone)


def index_changed_phone(mapper: Any, connection: Any, target: Any) -> None:
    if inspect(target).attrs.phone.history.has_changes():
        index_phone(mapper, connection, target)


event.listen(User, "before_insert", index_phone)
event.listen(User, "before_update", index_changed_phone)


class PasswordHistory(Base):
    """The hashes of a person's earlier passwords, so that none of the last few is used
    again (PASSWORD_HISTORY)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """A single-use code that stands in for the second factor (a lost phone); only its
    SHA-256 is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
