"""What an admin changes by hand after the roster import: a person (name, phone, e-mail,
team leader, village and team), a password reset, disabling and enabling an account, a
village's fence and a household's helper. Each change is checked the way the roster import
checks the same value, and written to the audit log with digests before and after; nothing
is changed when any value is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import boundary, coordinates, helpers
from checkin.domain.passwords import new_password
from checkin.domain.refusal import Refusal
from checkin.models import TEAM_ROLES, HelperChange, Household, OutsideHelper, Team, User, Village
from checkin.platform import audit, clock, field_crypto
from checkin.platform.among import among
from checkin.roster.convert import CellError, fold, phone
from checkin.services.people.accounts import set_active, set_password
from checkin.settings import policy

PAGE_SIZE = 100
RADIUS_RANGE_M = (50.0, 20000.0)  # the roster import's range for a fence


@dataclass(frozen=True)
class Page:
    """One page of a list, keyset-paged: the rows, how many match, where the next begins."""

    rows: list[Any]
    total: int
    next_after: str | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def people(session: Session, *, query: str = "", role: str = "", after: str = "") -> Page:
    """Accounts by username, `PAGE_SIZE` at a time, matching `query` in username, name or
    phone (with phones encrypted, the whole number, by its blind index)."""
    where = []
    if query:
        pattern = _like(fold(query.strip()))
        cipher = field_crypto.current()
        by_phone = (User.phone.ilike(pattern, escape="\\") if cipher is None
                    else User.phone_index == cipher.blind_index(fold(query.strip())))
        where.append(or_(User.username.ilike(pattern, escape="\\"),
                         User.name.ilike(pattern, escape="\\"), by_phone))
    if role:
        where.append(User.role == role)
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    chosen = select(User).where(*where).order_by(User.username).limit(PAGE_SIZE + 1)
    if after:
        chosen = chosen.where(User.username > after)
    rows = list(session.scalars(chosen))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, total, rows[-1].username if more else None)


def villages(session: Session, *, query: str = "", after: str = "") -> Page:
    """Villages by code, `PAGE_SIZE` at a time, matching `query` in code or name."""
    where = []
    if query:
        pattern = _like(fold(query.strip()))
        where.append(or_(Village.code.ilike(pattern, escape="\\"),
                         Village.name.ilike(pattern, escape="\\")))
    total = session.scalar(select(func.count()).select_from(Village).where(*where)) or 0
    chosen = select(Village).where(*where).order_by(Village.code).limit(PAGE_SIZE + 1)
    if after:
        chosen = chosen.where(Village.code > after)
    rows = list(session.scalars(chosen))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, total, rows[-1].code if more else None)


@dataclass(frozen=True)
class PersonChanges:
    """The values of the edit form, as typed."""

    name: str
    phone: str
    email: str
    is_leader: bool
    village_code: str
    team_code: str
    team_role: str | None = None  # "" or None: not recorded


_PERSON_FIELDS = ("name", "phone", "email", "is_leader", "team_role", "village_id", "team_id")


def _person(user: User) -> dict[str, Any]:
    return {key: getattr(user, key) for key in _PERSON_FIELDS}


def _checked_phone(text: str) -> str | None:
    try:
        return phone(text)
    except CellError as exc:
        raise Refusal("invalid_phone", field="phone", value=text[:40]) from exc


def _checked_email(text: str) -> str | None:
    text = fold(text).strip()
    if not text:
        return None
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or len(text) > 254 or " " in text:
        raise Refusal("invalid_email", field="email", value=text[:60])
    return text


def edit_person(session: Session, user: User, changes: PersonChanges, *,
                actor_id: int) -> bool:
    """Apply the edit form; True if anything changed. A cadre's village and team must
    match (a team works in one village); supervisors and admins have neither."""
    name = fold(changes.name).strip()
    if not name or len(name) > 100:
        raise Refusal("invalid_text", field="name", name="name", limit=100)
    values: dict[str, Any] = {"name": name, "phone": _checked_phone(changes.phone),
                              "email": _checked_email(changes.email),
                              "is_leader": changes.is_leader and user.role == "cadre"}
    if user.role == "cadre":
        village_code, team_code = fold(changes.village_code).strip(), \
            fold(changes.team_code).strip()
        village = session.scalars(select(Village).where(Village.code == village_code)).first()
        if village is None:
            raise Refusal("unknown_village", field="village_code")
        team = session.scalars(select(Team).where(Team.code == team_code)).first() \
            if team_code else None
        if team_code and (team is None or team.village_id != village.id):
            raise Refusal("team_not_in_village", field="team_code", team=team_code,
                          village=village.name)
        if village.id != user.village_id:
            _may_leave_village(session, user)
        values["village_id"] = village.id
        values["team_id"] = team.id if team else None
        role = changes.team_role or None
        if role is not None and role not in TEAM_ROLES:
            raise Refusal("unknown_team_role", field="team_role")
        values["team_role"] = role
    before = _person(user)
    if all(before.get(key) == value for key, value in values.items()):
        return False
    for key, value in values.items():
        setattr(user, key, value)
    after = _person(user)
    audit.record(session, actor_id=actor_id, action="user.edit", entity="user",
                 entity_id=user.id, before=before, after=after,
                 detail={"changed": sorted(k for k in values if before.get(k) != after[k])})
    return True


def _may_leave_village(session: Session, user: User) -> None:
    """A cadre moves to another village only once their households have other helpers and
    their team another leader: otherwise households would be helped from afar."""
    helped = session.scalar(select(func.count()).select_from(Household).where(
        Household.helper_id == user.id)) or 0
    if helped:
        raise Refusal("still_helps_households", field="village_code", count=helped)
    if session.scalar(select(Team.id).where(Team.leader_id == user.id)) is not None:
        raise Refusal("still_leads_team", field="village_code")


def reset_password(session: Session, user: User, *, actor_id: int) -> str:
    """A new random password that the person must change at the next sign-in; every session
    and token of theirs ends. Returned once, to be shown once, never stored in clear."""
    password = new_password()
    set_password(session, user, password, actor_id=actor_id, must_change=True)
    return password


def change_active(session: Session, user: User, active: bool, *, actor_id: int) -> None:
    """Disable or enable an account; an admin cannot lock themselves out."""
    if user.id == actor_id and not active:
        raise Refusal("cannot_disable_self")
    if user.active != active:
        set_active(session, user, active, actor_id=actor_id)


def _fence(village: Village) -> dict[str, Any]:
    return {"lat": village.lat, "lon": village.lon, "radius_m": village.radius_m,
            "coord_source": village.coord_source}


def _number(text: str, field: str) -> float:
    try:
        value = float(fold(text).strip())
    except ValueError as exc:
        raise Refusal("invalid_number", field=field, value=text[:40]) from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise Refusal("invalid_number", field=field, value=text[:40])
    return value


def set_fence(session: Session, village: Village, *, lat: str, lon: str, radius_m: str,
              system: str, actor_id: int) -> bool:
    """A village's fence from the form: the centre as read off a map in `system` (stored in
    WGS-84, with the system it came from), the radius in the roster's range."""
    if system not in coordinates.SYSTEMS:
        raise Refusal("invalid_coordinate_system", field="system")
    lat_value, lon_value = _number(lat, "lat"), _number(lon, "lon")
    radius = _number(radius_m, "radius_m")
    if coordinates.out_of_china(lat_value, lon_value) \
            and not coordinates.out_of_china(lon_value, lat_value):
        raise Refusal("outside_china", field="lat", lat=lat_value, lon=lon_value)
    if not -90 <= lat_value <= 90:
        raise Refusal("invalid_latitude", field="lat", lat=lat_value)
    if not -180 <= lon_value <= 180:
        raise Refusal("invalid_longitude", field="lon", lon=lon_value)
    if not RADIUS_RANGE_M[0] <= radius <= RADIUS_RANGE_M[1]:
        raise Refusal("invalid_radius", field="radius_m", value=radius,
                      low=int(RADIUS_RANGE_M[0]), high=int(RADIUS_RANGE_M[1]))
    if coordinates.out_of_china(lat_value, lon_value):
        raise Refusal("outside_china", field="lat", lat=lat_value, lon=lon_value)
    wgs_lat, wgs_lon = coordinates.to_wgs84(lat_value, lon_value, system)
    before = _fence(village)
    village.lat, village.lon = round(wgs_lat, 7), round(wgs_lon, 7)
    village.radius_m, village.coord_source = radius, system
    after = _fence(village)
    if before == after:
        return False
    audit.record(session, actor_id=actor_id, action="village.fence", entity="village",
                 entity_id=village.id, before=before, after=after,
                 detail={"before": before, "after": after})
    return True


