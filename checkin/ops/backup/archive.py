"""The backup archive: its member names, the writers (a ``.tar`` or a directory), the
reader, the manifest and the photo list.

An archive holds

- the database part: ``database.sqlite3``, ``database.pgdump`` or ``database.jsonl.gz``
  (see snapshot.py and portable.py);
- ``photos/ab/cd/<sha256>.jpg``: every photo file, each named by the SHA-256 of its bytes;
- ``photos.sha256``: the list of photo files in ``sha256sum`` format (a directory backup
  can be checked with ``sha256sum -c photos.sha256`` from inside it);
- ``manifest.json`` (written last): schema revision, created_at (UTC), row counts of
  every table in the snapshot, the sha256 and size of the database part and of the photo
  list, and which photos the snapshot names that were missing or damaged on disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from checkin.ops.retention import UNLOCK_TABLE

FORMAT = "checkin-backup"
VERSION = 1
MANIFEST = "manifest.json"
PHOTO_LIST = "photos.sha256"
DATABASE_FILES = {"sqlite": "database.sqlite3", "pg_dump": "database.pgdump",
                  "jsonl": "database.jsonl.gz"}
# Tables a backup leaves out: the schema revision is in the manifest, the unlock table is
# empty outside a purge.
SKIPPED_TABLES = frozenset({"alembic_version", UNLOCK_TABLE})
CHUNK = 1 << 20
Progress = Callable[[str], None]

_PHOTO_NAME = re.compile(r"photos/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.jpg")
_LIST_LINE = re.compile(r"([0-9a-f]{64})  (photos/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg)")
_MANIFEST_MAX = 16 << 20


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def quiet(_message: str) -> None:
    return None


def photo_name(key: str) -> str:
    return f"photos/{key[:2]}/{key[2:4]}/{key}.jpg"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ writing


class Writer:
    def add_bytes(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def add_file(self, name: str, source: Path) -> None:
        raise NotImplementedError

    def link(self, name: str, source: Path) -> bool:
        """Hard-link an identical file of an earlier backup instead of copying; False if
        this kind of archive cannot."""
        return False

    def finish(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class TarWriter(Writer):
    """An uncompressed tar (photos are JPEGs, the dumps are compressed already), written
    to DEST.partial and renamed into place when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.partial = dest.with_name(dest.name + ".partial")
        # Backups hold personal data: readable by the owner only.
        self.fh = os.fdopen(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                                    0o600), "wb")
        self.tar = tarfile.open(  # noqa: SIM115 (closed by finish or abort)
            fileobj=self.fh, mode="w", format=tarfile.PAX_FORMAT)
        self.now = int(datetime.now(UTC).timestamp())

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self.now, 0o600
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self.tar.addfile(self._info(name, len(data)), io.BytesIO(data))

    def add_file(self, name: str, source: Path) -> None:
        with source.open("rb") as fh:
            self.tar.addfile(self._info(name, source.stat().st_size), fh)

    def finish(self) -> None:
        self.tar.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.partial, self.dest)

    def abort(self) -> None:
        try:
            self.tar.close()
        finally:
            self.fh.close()
            self.partial.unlink(missing_ok=True)


