"""Photo store against database: orphan files, rows without files, content that changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import or_, select, union
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from checkin.models import Photo
from checkin.photos.store import PhotoStore


@dataclass
class IntegrityReport:
    orphan_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    corrupt_files: list[str] = field(default_factory=list)
    removed: int = 0

    @property
    def intact(self) -> bool:
        """No row lost its file and no file changed. Orphan files are leftovers of uploads
        that never committed (harmless; remove-orphan-photos deletes them)."""
        return not (self.missing_files or self.corrupt_files)


def referenced_keys(session: Session) -> set[str]:
    """Keys of the files photo rows name; a purged photo's files are gone on purpose."""
    live = Photo.purged_at.is_(None)
    stmt = union(select(Photo.sha256).where(live), select(Photo.thumb_sha256).where(live))
    return set(session.scalars(stmt))


# The longest an upload may hold files it wrote before its rows are committed is the
# worker's timeout (60 s in docs/DEPLOYMENT.md; a killed worker commits nothing). A sweep may
# not use a grace shorter than this; the default is an hour.
MIN_GRACE_S: Final = 300
DEFAULT_GRACE_S: Final = 3600


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


def check(session: Session, store: PhotoStore, *, verify: bool = True) -> IntegrityReport:
    report = IntegrityReport()
    referenced = referenced_keys(session)
    on_disk = set(store.iter_keys())
    report.orphan_files = sorted(on_disk - referenced)
    report.missing_files = sorted(referenced - on_disk)
    if verify:
        report.corrupt_files = sorted(k for k in referenced & on_disk if not store.verify(k))
    return report


def remove_orphans(session: Session, store: PhotoStore, engine: Engine,
                   older_than_s: float = DEFAULT_GRACE_S) -> IntegrityReport:
    """Delete files no row names. The list is only the candidates: each is deleted by
    `PhotoStore.delete_unused`, which keeps a file put in the last `older_than_s` seconds
    (an upload in flight writes, or re-puts, its files before its row is committed) and
    asks the database again, after that look at its age, whether a row names it."""
    if older_than_s < MIN_GRACE_S:
        raise ValueError(f"the grace period must be at least {MIN_GRACE_S} s")
    in_use = key_in_use(engine)
    store.put_back_aside(in_use)
    report = check(session, store, verify=False)
    for key in report.orphan_files:
        if store.delete_unused(key, in_use, older_than_s):
            report.removed += 1
    report.removed += store.sweep_temporary(older_than_s)
    return report
