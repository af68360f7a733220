"""Insert-only evidence in the database, and its one exception: the retention purge.

Records of evidence (check-ins, visits, photos, spot-check results), the audit log and
published bulletins are insert-only. The database itself refuses an UPDATE or DELETE of
their rows, whoever sends it (triggers made by `protect_table`, migrations 0006, 0007):

- PostgreSQL: one shared function `insert_only_guard()` run BEFORE UPDATE OR DELETE FOR
  EACH ROW. It lets an UPDATE through only when the transaction has set
  ``SET LOCAL checkin.purge = 'on'`` *and* the row differs from the old one in nothing but
  the table's personal columns (the trigger's arguments). Anything else raises
  ``<table> is insert-only: UPDATE refused``. TRUNCATE fires no row trigger: it needs the
  TRUNCATE privilege, which the application's role must not have (docs/DEPLOYMENT.md).
- SQLite: triggers cannot read session settings, so a row in the small table
  ``evidence_unlock`` written inside the same transaction stands for it: reason 'purge'
  lets an UPDATE through that keeps every non-personal column as it was (``IS``-equal);
  reason 'wipe' lets DELETE through (the SQLite stand-in for TRUNCATE, used by the test
  suite to empty tables). The row is removed before the transaction commits, so no other
  connection ever sees it.

The retention purge (`purge`) is the documented exception: after RETENTION_DAYS photos are
deleted from the store and their rows marked purged, and positions are cleared (visits,
spot-check results, photo EXIF) or coarsened to 0.01 degree (check-ins and round
check-ins, whose position
column is NOT NULL) — the records themselves stay, with their times, distances, flags and
outcomes, so the evidence of what happened outlives the personal data. Each run writes
one audit entry with its counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import InstrumentedAttribute, Session

from checkin.models import Checkin, Photo, RoundCheckin, Visit
from checkin.ops.integrity import DEFAULT_GRACE_S, key_in_use
from checkin.photos.store import PhotoStore
from checkin.platform import audit, clock

# Insert-only tables and the columns the purge may change in them (personal data).
INSERT_ONLY: dict[str, tuple[str, ...]] = {
    "checkins": ("lat", "lon"),
    "visits": ("lat", "lon"),
    "photos": ("exif_lat", "exif_lon", "purged_at"),
    "spotcheck_results": ("lat", "lon"),
    "spotcheck_appeals": (),
    "spotcheck_appeal_decisions": (),
    "spotcheck_corrections": (),
    "audit_log": (),
    "attendance_corrections": ("lat", "lon"),
    "attendance_correction_decisions": (),
    "bulletin_publications": (),
    "feedback": (),
    "feedback_answers": (),
    "daily_logs": (),
    "training_invitees": (),
    "training_attendance": ("lat", "lon"),
    "evaluation_answers": (),
    "evaluation_ratings": (),
    "assessment_decisions": (),
    "township_opinions": (),
    "team_pledges": (),
    "quarter_reports": (),
    "quarter_report_reviews": (),
    "rotations": (),
    "rotation_decisions": (),
    "helper_changes": (),
    "household_moves": (),
    "round_checkins": ("lat", "lon"),
}
UNLOCK_TABLE = "evidence_unlock"
PG_FUNCTION = "insert_only_guard"
PG_SETTING = "checkin.purge"
# Check-in positions are kept to this many decimals of a degree (about 1 km).
COARSE_DECIMALS = 2

Unlock = Literal["purge", "wipe"]

_PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('{PG_SETTING}', true), '') = 'on'
       AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is insert-only: ' || TG_OP || ' refused',
        HINT = 'records of evidence are corrected by new records, never changed';
END
$$"""