def fence_state(village: Village) -> tuple[boundary.Boundary, dict[str, Any]]:
    """The shape a village's fence has now (its boundary, or its circle as a polygon) and
    what the audit log keeps of it."""
    shape = boundary.load(village.boundary) if village.boundary is not None \
        else boundary.circle(village.lat, village.lon, village.radius_m)
    return shape, {"boundary": village.boundary, "boundary_source": village.boundary_source,
                   "area_km2": round(boundary.area_m2(shape) / 1e6, 4)}


def audit_boundary(session: Session, village: Village,
                   before: tuple[boundary.Boundary, dict[str, Any]], *,
                   actor_id: int | None) -> None:
    """`village.boundary` with the old and new shape, their areas and whether the fence now
    takes in ground it did not (`widened`): a fence is never widened silently."""
    old_shape, old = before
    new_shape, new = fence_state(village)
    audit.record(session, actor_id=actor_id, action="village.boundary", entity="village",
                 entity_id=village.id, before=old, after=new,
                 detail={"before": old, "after": new,
                         "widened": boundary.widens(old_shape, new_shape)})


def set_boundary(session: Session, village: Village, *, text: str, system: str,
                 actor_id: int | None) -> bool:
    """A village's boundary from the form (WKT or GeoJSON as read off a map in `system`;
    stored in WGS-84 with the system it came from); empty text goes back to the circle.
    Audited with both shapes, their areas and whether the fence now takes in ground it did
    not: a fence is never widened silently."""
    if system not in coordinates.SYSTEMS:
        raise Refusal("invalid_coordinate_system", field="boundary_system")
    text = text.strip()
    new_shape = boundary.parse(text, system) if text else None
    wkt = None if new_shape is None else boundary.to_wkt(new_shape)
    source = None if new_shape is None else system
    if (village.boundary, village.boundary_source) == (wkt, source):
        return False
    before = fence_state(village)
    village.boundary, village.boundary_source = wkt, source
    audit_boundary(session, village, before, actor_id=actor_id)
    return True


