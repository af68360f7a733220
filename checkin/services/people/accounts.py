"""Signing in and out: passwords, API tokens, and ending every session of a user."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from checkin.domain.passwords import DEFAULT_RULES, MIN_LENGTH, PasswordRules, check_password
from checkin.domain.refusal import Refusal
from checkin.models import ApiToken, PasswordHistory, User
from checkin.models.types import utcnow
from checkin.platform import audit
from checkin.services.people import signin_sessions

# Verifying against a real hash when the user does not exist keeps timing uniform.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def hash_password(password: str) -> str:
    # Tests may choose a cheaper method; deployments always get scrypt.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() \
        else "scrypt"
    return generate_password_hash(password, method=method)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def password_rules() -> PasswordRules:
    """The deployment's password rules (PASSWORD_* settings), the defaults outside an app."""
    if not has_app_context():
        return DEFAULT_RULES
    config = current_app.config
    return PasswordRules(min_length=config.get("PASSWORD_MIN_LENGTH", MIN_LENGTH),
                         min_kinds=config.get("PASSWORD_MIN_KINDS", 3),
                         history=config.get("PASSWORD_HISTORY", 5),
                         max_age_days=config.get("PASSWORD_MAX_AGE_DAYS", 0))


def _used_before(session: Session, user: User, password: str, history: int) -> bool:
    """Whether `password` is the current one or one of the `history - 1` before it."""
    if history <= 0:
        return False
    earlier = session.scalars(select(PasswordHistory.password_hash).where(
        PasswordHistory.user_id == user.id).order_by(PasswordHistory.id.desc())
        .limit(history - 1)).all()
    return any(check_password_hash(digest, password)
               for digest in [user.password_hash, *earlier] if digest)


def set_password(session: Session, user: User, password: str, *, actor_id: int | None,
                 must_change: bool = False) -> None:
    """Change the password (after the rules allow it) and end every session and token.
    `must_change`: someone else chose it (an admin's reset), so the owner must change it at
    the next sign-in; a password the owner chose clears that, and may not be one of their
    last few (PASSWORD_HISTORY)."""
    rules = password_rules()
    check_password(password, (user.username, user.name), rules)
    if not must_change and _used_before(session, user, password, rules.history):
        raise Refusal("password_reused", field="password", history=rules.history)
    if user.password_hash:
        session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    end_all_sessions(session, user)
    audit.record(
        session, actor_id=actor_id, action="user.password", entity="user", entity_id=user.id,
        detail={"must_change": must_change},
    )


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None) -> None:
    before = user.active
    user.active = active
    if not active:
        end_all_sessions(session, user)
    audit.record(
        session,
        actor_id=actor_id,
        action="user.enable" if active else "user.disable",
        entity="user",
        entity_id=user.id,
        detail={"before": before, "after": active},
    )


def end_all_sessions(session: Session, user: User) -> None:
    """Cookies and tokens carry the epoch they were made in; a new epoch refuses them all."""
    user.session_epoch = (user.session_epoch or 0) + 1
    signin_sessions.end_all(session, None, user)
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=token_digest(raw),
        epoch=user.session_epoch,
        expires_at=utcnow() + lifetime,
    )
    session.add(token)
    session.flush()
    return raw, token


# The user of a live token: the token as sent, not revoked, not expired, of the user's
# current epoch, the user active. Built once; "token_hash" and "now" are bound per call.
_USER_FOR_TOKEN = (
    select(User).join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
           ApiToken.expires_at > bindparam("now"), User.active.is_(True),
           ApiToken.epoch == User.session_epoch))


def user_for_token(session: Session, raw: str, now: datetime | None = None) -> User | None:
    """The user of a live token, in one query (token joined with its user)."""
    return session.scalars(_USER_FOR_TOKEN, {"token_hash": token_digest(raw),
                                             "now": now or utcnow()}).first()


def revoke_token(session: Session, raw: str) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == token_digest(raw), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
