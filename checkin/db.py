"""The declarative base, the engine and one session per application context."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from flask import Flask, current_app, g
from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model is mapped to a plain table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]


def make_engine(url: str) -> Engine:
    """An engine tuned for the database at `url` (SQLite: WAL, busy timeout, foreign keys)."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.pool, "connect", _note_use)
        event.listen(engine.pool, "checkin", _note_use)
        event.listen(engine.pool, "checkout", _ping_if_idle)
    return engine


# A server connection that sat idle may have been closed (a database restart, a firewall);
# one that was in use a moment ago almost never has. So a connection is tried with a ping
# only when it has been idle for this long, not on every checkout as pool_pre_ping does:
# under load that round trip was a fifth of a check-in on PostgreSQL. A connection that
# dies in use fails that one request with 503 (errors.py; the phone sends it again) and is
# replaced by the pool.
IDLE_BEFORE_PING_S = 10.0


def _note_use(_dbapi_connection: Any, record: Any) -> None:
    record.info["last_used"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    if time.monotonic() - record.info.get("last_used", 0.0) < IDLE_BEFORE_PING_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as error:  # any failure: the pool retries with a new connection
        raise DisconnectionError(str(error)) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["checkin_engine"] = engine
    app.extensions["checkin_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["checkin_engine"]


def session() -> Session:
    """The session of this application context, made on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["checkin_sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session: Session | None = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
