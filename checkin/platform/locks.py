"""Serialising requests that check a rule across rows before they write (no overlapping
leave of one cadre): a lock held by the database until the transaction ends."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Topics of the locks, the first half of PostgreSQL's two-part advisory lock key.
LEAVE_REQUESTS = 1201
MAKEUP_REQUESTS = 1202
DAILY_LOGS = 1203
SPOTCHECK_WEEKS = 1204  # the spot-check draws of one ISO week (key: its Monday)
ROTATIONS = 1205  # the recall and rotation requests of one cadre (key: the cadre)
ASSESSMENTS = 1206  # the county's grades and the township's opinions of one cadre (key: the cadre)
HOUSEHOLD_MOVES = 1209  # the moves of one household to another village (key: the household)


def serialise(session: Session, topic: int, key: int) -> None:
    """Hold a lock on (`topic`, `key`) until the transaction of `session` ends, so that
    transactions taking it for the same key run their checks and writes one after the
    other, and reads made after it see what the ones before committed.

    PostgreSQL: a transaction advisory lock (`pg_advisory_xact_lock`), released at commit
    or rollback; other keys go on in parallel. SQLite: the database's write lock (BEGIN
    IMMEDIATE; it serialises every writer, which SQLite does anyway at the first write);
    a transaction already begun holds it since its first write (pysqlite begins one only
    before a write)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:topic, :key)"),
                           {"topic": topic, "key": key})
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
