"""Opening balances at go-live (开账前天数): set by an admin on a cadre's page or by the
roster import, read by the ledger. Each change is audited with the values before and after,
so a balance raised after the fact is in the log and on the cadre's file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.refusal import Refusal
from checkin.models import AuditEntry, OpeningBalance, User
from checkin.platform import audit, clock
from checkin.platform.among import among
from checkin.roster.convert import fold

ENTITY = "opening_balance"
FIELDS = ("go_live", "on_post_days", "official_days", "training_days", "leave_days")


@dataclass(frozen=True)
class Change:
    """How a cadre's balance of a year was last set, and how often it was changed."""

    row: OpeningBalance
    changes: int


def term_of(cadre: User, year: int) -> tuple[date, date | None]:
    """The cadre's team term (as the ledger takes it); the whole year without a team."""
    team = cadre.team
    return (date(year, 1, 1), None) if team is None else (team.term_start, team.term_end)


def entity_id(user_id: int, year: int) -> str:
    return f"{user_id}:{year}"


def balances_of(session: Session, user_ids: Sequence[int], year: int
                ) -> dict[int, attendance.OpeningBalance]:
    """The opening balance of `year` per cadre that has one (one query)."""
    if not user_ids:
        return {}
    rows = session.scalars(select(OpeningBalance).where(
        among(session, OpeningBalance.user_id, list(user_ids)), OpeningBalance.year == year))
    return {row.user_id: as_domain(row) for row in rows}


def as_domain(row: OpeningBalance) -> attendance.OpeningBalance:
    return attendance.OpeningBalance(row.go_live, row.on_post_days, row.official_days,
                                     row.training_days, row.leave_days)


def row_of(session: Session, user_id: int, year: int) -> OpeningBalance | None:
    return session.scalars(select(OpeningBalance).where(
        OpeningBalance.user_id == user_id, OpeningBalance.year == year)).first()


def change_of(session: Session, user_id: int, year: int) -> Change | None:
    """The balance with the number of audited changes to it (shown in the cadre's file)."""
    row = row_of(session, user_id, year)
    if row is None:
        return None
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == ENTITY, AuditEntry.entity_id == entity_id(user_id, year))) or 0
    return Change(row, count)


def _values(row: OpeningBalance | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {"go_live": row.go_live.isoformat(), "on_post_days": row.on_post_days,
            "official_days": row.official_days, "training_days": row.training_days,
            "leave_days": row.leave_days, "note": row.note}


def _may_set(actor: User, cadre: User) -> None:
    """Admins only: a cadre (or a supervisor) never sets a balance, not even their own."""
    if actor.role != "admin":
        raise Refusal("forbidden")
    if cadre.role != "cadre":
        raise Refusal("opening_not_a_cadre", field="user_id")


def set_balance(session: Session, actor: User, cadre: User, year: int,
                balance: attendance.OpeningBalance, note: str, *, via: str = "page"
                ) -> bool:
    """Set (or change) the cadre's balance of `year`; True if anything changed."""
    _may_set(actor, cadre)
    note = note.strip()
    if len(note) > 500:
        raise Refusal("invalid_text", field="note", name="note", limit=500)
    start, end = term_of(cadre, year)
    attendance.validate_opening(balance, year, start, end)
    return write_balance(session, actor.id, cadre.id, year, balance, note, via=via)


def write_balance(session: Session, actor_id: int | None, user_id: int, year: int,
                  balance: attendance.OpeningBalance, note: str, *, via: str) -> bool:
    """Store a checked balance and audit it (the admin page and the roster import)."""
    row = row_of(session, user_id, year)
    before = _values(row)
    if row is None:
        row = OpeningBalance(user_id=user_id, year=year)
        session.add(row)
    new = {"go_live": balance.go_live, "on_post_days": balance.on_post_days,
           "official_days": balance.official_days, "training_days": balance.training_days,
           "leave_days": balance.leave_days}
    if before is not None and all(getattr(row, k) == v for k, v in new.items()) \
            and (row.note == note or not note):
        return False
    for key, value in new.items():
        setattr(row, key, value)
    row.note = note or row.note or ""
    row.set_by_id, row.set_at = actor_id, clock.now()
    session.flush()
    after = _values(row)
    audit.record(session, actor_id=actor_id, action="opening_balance.set", entity=ENTITY,
                 entity_id=entity_id(user_id, year), before=before, after=after,
                 detail={"user_id": user_id, "year": year, "via": via,
                         "before": before, "after": after})
    return True


def clear_balance(session: Session, actor: User, cadre: User, year: int, *,
                  via: str = "page") -> bool:
    """Remove the cadre's balance of `year` (the records alone count again)."""
    _may_set(actor, cadre)
    return write_clear(session, actor.id, cadre.id, year, via=via)


def write_clear(session: Session, actor_id: int | None, user_id: int, year: int, *,
                via: str) -> bool:
    row = row_of(session, user_id, year)
    if row is None:
        return False
    before = _values(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor_id=actor_id, action="opening_balance.clear", entity=ENTITY,
                 entity_id=entity_id(user_id, year), before=before, after=None,
                 detail={"user_id": user_id, "year": year, "via": via,
                         "before": before, "after": None})
    return True




def parse_days(text: str, field: str) -> int:
    """A number of days; empty is 0; full-width digits as typed on a Chinese keyboard."""
    text = fold(text) or "0"
    if not (text.isascii() and text.isdigit()) or len(text) > 3:
        raise Refusal("opening_bad_days", field=field, value=text[:20])
    return int(text)