class DirWriter(Writer):
    """A directory, built as DEST.partial and renamed into place when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.partial = dest.with_name(dest.name + ".partial")
        if self.partial.exists():
            shutil.rmtree(self.partial)
        self.partial.mkdir(parents=True, mode=0o700)

    def _target(self, name: str) -> Path:
        target = self.partial / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add_bytes(self, name: str, data: bytes) -> None:
        target = self._target(name)
        target.write_bytes(data)
        target.chmod(0o600)

    def add_file(self, name: str, source: Path) -> None:
        target = self._target(name)
        shutil.copyfile(source, target)
        target.chmod(0o600)

    def link(self, name: str, source: Path) -> bool:
        try:
            os.link(source, self._target(name))
        except OSError:  # another file system, or links not supported: copy instead
            return False
        return True

    def finish(self) -> None:
        os.replace(self.partial, self.dest)

    def abort(self) -> None:
        shutil.rmtree(self.partial, ignore_errors=True)


# ------------------------------------------------------------------------------ reading


class Reader:
    """Reads the members of a backup by name; only names this package writes are opened."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.tar: tarfile.TarFile | None = None
        self.members: dict[str, tarfile.TarInfo] = {}
        if source.is_dir():
            return
        if not source.is_file():
            raise BackupError(f"no backup at {source}")
        try:
            self.tar = tarfile.open(source, mode="r:*")  # noqa: SIM115 (closed by close)
            for member in self.tar.getmembers():
                if member.isreg():
                    self.members[member.name] = member
        except tarfile.TarError as exc:
            raise BackupError(f"{source} is not a readable tar archive: {exc}") from exc

    def has(self, name: str) -> bool:
        if self.tar is None:
            path = self.source / name
            return path.is_file() and not path.is_symlink()
        return name in self.members

    def open(self, name: str) -> IO[bytes]:
        if self.tar is None:
            path = self.source / name
            if path.is_symlink() or not path.is_file():
                raise BackupError(f"the backup has no {name}")
            return path.open("rb")
        member = self.members.get(name)
        extracted = self.tar.extractfile(member) if member is not None else None
        if extracted is None:
            raise BackupError(f"the backup has no {name}")
        return extracted

    def size(self, name: str) -> int:
        if self.tar is None:
            return (self.source / name).stat().st_size
        return self.members[name].size

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()

    def manifest(self) -> dict[str, Any]:
        """The manifest, checked to be one this version of checkin can restore."""
        if not self.has(MANIFEST):
            raise BackupError("the backup has no manifest.json (unfinished or not a backup)")
        if self.size(MANIFEST) > _MANIFEST_MAX:
            raise BackupError("manifest.json is too large")
        with self.open(MANIFEST) as fh:
            try:
                manifest = json.loads(fh.read(_MANIFEST_MAX))
            except ValueError as exc:
                raise BackupError(f"manifest.json is not JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError("this is not a checkin backup")
        if manifest.get("version") != VERSION:
            raise BackupError(f"backup format version {manifest.get('version')} is not known")
        kind = manifest.get("database", {}).get("kind")
        if kind not in DATABASE_FILES or manifest["database"].get("file") != DATABASE_FILES[kind]:
            raise BackupError("the manifest names no known database part")
        return manifest

    def copy_checked(self, name: str, expected: dict[str, Any], target: Path) -> None:
        """Copy one part out of the backup, checking its size and hash against the manifest."""
        digest = hashlib.sha256()
        size = 0
        with self.open(name) as src, target.open("wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected.get("sha256") or size != expected.get("bytes"):
            raise BackupError(f"{name} does not match the manifest (damaged or altered backup)")

    def photo(self, key: str) -> bytes:
        """The photo named `key`, checked against its name."""
        with self.open(photo_name(key)) as fh:
            data = fh.read()
        if hashlib.sha256(data).hexdigest() != key:
            raise BackupError(f"photo {key} in the backup does not match its "
                              "name (damaged or altered backup)")
        return data


def read_manifest(source: Path) -> dict[str, Any]:
    reader = Reader(Path(source))
    try:
        return reader.manifest()
    finally:
        reader.close()


def photo_list(keys: list[str]) -> bytes:
    """The photo list in ``sha256sum`` format."""
    return "".join(f"{key}  {photo_name(key)}\n" for key in keys).encode()


def read_photo_list(listing: Path, manifest: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for number, line in enumerate(listing.read_text(encoding="ascii").splitlines(), 1):
        match = _LIST_LINE.fullmatch(line)
        if match is None or _PHOTO_NAME.fullmatch(match[2]) is None \
                or match[2] != photo_name(match[1]):
            raise BackupError(f"{PHOTO_LIST} line {number} is not a photo entry")
        keys.append(match[1])
    if len(keys) != manifest["photos"].get("files"):
        raise BackupError(f"{PHOTO_LIST} lists {len(keys)} photos, the manifest "
                          f"{manifest['photos'].get('files')}")
    return keys
