"""A village's sheet of household links for a quarter, and opening a link.

Decisions:

- A supervisor whose scope holds the village prints the sheet (the team hands it out; a
  cadre never prints it). Printing makes a new link for each household of the page (the
  token is shown once, on the sheet; only its SHA-256 is kept): a sheet lost or copied is
  undone by printing again, as only the newest link of a household and quarter opens.
- Households that have answered get no new link (they cannot answer again).
- A link opens the form while its quarter runs and its household is still of the village
  it was made for; it expires at the end of the quarter's last day (local time).
"""

from __future__ import annotations

import hashlib
import secrets
import time as wall
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.domain import public_evaluation as rules
from checkin.domain.refusal import Refusal
from checkin.models import EvaluationAnswer, EvaluationLink, Household, User, Village
from checkin.platform import audit, clock, counters
from checkin.scope import Scope

SHEET_SIZE = 60
TOKEN_BYTES = 16  # 128 bits: not guessed in any number of tries the limits allow


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def quarter_end_utc(quarter: str) -> datetime:
    last = rules.parse_quarter(quarter)[1]
    local = datetime.combine(last + timedelta(days=1), time(0), tzinfo=clock.zone())
    return local.astimezone(UTC)


@dataclass(frozen=True)
class SheetLine:
    household: Household
    token: str | None  # None: answered already


@dataclass(frozen=True)
class Sheet:
    village: Village
    quarter: str
    page: int
    pages: int
    lines: list[SheetLine]


def village_in_scope(session: Session, scope: Scope, village_id: int) -> Village | None:
    if not scope.is_supervisor:
        return None
    return scope.get(session, scope.villages(), village_id)


def issue_sheet(session: Session, scope: Scope, actor: User, village: Village, quarter: str,
                page: int) -> Sheet:
    """New links for one page of the village's households (SHEET_SIZE, by register code)."""
    today = clock.today()
    rules.check_quarter(quarter, today)
    if not rules.quarter_running(quarter, today):
        raise Refusal("evaluation_quarter_over", field="quarter", quarter=quarter)
    total = session.scalar(select(func.count()).select_from(Household)
                           .where(Household.village_id == village.id)) or 0
    pages = max(1, -(-total // SHEET_SIZE))
    page = min(max(page, 0), pages - 1)
    households = list(session.scalars(
        select(Household).where(Household.village_id == village.id)
        .order_by(Household.code).offset(page * SHEET_SIZE).limit(SHEET_SIZE)))
    answered = set(session.scalars(select(EvaluationAnswer.household_id).where(
        EvaluationAnswer.village_id == village.id, EvaluationAnswer.quarter == quarter)))
    expires = quarter_end_utc(quarter)
    lines = []
    for household in households:
        if household.id in answered:
            lines.append(SheetLine(household, None))
            continue
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session.add(EvaluationLink(household_id=household.id, village_id=village.id,
                                   quarter=quarter, token_hash=token_hash(token),
                                   issued_by_id=actor.id, expires_at=expires))
        lines.append(SheetLine(household, token))
    session.flush()
    audit.record(session, actor_id=actor.id, action="evaluation.sheet", entity="village",
                 entity_id=village.id, detail={"quarter": quarter, "page": page,
                                               "links": sum(1 for x in lines if x.token)})
    return Sheet(village, quarter, page, pages, lines)


def open_link(session: Session, token: str) -> EvaluationLink | None:
    """The live link of `token`, or None (unknown, replaced, expired, household moved)."""
    if not token or len(token) > 64:
        return None
    link = session.scalars(select(EvaluationLink).where(
        EvaluationLink.token_hash == token_hash(token))).first()
    if link is None or link.expires_at <= clock.now() \
            or not rules.quarter_running(link.quarter, clock.today()):
        return None
    newest = session.scalar(select(func.max(EvaluationLink.id)).where(
        EvaluationLink.household_id == link.household_id,
        EvaluationLink.quarter == link.quarter))
    if newest != link.id or link.household.village_id != link.village_id:
        return None
    return link


def _bad_key(network: str) -> str:
    return f"evaluation:bad:{network}"


def too_many_bad_links(network: str, limit: int) -> bool:
    """Whether `network` (a keyed hash of the /24) has tried `limit` links that led nowhere
    this hour: then no link is looked up for it (429), found or not."""
    now_s = int(wall.time())
    try:
        return counters.shared().read([_bad_key(network)], now_s).get(
            _bad_key(network), 0) >= limit
    except redis.RedisError as error:
        return counters.redis_failed(error).read([_bad_key(network)], now_s).get(
            _bad_key(network), 0) >= limit


def count_bad_link(network: str) -> None:
    """Count a link that led nowhere (the caller keeps the write though it answers 404)."""
    now_s = int(wall.time())
    until = now_s - now_s % 3600 + 3600
    store = counters.shared()
    try:
        store.begin()
        store.add(_bad_key(network), 1, until, now_s)
    except redis.RedisError as error:
        store = counters.redis_failed(error)
        store.begin()
        store.add(_bad_key(network), 1, until, now_s)