def helpers_of(session: Session, village_id: int) -> list[User]:
    """The active cadres of a village: who may be a household's helper."""
    return list(session.scalars(select(User).where(
        User.village_id == village_id, User.role == "cadre", User.active.is_(True)
    ).order_by(User.name)))


def households_of(session: Session, village_id: int) -> list[Household]:
    return list(session.scalars(select(Household).where(
        Household.village_id == village_id).order_by(Household.code)))


KEEP = -1  # set_helper's outside_id: keep the household's outside helper as it is


def set_helper(session: Session, household: Household, helper_id: int, *,
               actor_id: int, day: date | None = None, outside_id: int | None = KEEP) -> bool:
    """A household's resident cadre: an active cadre of the household's village. The change
    is recorded in its history, and the new helper's grace runs from `day` (today unless
    given). A move to another village (services/people/moves.py) gives its own day and
    changes the outside helper in the same record (`outside_id`: one of the village's, or
    None for none)."""
    helper = session.get(User, helper_id)
    if helper is None or helper.role != "cadre" or not helper.active \
            or helper.village_id != household.village_id:
        raise Refusal("helper_not_in_village", field="helper_id")
    if outside_id == KEEP:
        outside_id = household.outside_helper_id
    elif outside_id is not None:
        found = session.get(OutsideHelper, outside_id)
        if found is None or found.village_id != household.village_id:
            raise Refusal("outside_helper_not_in_village", field="outside_helper_id")
    if (household.helper_id, household.outside_helper_id) == (helper.id, outside_id):
        return False
    before = _helpers(household)
    change = _record_change(session, household, actor_id, to_helper_id=helper.id,
                            to_outside_id=outside_id, day=day)
    household.helper_id = helper.id
    household.outside_helper_id = outside_id
    household.helper_grace_from = change.grace_from
    detail: dict[str, Any] = {"before": before["helper_id"], "after": helper.id}
    if outside_id != before["outside_helper_id"]:
        detail |= {"outside_before": before["outside_helper_id"], "outside_after": outside_id}
    audit.record(session, actor_id=actor_id, action="household.helper", entity="household",
                 entity_id=household.id, before=before, after=_helpers(household),
                 detail=detail)
    return True


