"""Photo store against database: orphan files, rows without files, content that changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, union
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


def check(session: Session, store: PhotoStore, *, verify: bool = True) -> IntegrityReport:
    report = IntegrityReport()
    referenced = referenced_keys(session)
    on_disk = set(store.iter_keys())
    report.orphan_files = sorted(on_disk - referenced)
    report.missing_files = sorted(referenced - on_disk)
    if verify:
        report.corrupt_files = sorted(k for k in referenced & on_disk if not store.verify(k))
    return report


def remove_orphans(session: Session, store: PhotoStore, older_than_s: float = 3600.0
                   ) -> IntegrityReport:
    """Delete files no row names. Files younger than `older_than_s` are kept: an upload in
    flight writes its files before its row is committed."""
    import time

    report = check(session, store, verify=False)
    now = time.time()
    for key in report.orphan_files:
        path = store.path(key)
        if path.exists() and now - path.stat().st_mtime >= older_than_s and store.delete(key):
            report.removed += 1
    report.removed += store.sweep_temporary(older_than_s)
    return report
