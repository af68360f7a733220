"""A person's own channels: their e-mail address and the personal channels they turned
off. The inbox is always on. Every change is audited (who, before and after)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from checkin.domain import notices
from checkin.domain.refusal import Refusal
from checkin.models import User
from checkin.platform import audit


@dataclass(frozen=True)
class Channels:
    email: str
    muted: frozenset[str]


def of(user: User) -> Channels:
    return Channels(user.email or "", notices.muted_of(user.muted_channels))


def save(session: Session, user: User, email: str, muted: Iterable[str]) -> bool:
    """Store the address and the channels turned off; False when nothing changed."""
    email = email.strip()
    if email:
        problem = notices.email_problem(email)
        if problem:
            raise Refusal(problem, field="email", most=notices.EMAIL_MAX)
    before = of(user)
    after = Channels(email, notices.muted_of(notices.stored_muted(muted)))
    if after == before:
        return False
    user.email = email or None
    user.muted_channels = notices.stored_muted(after.muted)
    audit.record(session, actor_id=user.id, action="user.channels", entity="user",
                 entity_id=user.id, before=_audited(before), after=_audited(after),
                 detail={"muted": sorted(after.muted), "email_set": bool(email)})
    session.flush()
    return True


def _audited(channels: Channels) -> dict[str, object]:
    return {"email": channels.email, "muted": sorted(channels.muted)}