def _helpers(household: Household) -> dict[str, Any]:
    grace = household.helper_grace_from
    return {"helper_id": household.helper_id, "outside_helper_id": household.outside_helper_id,
            "helper_grace_from": None if grace is None else grace.isoformat()}


def _record_change(session: Session, household: Household, actor_id: int, *,
                   to_helper_id: int, to_outside_id: int | None,
                   day: date | None = None) -> HelperChange:
    change = HelperChange(
        household_id=household.id, village_id=household.village_id,
        from_helper_id=household.helper_id, to_helper_id=to_helper_id,
        from_outside_id=household.outside_helper_id, to_outside_id=to_outside_id,
        grace_from=helpers.grace_from(household.helper_grace_from, day or clock.today(),
                                      policy()),
        changed_by_id=actor_id)
    session.add(change)
    session.flush()
    return change


def outside_helpers_of(session: Session, village_id: int) -> list[OutsideHelper]:
    """The helpers registered for a village who do not live there (at most a few hundred)."""
    return list(session.scalars(select(OutsideHelper).where(
        OutsideHelper.village_id == village_id).order_by(OutsideHelper.name).limit(500)))


def add_outside_helper(session: Session, village: Village, *, name: str, phone_text: str,
                       unit_name: str, actor_id: int) -> OutsideHelper:
    """Register a responsible helper who does not live in the village: no account, never
    in a ledger."""
    name, unit_name = name.strip(), unit_name.strip()
    for field, value, limit in (("name", name, 100), ("unit_name", unit_name, 200)):
        if not value:
            raise Refusal("field_required", field=field, name=field)
        if len(value) > limit:
            raise Refusal("invalid_text", field=field, name=field, limit=limit)
    number = ""
    if phone_text.strip():
        try:
            number = phone(phone_text) or ""
        except CellError as exc:
            raise Refusal("invalid_phone", field="phone", value=phone_text) from exc
    made = OutsideHelper(village_id=village.id, name=name, phone=number, unit_name=unit_name,
                         created_by_id=actor_id)
    session.add(made)
    session.flush()
    audit.record(session, actor_id=actor_id, action="outside_helper.add",
                 entity="outside_helper", entity_id=made.id, after=audit.snapshot(made))
    return made


def set_outside_helper(session: Session, household: Household, outside_id: int | None, *,
                       actor_id: int, day: date | None = None) -> bool:
    """A household's responsible helper who does not live in the village (None: its
    resident cadre again). Recorded in its history; the grace runs from `day` (today
    unless given, as set_helper)."""
    if outside_id is not None:
        found = session.get(OutsideHelper, outside_id)
        if found is None or found.village_id != household.village_id:
            raise Refusal("outside_helper_not_in_village", field="outside_helper_id")
    if household.outside_helper_id == outside_id:
        return False
    before = _helpers(household)
    change = _record_change(session, household, actor_id, to_helper_id=household.helper_id,
                            to_outside_id=outside_id, day=day)
    household.outside_helper_id = outside_id
    household.helper_grace_from = change.grace_from
    audit.record(session, actor_id=actor_id, action="household.outside_helper",
                 entity="household", entity_id=household.id, before=before,
                 after=_helpers(household),
                 detail={"before": before["outside_helper_id"], "after": outside_id,
                         "grace_from": change.grace_from.isoformat()})
    return True


def helper_history(session: Session, household_ids: list[int]
                   ) -> dict[int, list[HelperChange]]:
    """The helper changes of these households (one query), oldest first."""
    found: dict[int, list[HelperChange]] = {}
    rows = session.scalars(select(HelperChange).where(
        among(session, HelperChange.household_id, household_ids))
        .options(selectinload(HelperChange.to_helper), selectinload(HelperChange.to_outside),
                 selectinload(HelperChange.changed_by))
        .order_by(HelperChange.created_at, HelperChange.id))
    for row in rows:
        found.setdefault(row.household_id, []).append(row)
    return found
