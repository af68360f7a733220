"""Recording a check-in: validate, judge it against the fence, store it and its day.

This is the service's hottest write path. Its statements are SQLAlchemy Core, built once
at import and run as `Prepared` statements (no ORM object, no per-execution compile):
- one SELECT brings who is asking (for a Bearer token, `token_context`), a record stored
  under the same id (for replays), the village's fence and the cadre's previous fix;
- then the check-in, its attendance day if it counts (migration 0004's triggers fold the
  day into attendance_years) and its audit entry are written: three INSERTs in the
  caller's transaction on SQLite, one statement (writable CTEs) on PostgreSQL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sqlalchemy import Boolean, Date, Integer, String, bindparam, exc, insert, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect, Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from checkin.domain import geofence
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import AttendanceDay, AuditEntry, Checkin, Village
from checkin.models.types import utcnow
from checkin.platform import audit, clock
from checkin.platform.exactly_once import replay_or_conflict

if TYPE_CHECKING:
    from checkin.services.people.accounts import Principal

MAX_NOTE = 2000


class Prepared:
    """A Core statement compiled once per dialect and run on the DBAPI cursor.

    The SQL and the type conversions are SQLAlchemy's own (its compiler, its bind and
    result processors); what is skipped is its per-execution machinery (cache key,
    execution context, result object), which costs more than SQLite itself: about 25 us
    a statement on SQLite and 75 us on PostgreSQL on the benchmark machine. DBAPI errors
    come out as SQLAlchemy's exceptions, as from Connection.execute. Runs in the
    connection's transaction; the caller commits.
    """

    def __init__(self, statement: Executable, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self.returns_rows = bool(getattr(statement, "is_select", False))
        self._plans: dict[str, tuple[str, list[str] | None, dict[str, Any],
                                     dict[str, Any]]] = {}
        self._results: dict[str, list[Any]] = {}

    def _plan(self, dialect: Dialect) -> tuple[str, list[str] | None, dict[str, Any],
                                               dict[str, Any]]:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            fixed = {name: bind.value for name, bind in compiled.binds.items()
                     if not bind.required and bind.callable is None}
            order = list(compiled.positiontup or ()) if dialect.positional else None
            plan = (compiled.string, order, fixed, dict(compiled._bind_processors))
            self._plans[dialect.name] = plan
        return plan

    def _converters(self, dialect: Dialect, description: Any) -> list[Any]:
        """The result processors of the columns, as SQLAlchemy picks them (first run)."""
        converters = self._results.get(dialect.name)
        if converters is None:
            columns = self.statement.selected_columns  # type: ignore[attr-defined]
            converters = [column.type._cached_result_processor(dialect, described[1])
                          for column, described in zip(columns, description, strict=True)]
            self._results[dialect.name] = converters
        return converters

    def execute(self, connection: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run with `params`; the rows of a SELECT (converted), else an empty list."""
        dialect = connection.dialect
        sql, order, fixed, processors = self._plan(dialect)
        values = {**fixed, **params}
        for name, process in processors.items():
            if name in values:
                values[name] = process(values[name])
        arguments: Any = values if order is None else tuple(values[name] for name in order)
        if not connection.in_transaction():
            connection.begin()  # autobegin, as Connection.execute does: commit() then commits
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, arguments)
            if not self.returns_rows:
                return []
            rows = cursor.fetchall()
            # Reading cursor.description costs (psycopg builds it): only on the first run.
            converters = self._results.get(dialect.name) or self._converters(
                dialect, cursor.description)
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
            failure = exc.DBAPIError.instance(sql, arguments, error, dialect.loaded_dbapi.Error,
                                              connection_invalidated=lost, dialect=dialect)
            if lost:  # as Connection.execute does: the pool replaces the dead connection
                cursor = None
                connection.invalidate(failure)
            raise failure from error
        finally:
            if cursor is not None:
                cursor.close()
        if not any(converters):
            return rows
        return [tuple(value if convert is None else convert(value)
                      for value, convert in zip(row, converters, strict=True)) for row in rows]


class Person(Protocol):
    """Whoever checks in: an ORM User or an auth Principal will do."""

    @property
    def id(self) -> int: ...

    @property
    def village_id(self) -> int | None: ...


@dataclass(frozen=True)
class CheckinInput:
    id: str
    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    note: str | None
    queued: bool
    digest: str


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    """A check-in as stored (the columns of `checkins`), without an ORM object."""

    id: str
    user_id: int
    village_id: int
    recorded_at: datetime
    received_at: datetime
    local_day: date
    lat: float
    lon: float
    accuracy_m: float
    distance_m: float
    in_fence: bool
    counts_for_day: bool
    flags: str
    reasons: list[dict[str, Any]]
    note: str | None
    queued: bool
    digest: str


class _Context(NamedTuple):
    stored_digest: str | None
    lat: float
    lon: float
    radius_m: float
    previous_lat: float | None
    previous_lon: float | None
    previous_at: datetime | None
    previous_accuracy_m: float | None


