"""Write a backup: the database snapshot, then the photo files, then the manifest.

Consistency: photo files are written before the rows that name them commit, so every
file the database snapshot names is on disk when the snapshot is taken; the files are
copied after it (plus any newer ones, harmless orphans).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import Engine

from checkin.ops.backup.archive import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    PHOTO_LIST,
    VERSION,
    BackupError,
    DirWriter,
    Progress,
    TarWriter,
    Writer,
    photo_list,
    photo_name,
    quiet,
    sha256_file,
)
from checkin.ops.backup.snapshot import BackupFormat, Snapshot, take_snapshot
from checkin.ops.integrity import SAMPLE, side_by_side
from checkin.photos.store import PhotoStore


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)


def create_backup(engine: Engine, store: PhotoStore, dest: Path, *,
                  fmt: BackupFormat = "auto", link_dest: Path | None = None,
                  progress: Progress = quiet) -> BackupResult:
    """Write a backup of the database behind `engine` and of the photo `store` to `dest`.

    With `link_dest` (an earlier directory backup; `dest` must be a directory too), a
    photo that backup already holds is hard-linked from it instead of copied: photos never
    change, so a nightly backup then costs the database and the day's new photos.
    """
    dest = Path(dest)
    is_tar = _check_dest(dest, link_dest)
    if link_dest is not None and not (Path(link_dest) / MANIFEST).is_file():
        progress(f"{link_dest} is not a finished backup: copying every photo")
        link_dest = None  # a missed night must not cost the next one its backup
    writer: Writer = TarWriter(dest) if is_tar else DirWriter(dest)
    try:
        with tempfile.TemporaryDirectory(prefix="checkin-backup-") as work:
            result = _write_backup(engine, store, writer, Path(work), fmt,
                                   progress, Path(link_dest) if link_dest else None)
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    result.path = dest
    return result


def _check_dest(dest: Path, link_dest: Path | None) -> bool:
    """Refuse a destination a backup cannot be written to; True if it is a tar."""
    if dest.exists():
        raise BackupError(f"{dest} exists already; a backup never overwrites")
    if not dest.parent.is_dir():
        raise BackupError(f"no directory {dest.parent}")
    if dest.name.endswith((".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".zip")):
        raise BackupError("name the backup *.tar (or a directory): compressing gains "
                          "nothing, the photos are JPEG and the dumps are compressed")
    is_tar = dest.name.endswith(".tar")
    if link_dest is not None and is_tar:
        raise BackupError("--link-dest writes a directory backup, not a .tar")
    return is_tar


def _write_backup(engine: Engine, store: PhotoStore, writer: Writer, work: Path,
                  fmt: BackupFormat, progress: Progress,
                  link_dest: Path | None = None) -> BackupResult:
    created_at = datetime.now(UTC)
    progress("taking a snapshot of the database …")
    snapshot = take_snapshot(engine, work, fmt, progress)
    database_name = DATABASE_FILES[snapshot.kind]
    parts = {database_name: {"sha256": sha256_file(snapshot.file),
                             "bytes": snapshot.file.stat().st_size}}
    writer.add_file(database_name, snapshot.file)
    snapshot.file.unlink()
    progress(f"database: {sum(snapshot.row_counts.values())} rows in "
             f"{len(snapshot.row_counts)} tables ({snapshot.kind})")

    # Files are written before their rows commit: everything the snapshot names is stored.
    # The keys it names (a file, ascending) and the store's listing (ascending) are walked
    # side by side: neither is held in memory, nor is the list of what was copied.
    listing = work / PHOTO_LIST
    with listing.open("wb") as lines:
        photos = _PhotoCopy(store, writer, link_dest, lines)
        walk = side_by_side(snapshot.named_keys(), store.iter_keys())
        for number, (key, named, _stored) in enumerate(walk, 1):
            if number % 5000 == 0:
                progress(f"photos: {number} ({snapshot.referenced_count} named by rows)")
            photos.copy(key, named=named)
    parts[PHOTO_LIST] = {"sha256": sha256_file(listing), "bytes": listing.stat().st_size}
    writer.add_file(PHOTO_LIST, listing)
    listing.unlink()
    snapshot.referenced.unlink()
    manifest = _manifest(created_at, snapshot, database_name, parts, photos)
    writer.add_bytes(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
    problems = [f"photo named by a row but missing on disk: {k}" for k in photos.missing]
    problems += [f"photo whose content no longer matches its name (not copied): {k}"
                 for k in photos.corrupt]
    if photos.missing_count > len(photos.missing) or photos.corrupt_count > len(photos.corrupt):
        problems.append(f"{photos.missing_count} missing and {photos.corrupt_count} damaged "
                        f"photos in all (the first {SAMPLE} of each are named)")
    progress(f"photos: {photos.files} files, {photos.bytes} bytes")
    return BackupResult(path=Path(), manifest=manifest, problems=problems)


class _PhotoCopy:
    """Copies photo files into the archive, checking each against its name, or links
    them from an earlier directory backup."""

    def __init__(self, store: PhotoStore, writer: Writer, link_dest: Path | None,
                 listing: BinaryIO) -> None:
        self.store, self.writer, self.link_dest = store, writer, link_dest
        self.listing = listing  # the photo list, written a line per copied photo
        self.missing: list[str] = []  # the first SAMPLE of each; the counts are complete
        self.corrupt: list[str] = []
        self.files = self.bytes = self.linked = self.missing_count = self.corrupt_count = 0

    def _copied(self, key: str, size: int) -> None:
        self.listing.write(photo_list([key]))
        self.files += 1
        self.bytes += size

    def copy(self, key: str, *, named: bool) -> None:
        if self._link(key):
            return
        try:
            data = self.store.read(key)
        except FileNotFoundError:
            if named:
                self.missing_count += 1
                if len(self.missing) < SAMPLE:
                    self.missing.append(key)
            return  # an orphan removed meanwhile
        if hashlib.sha256(data).hexdigest() != key:
            self.corrupt_count += 1
            if len(self.corrupt) < SAMPLE:
                self.corrupt.append(key)
            return
        self.writer.add_bytes(photo_name(key), data)
        self._copied(key, len(data))

    def _link(self, key: str) -> bool:
        if self.link_dest is None:
            return False
        name = photo_name(key)
        earlier = self.link_dest / name
        if not earlier.is_file() or earlier.is_symlink():
            return False
        same = self.store.size(key) == earlier.stat().st_size
        # Checked when that backup was made; content-addressed, so the same bytes.
        if not (same and self.writer.link(name, earlier)):
            return False
        self._copied(key, earlier.stat().st_size)
        self.linked += 1
        return True


def _manifest(created_at: datetime, snapshot: Snapshot, database_name: str,
              parts: dict[str, dict[str, Any]], photos: _PhotoCopy) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "schema_revision": snapshot.revision,
        "source_dialect": snapshot.dialect,
        "database": {"kind": snapshot.kind, "file": database_name},
        "row_counts": snapshot.row_counts,
        "photos": {"files": photos.files, "bytes": photos.bytes,
                   "linked": photos.linked, "referenced": snapshot.referenced_count,
                   "missing": photos.missing, "corrupt": photos.corrupt},
        "parts": parts,
    }
