"""A person's browser sessions (等保: one place that lists and ends them): opened at sign-in,
checked on every request that carries the cookie, listed on the person's security page and
on the administrator's page of the account, ended one by one or all together.

Decisions:

- A cookie made before sessions were recorded (no id in it) gets a row at its next request,
  so it is listed and can be ended like the others.
- A session is listed while it is neither ended nor of an older epoch (ending every session
  bumps the epoch) and was used within the role's lifetime (older ones cannot be used any
  more: the cookie's own limits end them).
- Ending one session is the person's own (any of theirs, this one included) or an
  administrator's (the security duty's, with duties separated); it is audited with who ended
  it. It takes effect at that session's next request.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from checkin.models import ApiToken, SigninSession, User
from checkin.models.types import utcnow
from checkin.platform import audit

SEEN_EVERY = timedelta(seconds=60)  # `seen_at` is rewritten at most this often
MOST_LISTED = 50
AGENT_MAX = 200


def open_session(session: Session, user: User, address: str | None,
                 agent: str | None) -> SigninSession:
    row = SigninSession(id=secrets.token_hex(16), user_id=user.id,
                        epoch=user.session_epoch or 0, started_at=utcnow(), seen_at=utcnow(),
                        address=(address or "")[:64] or None,
                        agent=(agent or "")[:AGENT_MAX] or None)
    session.add(row)
    session.flush()
    return row


def still_open(session: Session, user: User, sid: str | None, now: datetime
               ) -> SigninSession | None:
    """The request's session if it may go on (its `seen_at` kept fresh), else None."""
    if not sid:
        return None
    row = session.get(SigninSession, sid)
    if row is None or row.user_id != user.id or row.ended_at is not None \
            or row.epoch != (user.session_epoch or 0):
        return None
    if now - row.seen_at >= SEEN_EVERY:
        row.seen_at = now
    return row


def listed(session: Session, user: User, lifetime: timedelta) -> list[SigninSession]:
    """The person's open sessions, most recently used first."""
    return list(session.scalars(select(SigninSession).where(
        SigninSession.user_id == user.id, SigninSession.ended_at.is_(None),
        SigninSession.epoch == (user.session_epoch or 0),
        SigninSession.seen_at > utcnow() - lifetime)
        .order_by(SigninSession.seen_at.desc()).limit(MOST_LISTED)))


def end(session: Session, actor: User, user: User, sid: str,
        address: str | None = None) -> bool:
    """End one of `user`'s sessions; False when there is no such open session."""
    row = session.get(SigninSession, sid)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    row.ended_by_id = actor.id
    audit.record(session, actor_id=actor.id, action="session.end", entity="user",
                 entity_id=user.id, detail={"session": sid[:8], "started_at":
                                            row.started_at.isoformat(),
                                            "address": row.address}, address=address)
    return True


def end_all(session: Session, actor: User | None, user: User) -> None:
    """Mark every open session of `user` ended (the epoch bump is what refuses them); the
    audit entry of the action that ends them says who did."""
    session.execute(update(SigninSession).where(
        SigninSession.user_id == user.id, SigninSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_by_id=None if actor is None else actor.id))


def tokens(session: Session, user: User) -> list[ApiToken]:
    """The person's API tokens that still work (apps signed in with the account)."""
    return list(session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > utcnow(), ApiToken.epoch == (user.session_epoch or 0))
        .order_by(ApiToken.created_at.desc()).limit(MOST_LISTED)))


def end_token(session: Session, actor: User, user: User, token_id: int,
              address: str | None = None) -> bool:
    """Revoke one of `user`'s API tokens; False when there is no such working token."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, actor_id=actor.id, action="token.revoke", entity="user",
                 entity_id=user.id, detail={"token_id": token.id}, address=address)
    return True


KEPT_AFTER = timedelta(days=30)  # an ended or unusable session's row, then swept


def sweep(session: Session, lifetime: timedelta) -> int:
    """Delete the rows of sessions that ended, or could no longer be used (`lifetime`: the
    longest any role's session lives), more than KEPT_AFTER ago. They are not evidence:
    every sign-in and every ending is in the audit log."""
    before = utcnow() - KEPT_AFTER
    result = session.execute(delete(SigninSession).where(or_(
        SigninSession.ended_at < before, SigninSession.seen_at < before - lifetime))
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
