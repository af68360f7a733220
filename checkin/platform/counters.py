"""Counters every worker process shares: Redis, or the database's signin_counters table.

`RATELIMIT_STORAGE_URI` chooses: `redis://...` for Redis, anything else (the default,
`database`) for the table. Redis is asked with a short socket timeout; when it fails (down,
frozen, refusing) the process uses the database for `REDIS_RETRY_S` seconds before it asks
Redis again, so an outage slows no sign-in by more than one timeout per worker and refuses
no one. Counts in the database during an outage do not add to those kept in Redis: for
that while an attacker may get up to the limit once more from each store, never more.

The database store writes in the request's own session (the one commit point commits it:
a failed sign-in keeps its writes, as its audit entry does). It begins with a savepoint so
that on SQLite the write lock is taken before the counters are read, and two workers
counting the same key wait for each other instead of both reading the old count.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import redis
from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from checkin import db
from checkin.models import SigninCounter

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 0.25
REDIS_RETRY_S = 30.0
PREFIX = "checkin:signin:"


class Counters(Protocol):
    name: str

    def begin(self) -> None:
        """Called once before the first read of an attempt."""

    def read(self, keys: list[str], now_s: int) -> dict[str, int]:
        """The live value of each key that has one."""

    def add(self, key: str, amount: int, expires_s: int, now_s: int) -> int:
        """Add `amount` (which may be negative); the new value."""

    def put(self, key: str, value: int, expires_s: int) -> None:
        """Set a value that stops counting at Unix second `expires_s`."""


class DatabaseCounters:
    name = "database"

    def __init__(self, session: Session) -> None:
        self.session = session

    def begin(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite":
            # A transaction that has read (the signed-in user) cannot always take the write
            # lock later (WAL: SQLITE_BUSY_SNAPSHOT); nothing is written before a password
            # check, so end it and begin anew with the lock (BEGIN IMMEDIATE, savepoint).
            db.end_reading()
        with db.savepoint():
            pass

    def read(self, keys: list[str], now_s: int) -> dict[str, int]:
        rows = self.session.execute(select(SigninCounter.key, SigninCounter.value).where(
            SigninCounter.key.in_(keys), SigninCounter.expires_s > now_s))
        return {key: int(value) for key, value in rows}

    def add(self, key: str, amount: int, expires_s: int, now_s: int) -> int:
        table = SigninCounter.__table__
        statement = self._insert()(table).values(key=key, value=amount, expires_s=expires_s)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": table.c.value + statement.excluded.value,
                  "expires_s": statement.excluded.expires_s})
        value = int(self.session.execute(statement.returning(table.c.value)).scalar_one())
        if value == amount:  # a new key: a new window began, clear away the old ones
            self.session.execute(delete(SigninCounter).where(SigninCounter.expires_s <= now_s))
        return value

    def put(self, key: str, value: int, expires_s: int) -> None:
        table = SigninCounter.__table__
        statement = self._insert()(table).values(key=key, value=value, expires_s=expires_s)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": statement.excluded.value,
                  "expires_s": statement.excluded.expires_s}))

    def _insert(self):  # type: ignore[no-untyped-def]
        return pg_insert if self.session.get_bind().dialect.name == "postgresql" \
            else sqlite_insert


class RedisCounters:
    name = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def begin(self) -> None:
        return None

    def read(self, keys: list[str], now_s: int) -> dict[str, int]:
        values = self.client.mget([PREFIX + key for key in keys])
        return {key: int(value) for key, value in zip(keys, values, strict=True)
                if value is not None}

    def add(self, key: str, amount: int, expires_s: int, now_s: int) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.incrby(PREFIX + key, amount)
        pipe.expireat(PREFIX + key, expires_s)
        value, _ = pipe.execute()
        return int(value)

    def put(self, key: str, value: int, expires_s: int) -> None:
        self.client.set(PREFIX + key, value, exat=expires_s)


_clients: dict[str, redis.Redis] = {}
_redis_down_until: dict[str, float] = {}


def _redis_client(uri: str) -> redis.Redis:
    if uri not in _clients:
        _clients[uri] = redis.Redis.from_url(
            uri, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S,
            retry_on_timeout=False, health_check_interval=0)
    return _clients[uri]


def redis_uri() -> str | None:
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    return uri if uri.startswith(("redis://", "rediss://", "unix://")) else None


def shared() -> Counters:
    """Redis if configured and not known to be down, else the database."""
    uri = redis_uri()
    if uri is not None and time.monotonic() >= _redis_down_until.get(uri, 0.0):
        return RedisCounters(_redis_client(uri))
    return DatabaseCounters(db.session())


def redis_failed(error: Exception) -> Counters:
    """Redis did not answer: use the database for a while, and say so in the log."""
    uri = redis_uri()
    if uri is not None:
        _redis_down_until[uri] = time.monotonic() + REDIS_RETRY_S
    log.warning("sign-in counters: Redis unavailable (%s); using the database for %.0f s",
                error, REDIS_RETRY_S)
    return DatabaseCounters(db.session())
