"""The declarative base, the engine, one session per application context, and the one
place that commits it.

The commit point (after the model of indico's `RH.process`): a request's session is
committed when its answer is a success (status < 400) and rolled back otherwise, or when
the view raised; a CLI command's session is committed when the command returns
(`command_transaction`). Views, API handlers and services never commit or roll back;
services only `flush()`. Two ways for a view to say more:

- `keep_writes()`: the answer is a refusal, but what was written must stay (the audit
  entry of a failed sign-in answered 401).
- `savepoint()`: around a use case whose refusal the view answers itself with a success
  status (a flash and a redirect), or whose insert may lose a race on a unique key (two
  draws of one week): the refusal, or the IntegrityError at flush time, undoes what the
  block wrote at once, and the request's single commit stays the only one.
- `discard_writes()`: a record made on the phone that lost the race on its id to a second
  delivery of itself (api/once.store_once): what the request wrote is rolled back, and it
  answers the winner as a replay.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from flask import Flask, Response, current_app, g
from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.engine import Connection, Engine
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
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
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


def _sqlite_begin_before_savepoint(connection: Connection, _name: str | None) -> None:
    """pysqlite begins a transaction only before INSERT, UPDATE or DELETE. A SAVEPOINT sent
    outside one would itself start the transaction, and releasing it would commit: so a
    transaction is begun first. IMMEDIATE: a savepoint is taken to write (a race on a unique
    key), and taking the write lock now waits for other writers (busy_timeout) instead of
    failing at once when a read snapshot cannot be upgraded."""
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["checkin_engine"] = engine
    app.extensions["checkin_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_commit_point)
    app.teardown_request(_roll_back_after_error)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["checkin_engine"]


def session() -> Session:
    """The session of this application context, made on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["checkin_sessionmaker"]()
    return g.db_session


def _open_session() -> Session | None:
    return g.get("db_session")


def keep_writes() -> None:
    """Commit what this request wrote even though it answers a refusal (status >= 400):
    for a record of the refusal itself, such as the audit entry of a failed sign-in."""
    g.db_keep_writes = True


@contextmanager
def savepoint() -> Iterator[None]:
    """A savepoint around writes whose failure the caller handles: a refusal it answers
    itself with a success (a flash and a redirect), or a unique key refusing a racing
    insert (IntegrityError). What the block writes is flushed at its end, inside the
    savepoint; if the block or that flush raises, what it wrote is rolled back at once and
    the exception goes on to the caller, the rest of the request untouched. Otherwise its
    writes wait for the commit point with the rest of the request."""
    with session().begin_nested():
        yield


def discard_writes() -> None:
    """Roll back what this request has written and go on in a new transaction: a record
    that lost a race on its unique key (api/once.store_once), when it is all the request
    writes."""
    session().rollback()


def end_reading() -> None:
    """End the transaction that the reads so far opened (the signed-in user, the checks),
    returning its connection to the pool, before slow work that needs no database (the
    photos of a visit): no transaction stays open, "idle in transaction", meanwhile. Only
    reads may precede it; loaded objects are expired and load again when next used."""
    db_session = _open_session()
    if db_session is None:
        return
    if db_session.new or db_session.dirty or db_session.deleted:
        raise RuntimeError("end_reading() after a write: the write would be lost")
    db_session.rollback()


def _commit_point(response: Response) -> Response:
    """The request's one commit: a success keeps what it wrote, a refusal does not."""
    db_session = _open_session()
    if db_session is None:
        return response
    keep = g.pop("db_keep_writes", False)
    if response.status_code >= 400 and not keep:
        db_session.rollback()
        return response
    try:
        db_session.commit()
    except Exception as error:  # the database refused or failed at commit: answer that
        db_session.rollback()
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def _roll_back_after_error(error: BaseException | None) -> None:
    """A view that raised past every error handler (an answer of 500) keeps nothing."""
    db_session = _open_session()
    if error is not None and db_session is not None:
        db_session.rollback()


@contextmanager
def command_transaction(*, keep: bool = True) -> Iterator[Session]:
    """A CLI command's one commit point: what it wrote is committed when it returns
    (rolled back instead with `keep=False`: a dry run) and rolled back when it raises (a
    ClickException, sys.exit, anything). A decorator under `with_appcontext`, or a `with`
    block when the command has work to do after the commit."""
    db_session = session()
    try:
        yield db_session
    except BaseException:
        db_session.rollback()
        raise
    if keep:
        db_session.commit()
    else:
        db_session.rollback()


@contextmanager
def separate_transaction() -> Iterator[Session]:
    """A short transaction of its own, beside this context's session, committed when the
    block ends: a background job's claim, progress and failure, seen by others while the
    job's one transaction (`command_transaction`) is still open or after it rolled back."""
    apart: Session = current_app.extensions["checkin_sessionmaker"]()
    try:
        yield apart
        apart.commit()
    except BaseException:
        apart.rollback()
        raise
    finally:
        apart.close()


def _close_session(_exc: BaseException | None) -> None:
    db_session: Session | None = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