_CHECKINS = Checkin.__table__
_VILLAGES = Village.__table__
_DAYS = AttendanceDay.__table__

_STORED = select(_CHECKINS).where(_CHECKINS.c.id == bindparam("id"))
_PREVIOUS = (
    select(_CHECKINS.c.lat, _CHECKINS.c.lon, _CHECKINS.c.recorded_at, _CHECKINS.c.accuracy_m)
    .where(_CHECKINS.c.user_id == bindparam("user_id"),
           _CHECKINS.c.recorded_at <= bindparam("before"))
    .order_by(_CHECKINS.c.recorded_at.desc()).limit(1).subquery("previous")
)
# Everything the check-in needs to know, in one round trip.
_CONTEXT = Prepared(
    select(
        select(_CHECKINS.c.digest).where(_CHECKINS.c.id == bindparam("id"))
        .scalar_subquery().label("stored_digest"),
        _VILLAGES.c.lat, _VILLAGES.c.lon, _VILLAGES.c.radius_m,
        _PREVIOUS.c.lat.label("previous_lat"), _PREVIOUS.c.lon.label("previous_lon"),
        _PREVIOUS.c.recorded_at.label("previous_at"),
        _PREVIOUS.c.accuracy_m.label("previous_accuracy_m"),
    )
    .select_from(_VILLAGES.outerjoin(_PREVIOUS, true()))
    .where(_VILLAGES.c.id == bindparam("village_id"))
)
_FIELDS = [field.name for field in fields(CheckinRecord)]
# inline(): no RETURNING of generated keys (PostgreSQL would add one for audit_log.id).
_INSERT_CHECKIN = Prepared(insert(_CHECKINS).inline(), _FIELDS)
_AUDIT_FIELDS = ["at", "actor_id", "action", "entity", "entity_id", "before_digest",
                 "after_digest", "detail", "address"]
_INSERT_AUDIT = Prepared(insert(AuditEntry.__table__).inline(), _AUDIT_FIELDS)
# The first counting check-in of a day makes the day; later ones change nothing.
_MARK_DAY = {
    name: Prepared(dialect_insert(_DAYS).inline().on_conflict_do_nothing(
        index_elements=["user_id", "day"]), ["user_id", "day", "village_id", "first_checkin_id"])
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}

# PostgreSQL: the check-in, its day (if it counts) and the audit entry in one statement.
# The foreign key of the day to the check-in is checked at the end of the statement.
_NEW_CHECKIN = insert(_CHECKINS).values(
    {name: bindparam(name, type_=_CHECKINS.c[name].type) for name in _FIELDS}
).cte("new_checkin")
_NEW_DAY = pg_insert(_DAYS).from_select(
    ["user_id", "day", "village_id", "first_checkin_id"],
    select(bindparam("user_id", type_=Integer), bindparam("local_day", type_=Date),
           bindparam("village_id", type_=Integer), bindparam("id", type_=String))
    .where(bindparam("counts_for_day", type_=Boolean)),
).on_conflict_do_nothing(index_elements=["user_id", "day"]).cte("new_day")
_WRITE_ALL_POSTGRESQL = Prepared(
    insert(AuditEntry.__table__).values(
        {name: bindparam(f"audit_{name}", type_=AuditEntry.__table__.c[name].type)
         for name in _AUDIT_FIELDS}
    ).add_cte(_NEW_CHECKIN, _NEW_DAY).inline()
)


class _Unknown:
    """The context has not been read yet (see `submit`)."""


UNKNOWN = _Unknown()


@functools.cache
def _token_context() -> Prepared:
    """Who is asking by Bearer token and what their check-in needs, in one statement.

    The token conditions are those of accounts.principal_for_token; built on first use
    because accounts imports this module.
    """
    from checkin.services.people.accounts import LIVE_TOKEN, TOKEN_USER, USERS

    previous = _CHECKINS.alias("previous")
    latest = (select(_CHECKINS.c.id)
              .where(_CHECKINS.c.user_id == USERS.c.id,
                     _CHECKINS.c.recorded_at <= bindparam("before"))
              .order_by(_CHECKINS.c.recorded_at.desc()).limit(1)
              .correlate(USERS).scalar_subquery())
    return Prepared(
        select(USERS.c.id, USERS.c.role, USERS.c.village_id,
               select(_CHECKINS.c.digest).where(_CHECKINS.c.id == bindparam("id"))
               .scalar_subquery(),
               _VILLAGES.c.lat, _VILLAGES.c.lon, _VILLAGES.c.radius_m, previous.c.lat,
               previous.c.lon, previous.c.recorded_at, previous.c.accuracy_m)
        .select_from(TOKEN_USER.outerjoin(_VILLAGES, _VILLAGES.c.id == USERS.c.village_id)
                     .outerjoin(previous, previous.c.id == latest))
        .where(*LIVE_TOKEN))