def insert_only_statements(dialect: str, table: str, columns: Sequence[str],
                           personal: Sequence[str] = ()) -> list[str]:
    """DDL that makes `table` insert-only (idempotent: drops its own triggers first).

    `columns` are all the table's columns; `personal` the ones the purge may change.
    """
    unknown = set(personal) - set(columns)
    if unknown:
        raise ValueError(f"{table} has no column(s) {sorted(unknown)}")
    if dialect == "postgresql":
        args = ", ".join(f"'{name}'" for name in personal)
        return [
            _PG_FUNCTION_SQL,
            f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"',
            f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}({args})",
        ]
    if dialect == "sqlite":
        kept = [f'NEW."{name}" IS OLD."{name}"' for name in columns if name not in personal]
        same = " AND ".join(kept) or "1"
        return [
            f"CREATE TABLE IF NOT EXISTS {UNLOCK_TABLE} (reason VARCHAR(16) PRIMARY KEY)",
            f"DROP TRIGGER IF EXISTS {table}_insert_only_update",
            f"DROP TRIGGER IF EXISTS {table}_insert_only_delete",
            f'CREATE TRIGGER {table}_insert_only_update BEFORE UPDATE ON "{table}" '
            f"FOR EACH ROW WHEN NOT (EXISTS (SELECT 1 FROM {UNLOCK_TABLE} "
            f"WHERE reason = 'purge') AND {same}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: UPDATE refused'); END",
            f'CREATE TRIGGER {table}_insert_only_delete BEFORE DELETE ON "{table}" '
            f"FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {UNLOCK_TABLE} "
            f"WHERE reason = 'wipe') "
            f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: DELETE refused'); END",
        ]
    raise NotImplementedError(f"insert-only triggers for {dialect}")


def unprotect_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"']
    return [f"DROP TRIGGER IF EXISTS {table}_insert_only_update",
            f"DROP TRIGGER IF EXISTS {table}_insert_only_delete"]


def protect_table(bind: Connection, table: str,
                  personal: Sequence[str] | None = None) -> bool:
    """Make `table` insert-only on this connection's database; False if it does not exist.

    Reusable from any migration (e.g. ``protect_table(op.get_bind(), "spotcheck_results")``).
    On SQLite, run it again after any migration that recreates the table (batch mode
    "move and copy" drops a table's triggers) or adds a column to it (the trigger compares
    the columns that existed when it was made).
    """
    inspector = sa.inspect(bind)
    if not inspector.has_table(table):
        return False
    columns = [column["name"] for column in inspector.get_columns(table)]
    if personal is None:
        personal = INSERT_ONLY.get(table, ())
    for statement in insert_only_statements(bind.dialect.name, table, columns, personal):
        bind.execute(sa.text(statement))
    return True


def unprotect_table(bind: Connection, table: str) -> None:
    for statement in unprotect_statements(bind.dialect.name, table):
        bind.execute(sa.text(statement))


@contextmanager
def unlocked(bind: Connection | Session, reason: Unlock) -> Iterator[None]:
    """Inside the current transaction, let the guarded change of `reason` through.

    'purge': updates that change only personal columns (both databases).
    'wipe': deletes (SQLite only; on PostgreSQL the table owner uses TRUNCATE).
    If the block raises, the caller rolls the transaction back, which also undoes this.
    """
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else \
        bind.dialect.name
    if dialect == "postgresql":
        if reason != "purge":
            raise NotImplementedError("on PostgreSQL, empty tables with TRUNCATE")
        bind.execute(sa.text(f"SET LOCAL {PG_SETTING} = 'on'"))
        yield
        bind.execute(sa.text(f"SET LOCAL {PG_SETTING} = 'off'"))
        return
    bind.execute(sa.text(f"INSERT INTO {UNLOCK_TABLE} (reason) VALUES (:reason)"),
                 {"reason": reason})
    yield
    bind.execute(sa.text(f"DELETE FROM {UNLOCK_TABLE} WHERE reason = :reason"),
                 {"reason": reason})


@dataclass
class PurgeReport:
    before: date
    checkins: int = 0
    visits: int = 0
    photos: int = 0
    spotcheck_results: int = 0
    round_checkins: int = 0
    files_deleted: int = 0
    files_shared: int = 0  # files kept: a newer photo holds the very same bytes
    unused_files: tuple[str, ...] = ()  # deleted by `delete_files` once committed

    def counts(self) -> dict[str, int]:
        return {key: value for key, value in asdict(self).items()
                if isinstance(value, int) and not isinstance(value, bool)}


def default_cutoff(retention_days: int, today: date | None = None) -> date:
    """Records from days before this one are purged."""
    if retention_days < 1:
        raise ValueError("RETENTION_DAYS must be at least 1")
    return (today or clock.today()) - timedelta(days=retention_days)


