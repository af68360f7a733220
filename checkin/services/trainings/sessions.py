"""Making a training or meeting, resolving who must attend, and finding the sessions a
person may see or run. Visible: a supervisor sees the sessions organised in its area or
below and those of the areas above it (a township sees the county's); only the
organising area and above run one (its QR code, marking present). A cadre sees the
sessions it was asked to. The API lists them newest first a page at a time with a keyset
cursor (first day, id)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from checkin.domain import coordinates, geofence, trainings
from checkin.domain.refusal import Refusal
from checkin.models import Area, Training, TrainingInvitee, User, Village
from checkin.platform import audit, keyset
from checkin.platform.among import among
from checkin.scope import Scope, subtree_range


@dataclass(frozen=True)
class SessionInput:
    kind: str
    title: str
    first_day: date
    last_day: date
    starts_at: time
    ends_at: time
    place: str
    lat: float
    lon: float
    coord_system: coordinates.System
    radius_m: float
    audience: str
    chosen: Sequence[int] = ()  # user ids, for audience "list"


def token_key(config: Mapping[str, Any]) -> bytes:
    """The key of the sign-in tokens, derived from SECRET_KEY (never SECRET_KEY itself)."""
    key = config.get("SECRET_KEY")
    if not key:
        raise RuntimeError("SECRET_KEY must be set to sign in to trainings")
    return hmac.new(str(key).encode(), b"checkin.training.token.v1", hashlib.sha256).digest()


def _cadres_under(area: Area) -> Select[int, bool]:
    low, high = subtree_range(area.path)
    return (select(User.id, User.is_leader)
            .join(Village, Village.id == User.village_id)
            .where(User.role == "cadre", User.active.is_(True),
                   Village.area_path >= low, Village.area_path < high))


def resolve_invitees(session: Session, area: Area, audience: str, chosen: Sequence[int]
                     ) -> list[tuple[int, bool]]:
    """(user id, first secretary) of who must attend, now: every active cadre of the
    area, its first secretaries, or the chosen ones among them (others are ignored)."""
    stmt = _cadres_under(area)
    if audience == "first_secretaries":
        stmt = stmt.where(User.is_leader.is_(True))
    elif audience == "list":
        stmt = stmt.where(among(session, User.id, chosen)) if chosen else stmt.where(false())
    return [(user_id, bool(leader)) for user_id, leader in session.execute(
        stmt.order_by(User.id))]


def create(session: Session, organiser: User, data: SessionInput) -> Training:
    """A new session organised by `organiser`'s area, its invitation list resolved now."""
    if organiser.role != "supervisor" or organiser.area is None:
        raise Refusal("forbidden")
    area = organiser.area
    geofence.validate_position(data.lat, data.lon, 0.0)
    lat, lon = coordinates.to_wgs84(data.lat, data.lon, data.coord_system)
    if not data.place.strip() or len(data.place) > trainings.MAX_TITLE:
        raise Refusal("invalid_text", field="place", name="place", limit=trainings.MAX_TITLE)
    invitees = resolve_invitees(session, area, data.audience, data.chosen) \
        if data.audience in trainings.AUDIENCES else []
    trainings.validate_session(data.kind, data.title, data.first_day, data.last_day,
                               data.starts_at, data.ends_at, data.radius_m, data.audience,
                               len(invitees))
    row = Training(kind=data.kind, title=data.title.strip(), area_id=area.id,
                   area_path=area.path, organiser_id=organiser.id, first_day=data.first_day,
                   last_day=data.last_day, starts_at=data.starts_at, ends_at=data.ends_at,
                   place=data.place.strip(), lat=lat, lon=lon, coord_source=data.coord_system,
                   radius_m=data.radius_m, audience=data.audience)
    session.add(row)
    session.flush()
    session.add_all(TrainingInvitee(training_id=row.id, user_id=user_id, is_leader=leader)
                    for user_id, leader in invitees)
    audit.record(session, actor_id=organiser.id, action="training.create", entity="training",
                 entity_id=row.id, after=audit.snapshot(row),
                 detail={"invitees": len(invitees), "audience": data.audience})
    session.flush()
    return row


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    prefix = "/" if path.startswith("/") else ""
    found = []
    for i in range(1, len(parts) + 1):
        found.append(prefix + "/".join(parts[:i]) + ("/" if path.endswith("/") else ""))
    return found


def visible(scope: Scope) -> Select[Training]:
    """The sessions `scope` may see."""
    if scope.role == "admin":
        return select(Training)
    if scope.role == "cadre":
        return select(Training).where(Training.id.in_(
            select(TrainingInvitee.training_id).where(TrainingInvitee.user_id == scope.user_id)))
    if scope.role == "supervisor" and scope.area_path:
        return select(Training).where(
            scope.area_path_clause(Training.area_path)
            | Training.area_path.in_(_ancestor_paths(scope.area_path)))
    return select(Training).where(false())


# The cursor of the list: (first day as YYYY-MM-DD, id).
PAGE_KEY = (str, int)


def _page_key(values: list[Any]) -> list[Any] | None:
    try:
        return [date.fromisoformat(values[0]), values[1]]
    except ValueError:
        return None


def page_of(session: Session, scope: Scope, cursor: str, size: int, *,
            year: int | None = None, kind: str | None = None) -> keyset.Page[Training]:
    """The sessions `scope` may see (of those beginning in `year`, of `kind`), newest
    first, `size` after the one `cursor` names; a cursor that is not of this list is
    refused (invalid_cursor)."""
    keyset.check(cursor, PAGE_KEY, _page_key)
    stmt = visible(scope)
    if year is not None:
        stmt = stmt.where(Training.first_day.between(date(year, 1, 1), date(year, 12, 31)))
    if kind is not None:
        stmt = stmt.where(Training.kind == kind)
    return keyset.page(session, stmt, (Training.first_day, Training.id),
                       lambda t: (t.first_day.isoformat(), t.id), cursor, PAGE_KEY, size,
                       descending=True, parse=_page_key)


def runs(scope: Scope, training: Training) -> bool:
    """Whether `scope` runs the session: the organising area or above (or an admin)."""
    if scope.role == "admin":
        return True
    if scope.role != "supervisor" or not scope.area_path:
        return False
    low, high = subtree_range(scope.area_path)
    return low <= training.area_path < high


def get(session: Session, scope: Scope, training_id: int) -> Training:
    row = session.scalars(visible(scope).where(Training.id == training_id)).first()
    if row is None:
        raise Refusal("not_found")
    return row


def is_invited(session: Session, training_id: int, user_id: int) -> bool:
    return session.scalar(select(func.count()).select_from(TrainingInvitee).where(
        TrainingInvitee.training_id == training_id, TrainingInvitee.user_id == user_id)) == 1


def fence(training: Training) -> geofence.Fence:
    return geofence.Fence(training.lat, training.lon, training.radius_m)


def as_session(training: Training) -> trainings.Session:
    return trainings.Session(training.id, training.first_day, training.last_day,
                             training.starts_at, training.ends_at, fence(training))
