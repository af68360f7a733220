"""Photo store against database: orphan files, rows without files, content that changed.

In bounded memory: the store's listing (ascending keys, paged) and the keys the rows name
(one query, ascending, streamed in batches) are walked side by side like a merge, so neither
side is ever held whole; only the first `SAMPLE` keys of each finding are kept for the
report. Hashing every photo daily does not scale (8-10 TB at a province), so a run verifies a
rolling share: the keys whose first 32 bits fall on today's day modulo `verify_days`, which
covers every photo once in `verify_days` days (`--all` hashes everything)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy import or_, select, union
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from checkin.models import Photo
from checkin.photos.store import PhotoStore

SAMPLE: Final = 1000  # keys of each finding kept for the report; the counts are complete
BATCH: Final = 5000  # rows fetched from the database at once


@dataclass
class IntegrityReport:
    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    corrupt_files: list[str] = field(default_factory=list)
    orphans: int = 0
    missing: int = 0
    corrupt: int = 0
    stored: int = 0
    verified: int = 0
    removed: int = 0

    @property
    def intact(self) -> bool:
        """No row lost its file and no file changed. Orphan files are leftovers of uploads
        that never committed (harmless; remove-orphan-photos deletes them)."""
        return not (self.missing or self.corrupt)

    def _note(self, found: list[str], key: str) -> None:
        if len(found) < SAMPLE:
            found.append(key)


def referenced_keys(session: Session) -> Iterator[str]:
    """Keys of the files photo rows name, ascending (byte order), each once, streamed in
    batches; a purged photo's files are gone on purpose."""
    live = Photo.purged_at.is_(None)
    keys = union(select(Photo.sha256.label("key")).where(live),
                 select(Photo.thumb_sha256.label("key")).where(live)).subquery()
    order = keys.c.key.collate("C") if session.get_bind().dialect.name == "postgresql" \
        else keys.c.key
    result = session.execute(select(keys.c.key).order_by(order),
                             execution_options={"stream_results": True, "yield_per": BATCH})
    for (key,) in result:
        yield key


def side_by_side(named: Iterator[str], stored: Iterator[str]
                 ) -> Iterator[tuple[str, bool, bool]]:
    """Two ascending key streams merged: (key, named by a row, in the store)."""
    row, obj = next(named, None), next(stored, None)
    while row is not None or obj is not None:
        if obj is None or (row is not None and row < obj):
            assert row is not None
            yield row, True, False
            row = next(named, None)
        elif row is None or obj < row:
            yield obj, False, True
            obj = next(stored, None)
        else:
            yield row, True, True
            row, obj = next(named, None), next(stored, None)


def in_todays_share(key: str, today: date, verify_days: int) -> bool:
    """Whether `key` is hashed today: each key on one day of every `verify_days`."""
    return verify_days <= 1 or int(key[:8], 16) % verify_days == today.toordinal() % verify_days


# The longest an upload may hold files it wrote before its rows are committed is the
# worker's timeout (60 s in docs/DEPLOYMENT.md; a killed worker commits nothing). A sweep may
# not use a grace shorter than this; the default is an hour.
MIN_GRACE_S: Final = 300
DEFAULT_GRACE_S: Final = 3600
REQUEST_S: Final = 120  # longer than any request (the worker timeout is 60 s)


def key_in_use(engine: Engine) -> Callable[[str], bool]:
    """Whether a photo row that is not purged names `key`, asked on a connection of its own
    each time: what is committed now, not what a long transaction saw when it began."""
    def in_use(key: str) -> bool:
        live = Photo.purged_at.is_(None)
        stmt = select(Photo.id).where(live, or_(Photo.sha256 == key,
                                                Photo.thumb_sha256 == key)).limit(1)
        with engine.connect() as connection:
            return connection.execute(stmt).first() is not None
    return in_use


def check(session: Session, store: PhotoStore, *, verify: bool = True,
          today: date | None = None, verify_days: int = 1) -> IntegrityReport:
    """Every key compared; with `verify`, today's share of the stored photos rows name
    hashed (`verify_days=1`: all of them)."""
    report = IntegrityReport()
    for key, named, stored in side_by_side(referenced_keys(session), store.iter_keys()):
        report.stored += stored
        if stored and not named:
            report.orphans += 1
            report._note(report.orphan_files, key)
        elif named and not stored:
            report.missing += 1
            report._note(report.missing_files, key)
        elif verify and (today is None or in_todays_share(key, today, verify_days)):
            report.verified += 1
            if not store.verify(key):
                report.corrupt += 1
                report._note(report.corrupt_files, key)
    return report


def remove_orphans(session: Session, store: PhotoStore, engine: Engine,
                   older_than_s: float = DEFAULT_GRACE_S) -> IntegrityReport:
    """Delete files no row names, streamed: each candidate (named by no row in the listing
    walk) is deleted by `PhotoStore.delete_unused`, which keeps a file put in the last
    `older_than_s` seconds (an upload in flight writes, or re-puts, its files before its row
    is committed) and asks the database again, after that look at its age, whether a row
    names it."""
    if older_than_s < MIN_GRACE_S:
        raise ValueError(f"the grace period must be at least {MIN_GRACE_S} s")
    in_use = key_in_use(engine)
    store.put_back_aside(in_use, REQUEST_S)
    report = IntegrityReport()
    for key, named, stored in side_by_side(referenced_keys(session), store.iter_keys()):
        report.stored += stored
        if stored and not named:
            report.orphans += 1
            if store.delete_unused(key, in_use, older_than_s):
                report.removed += 1
    report.removed += store.sweep_temporary(older_than_s)
    return report