def purge(session: Session, before: date, *, actor_id: int | None = None) -> PurgeReport:
    """Remove the personal data of records from days before `before`; flushes only.

    In the caller's transaction: photo rows are marked purged (EXIF position cleared), visit
    and spot-check positions cleared, check-in positions coarsened, and one audit entry
    written. The report names the photo files no photo that is not purged still holds
    (the store is content-addressed): after the caller commits, `delete_files` deletes
    them. A crash between the two leaves files no live row names: `remove-orphan-photos`
    deletes them. A dry run rolls back instead of committing and deletes nothing.
    """
    if before > clock.today():
        raise ValueError("the purge date is in the future")
    report = PurgeReport(before=before)
    now = clock.now()
    old_visits = sa.select(Visit.id).where(Visit.local_day < before)
    keys: set[str] = set()
    for sha, thumb in session.execute(
            sa.select(Photo.sha256, Photo.thumb_sha256)
            .where(Photo.purged_at.is_(None), Photo.visit_id.in_(old_visits))):
        keys.update((sha, thumb))
    with unlocked(session, "purge"):
        report.photos = _rowcount(session.execute(
            sa.update(Photo)
            .where(Photo.purged_at.is_(None), Photo.visit_id.in_(old_visits))
            .values(purged_at=now, exif_lat=None, exif_lon=None)
            .execution_options(synchronize_session=False)))
        report.visits = _rowcount(session.execute(
            sa.update(Visit)
            .where(Visit.local_day < before, sa.or_(Visit.lat.is_not(None),
                                                    Visit.lon.is_not(None)))
            .values(lat=None, lon=None)
            .execution_options(synchronize_session=False)))
        lat, lon = (_coarse(Checkin.lat), _coarse(Checkin.lon))
        report.checkins = _rowcount(session.execute(
            sa.update(Checkin)
            .where(Checkin.local_day < before,
                   sa.or_(Checkin.lat != lat, Checkin.lon != lon))
            .values(lat=lat, lon=lon)
            .execution_options(synchronize_session=False)))
        report.spotcheck_results = _purge_spotcheck_positions(session, before)
        lat, lon = (_coarse(RoundCheckin.lat), _coarse(RoundCheckin.lon))
        report.round_checkins = _rowcount(session.execute(
            sa.update(RoundCheckin)
            .where(RoundCheckin.local_day < before,
                   sa.or_(RoundCheckin.lat != lat, RoundCheckin.lon != lon))
            .values(lat=lat, lon=lon)
            .execution_options(synchronize_session=False)))
    audit.record(session, actor_id=actor_id, action="retention.purge", entity="retention",
                 entity_id=before.isoformat(),
                 detail={"before": before.isoformat(), **report.counts(),
                         "files_to_delete": len(keys)})
    session.flush()
    shared = _still_used(session, keys)
    report.files_shared = len(shared)
    report.unused_files = tuple(sorted(keys - shared))
    return report


def delete_files(store: PhotoStore, report: PurgeReport, engine: Engine,
                 older_than_s: float = DEFAULT_GRACE_S) -> None:
    """After the purge is committed: delete the files it left no live photo naming, each
    only if, looked at again now, no live photo names it and no upload put it in the last
    `older_than_s` seconds (`PhotoStore.delete_unused`): a visit with the same bytes may
    have been recorded since the purge looked."""
    in_use = key_in_use(engine)
    for key in report.unused_files:
        if store.delete_unused(key, in_use, older_than_s):
            report.files_deleted += 1
        elif store.exists(key):
            report.files_shared += 1


def _coarse(column: InstrumentedAttribute[float]) -> sa.ColumnElement[float]:
    return sa.cast(sa.func.round(sa.cast(column, sa.Numeric), COARSE_DECIMALS), sa.Float)


def _purge_spotcheck_positions(session: Session, before: date) -> int:
    """Spot-check results may not exist in every schema; cleared where they do."""
    if not sa.inspect(session.connection()).has_table("spotcheck_results"):
        return 0
    results = sa.table("spotcheck_results", sa.column("lat"), sa.column("lon"),
                       sa.column("local_day"))
    return _rowcount(session.execute(
        sa.update(results)
        .where(results.c.local_day < before,
               sa.or_(results.c.lat.is_not(None), results.c.lon.is_not(None)))
        .values(lat=None, lon=None)))


def _still_used(session: Session, keys: set[str]) -> set[str]:
    """Those of `keys` that a photo not purged still names."""
    used: set[str] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for sha, thumb in session.execute(
                sa.select(Photo.sha256, Photo.thumb_sha256)
                .where(Photo.purged_at.is_(None),
                       sa.or_(Photo.sha256.in_(chunk), Photo.thumb_sha256.in_(chunk)))):
            used.update(k for k in (sha, thumb) if k in keys)
    return used


def _rowcount(result: sa.Result[object]) -> int:
    return max(0, getattr(result, "rowcount", 0) or 0)
