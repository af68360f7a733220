"""A person's second factor: enrolment (a secret, confirmed by a first code, then ten
recovery codes shown once), checking a code at sign-in (TOTP without replay, or a recovery
code used up), turning it off (with a code) and an admin's removal (a lost phone). Every
change is audited; secrets and codes never are."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from checkin.domain import second_factor as rules
from checkin.domain.refusal import Refusal
from checkin.models import RecoveryCode, User
from checkin.models.types import utcnow
from checkin.platform import audit
from checkin.services.people.accounts import end_all_sessions


def enabled(user: User) -> bool:
    return user.totp_secret is not None and user.totp_enabled_at is not None


def begin(session: Session, user: User) -> str:
    """A new secret waiting for its first code (replacing one not yet confirmed)."""
    if enabled(user):
        raise Refusal("second_factor_already_on")
    user.totp_secret = rules.new_secret()
    user.totp_last_step = None
    return user.totp_secret


def _digest(code: str) -> str:
    return hashlib.sha256(rules.clean_code(code).encode()).hexdigest()


def _check_totp(user: User, code: str, now: datetime) -> bool:
    if user.totp_secret is None:
        return False
    step = rules.matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def confirm(session: Session, user: User, code: str, *, now: datetime | None = None
            ) -> list[str]:
    """The first code proves the app holds the secret: the factor is in force from now.
    Returns the recovery codes, to be shown once."""
    if enabled(user) or user.totp_secret is None:
        raise Refusal("second_factor_not_started")
    if not _check_totp(user, code, now or utcnow()):
        raise Refusal("second_factor_wrong", field="code")
    user.totp_enabled_at = utcnow()
    codes = rules.new_recovery_codes()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    audit.record(session, actor_id=user.id, action="user.second_factor.on", entity="user",
                 entity_id=user.id)
    return codes


def verify(session: Session, user: User, code: str, *, now: datetime | None = None
           ) -> str | None:
    """Which factor `code` is: "totp" (once per step), "recovery" (an unused recovery code,
    used up now), or None."""
    if not enabled(user):
        return None
    if _check_totp(user, code, now or utcnow()):
        return "totp"
    if not rules.looks_like_recovery_code(code):
        return None
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    audit.record(session, actor_id=user.id, action="user.second_factor.recovery_code",
                 entity="user", entity_id=user.id,
                 detail={"left": recovery_codes_left(session, user)})
    return "recovery"


def recovery_codes_left(session: Session, user: User) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _off(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(session: Session, user: User, code: str, *, required: bool,
             now: datetime | None = None) -> None:
    """The owner turns it off with a current code; not where the setting requires one."""
    if required:
        raise Refusal("second_factor_required_here")
    if not verify(session, user, code, now=now):
        raise Refusal("second_factor_wrong", field="code")
    _off(session, user)
    audit.record(session, actor_id=user.id, action="user.second_factor.off", entity="user",
                 entity_id=user.id)


def remove(session: Session, user: User, *, actor_id: int) -> None:
    """An admin removes a lost factor; the person enrols again at the next sign-in if
    their role requires it. Their sessions end."""
    _off(session, user)
    end_all_sessions(session, user)
    audit.record(session, actor_id=actor_id, action="user.second_factor.removed",
                 entity="user", entity_id=user.id)