def token_context(connection: Connection, raw_token: str, data: CheckinInput
                  ) -> tuple[Principal, _Context | None] | None:
    """The owner of a live token and the context of their check-in (None: no village);
    None for a dead token. Saves the round trip of a separate sign-in query."""
    from checkin.services.people.accounts import Principal, token_digest

    rows = _token_context().execute(connection, {
        "token_hash": token_digest(raw_token), "now": utcnow(), "id": data.id,
        "before": data.recorded_at})
    if not rows:
        return None
    row = rows[0]
    return Principal(*row[:3]), (_Context(*row[3:]) if row[4] is not None else None)


def stored(connection: Connection, checkin_id: str) -> Row[Any] | None:
    return connection.execute(_STORED, {"id": checkin_id}).first()


def existing(connection: Connection, data: CheckinInput) -> Row[Any] | None:
    """The stored record for a replay (same payload), or 409 for a reused id."""
    row = stored(connection, data.id)
    if row is not None:
        replay_or_conflict(row.digest, data.digest)
    return row


def previous_fix(session: Session, user_id: int, before: datetime
                 ) -> geofence.PreviousFix | None:
    """The cadre's latest check-in at or before `before` (visits use it too)."""
    row = session.execute(select(_PREVIOUS), {"user_id": user_id, "before": before}).first()
    if row is None:
        return None
    return geofence.PreviousFix(lat=row.lat, lon=row.lon, recorded_at=row.recorded_at,
                                accuracy_m=row.accuracy_m)


def submit(connection: Connection, user: Person, data: CheckinInput, policy: Policy,
           context: _Context | _Unknown | None = UNKNOWN
           ) -> tuple[CheckinRecord | Row[Any], bool]:
    """Store the check-in and return it with True; a replay returns the stored one, False.

    A reused id with another payload is 409, as in `existing`. `context` is read here
    unless the caller has it (`token_context`). The caller commits (and, should a
    concurrent request with the same id win the race, answers as a replay).
    """
    if isinstance(context, _Unknown):
        context = None
        if user.village_id is not None:
            found = _CONTEXT.execute(connection, {
                "id": data.id, "village_id": user.village_id, "user_id": user.id,
                "before": data.recorded_at})
            context = _Context(*found[0]) if found else None
    if context is not None:
        digest = context.stored_digest
    else:
        earlier = stored(connection, data.id)
        digest = None if earlier is None else earlier.digest
    if digest is not None:
        replay_or_conflict(digest, data.digest)
        row = stored(connection, data.id)
        assert row is not None
        return row, False
    return record(connection, user, data, context, policy), True


def record(connection: Connection, user: Person, data: CheckinInput, context: _Context | None,
           policy: Policy) -> CheckinRecord:
    received = clock.now()
    geofence.validate_position(data.lat, data.lon, data.accuracy_m)
    geofence.validate_recorded_at(data.recorded_at, received)
    if user.village_id is None or context is None:
        raise Refusal("no_village")
    previous = None
    if context.previous_at is not None:
        previous = geofence.PreviousFix(
            lat=context.previous_lat, lon=context.previous_lon,
            recorded_at=context.previous_at, accuracy_m=context.previous_accuracy_m)
    facts = geofence.CheckinFacts(lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                                  recorded_at=data.recorded_at, received_at=received,
                                  live=not data.queued)
    verdict = geofence.evaluate_checkin(
        facts, geofence.Fence(context.lat, context.lon, context.radius_m), previous, policy)
    row = CheckinRecord(
        id=data.id, user_id=user.id, village_id=user.village_id,
        recorded_at=data.recorded_at, received_at=received,
        local_day=clock.local_day(data.recorded_at), lat=data.lat, lon=data.lon,
        accuracy_m=data.accuracy_m, distance_m=round(verdict.distance_m, 1),
        in_fence=verdict.in_fence, counts_for_day=verdict.counts_for_day,
        flags=",".join(verdict.flags), note=data.note,
        reasons=[{"code": r.code, "params": dict(r.params)} for r in verdict.reasons],
        queued=data.queued, digest=data.digest)
    store(connection, row)
    return row


def store(connection: Connection, row: CheckinRecord) -> None:
    """Write a judged check-in, its attendance day if it counts, and its audit entry (made
    by its cadre, as audit.record would write it), in the caller's transaction."""
    values = {name: getattr(row, name) for name in _FIELDS}
    entry = {"at": utcnow(), "actor_id": row.user_id, "action": "checkin.create",
             "entity": "checkin", "entity_id": row.id, "before_digest": None,
             "after_digest": audit.digest({"digest": row.digest}), "detail": {},
             "address": None}
    if connection.dialect.name == "postgresql":  # one round trip for the three rows
        _WRITE_ALL_POSTGRESQL.execute(connection, {
            **values, **{f"audit_{name}": value for name, value in entry.items()}})
        return
    _INSERT_CHECKIN.execute(connection, values)
    if row.counts_for_day:
        _MARK_DAY[connection.dialect.name].execute(connection, {
            "user_id": row.user_id, "day": row.local_day, "village_id": row.village_id,
            "first_checkin_id": row.id})
    _INSERT_AUDIT.execute(connection, entry)
