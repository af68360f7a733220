"""The photo store: content-addressed photos behind one interface (`PhotoStore`), with two
backends, the local folder here (`LocalPhotoStore`) and S3-compatible object storage
(`checkin.photos.s3.S3PhotoStore`). The app builds its store once (`checkin.photos.stores`);
nothing outside the store knows where or how the bytes are kept.

The local folder: the key is the SHA-256 of the bytes, writes are atomic.

Layout: ``root/ab/cd/abcd...(64 hex).jpg``. A write goes to a temporary file in the target
directory, is fsync'ed, then ``os.replace``'d into place and the directory fsync'ed, so a
reader sees either no file or the whole file, also after a crash. Writing the same bytes
twice writes nothing but refreshes the file's modification time (the file is in use again:
see ``delete_unused``); a file whose content no longer matches its name (bit rot, tampering)
is rewritten by the next ``put`` of the right bytes and reported by ``verify``.

Deleting a file some row may name (the orphan sweep, the retention purge) goes through
``delete_unused``, which closes the race with an upload of the same bytes: the file is first
renamed aside (atomically: a ``put`` from then on writes a new file), then its age and
whether the database names it are looked at, in that order, and only a file both old and
unused is deleted; anything else is put back.

Keys are validated (exactly 64 lowercase hex digits) before any path is built, so no key
can reach outside ``root``.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Final, Protocol

_KEY_RE: Final = re.compile(r"[0-9a-f]{64}")
_SUFFIX: Final = ".jpg"
_TMP_PREFIX: Final = ".tmp-"
_ASIDE_PREFIX: Final = ".aside-"  # a file renamed aside by delete_unused: .aside-<key>-<rand>
_CHUNK: Final = 1 << 20


class InvalidKey(ValueError):
    """A key that is not 64 lowercase hex digits (never turned into a path)."""


def check_key(key: str) -> str:
    """`key` if it is 64 lowercase hex digits; InvalidKey otherwise."""
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise InvalidKey(f"invalid photo key: {key!r}")
    return key


_check_key = check_key


def key_for(data: bytes) -> str:
    """The key of `data`: its SHA-256 in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


class PhotoStore(Protocol):
    """Photos named by the SHA-256 of their bytes. Every backend keeps these promises:

    - ``put`` is idempotent and conditional (bytes already stored are not written again)
      and atomic (a reader sees no object or the whole object); it refreshes the time of
      the last put, which is the age ``delete_unused`` looks at.
    - ``iter_keys`` lists keys in ascending order, in bounded memory, from ``start_after``.
    - ``delete_unused`` deletes only a key not put within the grace and named by no row
      after a fresh look at the database, and never loses an acknowledged upload of the
      same bytes (README, "Photos on disk")."""

    def describe(self) -> str:
        """Where the photos are, for messages (no credentials)."""
        ...

    def put(self, data: bytes) -> str:
        """Store `data` (if absent) and return its key."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None:
        """The stored object's size in bytes; None if absent."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A stream of the stored bytes (close it); FileNotFoundError if absent."""
        ...

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        """``open`` and the size of what it will read, in one request."""
        ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> bool:
        """Remove `key` unconditionally (restore's clean-up); False if absent."""
        ...

    def check_writable(self) -> None:
        """Raise OSError unless a write to the store succeeds now (the health check)."""
        ...

    def delete_unused(self, key: str, in_use: Callable[[str], bool],
                      older_than_s: float) -> bool: ...

    def put_back_aside(self, in_use: Callable[[str], bool] | None = None,
                       older_than_s: float = 60.0) -> int:
        """Settle what an interrupted ``delete_unused`` left aside; returns how many."""
        ...

    def verify(self, key: str) -> bool:
        """The object exists and hashes to its key."""
        ...

    def iter_keys(self, start_after: str | None = None) -> Iterator[str]: ...

    def sweep_temporary(self, older_than_s: float = 3600.0) -> int: ...


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LocalPhotoStore:
    """Files under ``root`` named by the SHA-256 of their content."""

    def __init__(self, root: Path | str, *, file_mode: int = 0o644) -> None:
        self.root = Path(root)
        self.file_mode = file_mode

    @staticmethod
    def key_for(data: bytes) -> str:
        """The key ``put(data)`` would return."""
        return key_for(data)

    def describe(self) -> str:
        return f"the photo directory {self.root}"

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def path(self, key: str) -> Path:
        """Where the file for ``key`` lives (whether or not it exists)."""
        _check_key(key)
        return self.root / key[:2] / key[2:4] / f"{key}{_SUFFIX}"

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its key; idempotent and atomic.

        Bytes already stored are not written again, but the file's modification time is set
        to now: the age ``delete_unused`` looks at is the time of the last ``put``. If the
        file is renamed aside between the check and the refresh, it is written anew."""
        key = self.key_for(data)
        target = self.path(key)
        if target.is_file() and self._matches(target, key, len(data)):
            try:
                os.utime(target)
                return key
            except FileNotFoundError:
                pass  # taken aside by delete_unused just now: write it again
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".part", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fchmod(fh.fileno(), self.file_mode)
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return key

    def exists(self, key: str) -> bool:
        """Whether a file for ``key`` is stored (content not checked; see ``verify``)."""
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        """The stored file opened for binary reading; FileNotFoundError if absent."""
        return self.path(key).open("rb")

    def stream(self, key: str) -> tuple[BinaryIO, int]:
        fh = self.open(key)
        return fh, os.fstat(fh.fileno()).st_size

    def read(self, key: str) -> bytes:
        """The stored bytes; FileNotFoundError if absent."""
        return self.path(key).read_bytes()

    def delete(self, key: str) -> bool:
        """Remove the file for ``key``; False if there was none."""
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def check_writable(self) -> None:
        """Write and remove a small temporary file under ``root``; OSError if that fails
        (a leftover is a temporary file ``sweep_temporary`` removes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".health", dir=self.root)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)

    def age_s(self, key: str) -> float | None:
        """Seconds since the last ``put`` of ``key``; None if there is no file."""
        try:
            return time.time() - self.path(key).stat().st_mtime
        except FileNotFoundError:
            return None

    def delete_unused(self, key: str, in_use: Callable[[str], bool],
                      older_than_s: float) -> bool:
        """Delete the file for ``key`` only if no ``put`` of it happened in the last
        ``older_than_s`` seconds and then ``in_use(key)`` (a fresh look at the database)
        says no row names it; True if the key has no file any more.

        Why this is safe against an upload of the same bytes, which puts its files, then
        commits its rows within ``older_than_s`` (longer than any request may take): the
        file is renamed aside first, atomically. A ``put`` after the rename finds no file
        and writes a new one, which this call never touches. A ``put`` before the rename
        refreshed the modification time of the very file now aside: if that was less than
        ``older_than_s`` ago the file is put back; if it was longer ago, the upload has
        committed already, and ``in_use``, asked after that, sees its row. Either way
        the file is put back (a hard link: never over a file a ``put`` wrote meanwhile).
        """
        path = self.path(key)
        age = self.age_s(key)
        if age is None or age < older_than_s:
            return False  # cheap first look; the decision is made on the file aside
        aside = path.with_name(f"{_ASIDE_PREFIX}{key}-{secrets.token_hex(4)}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        try:
            fresh = time.time() - aside.stat().st_mtime < older_than_s
            if fresh or in_use(key):
                self._put_back(aside, path)
                return False
        except BaseException:
            self._put_back(aside, path)
            raise
        try:
            aside.unlink()
        except FileNotFoundError:
            return False  # put back by put_back_aside meanwhile
        _fsync_dir(path.parent)
        return not path.exists()  # a put after the rename wrote a file of its own

    @staticmethod
    def _put_back(aside: Path, path: Path) -> None:
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # a put wrote the same bytes meanwhile
        except FileNotFoundError:
            return  # put back by put_back_aside already
        aside.unlink(missing_ok=True)
        _fsync_dir(path.parent)

    def put_back_aside(self, in_use: Callable[[str], bool] | None = None,
                       older_than_s: float = 60.0) -> int:
        """Files a crashed ``delete_unused`` left aside, put back whatever ``in_use`` says
        (never lost: the next sweep decides again); returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        restored = 0
        for aside in self.root.glob(f"??/??/{_ASIDE_PREFIX}*"):
            key = aside.name[len(_ASIDE_PREFIX):].split("-", 1)[0]
            try:
                if _KEY_RE.fullmatch(key) is None or aside.lstat().st_ctime >= cutoff:
                    continue
                self._put_back(aside, self.path(key))
                restored += 1
            except FileNotFoundError:
                continue
        return restored

    def verify(self, key: str) -> bool:
        """True if the file for ``key`` exists and its content hashes to ``key``."""
        path = self.path(key)
        return path.is_file() and self._matches(path, key, None)

    def iter_keys(self, start_after: str | None = None) -> Iterator[str]:
        """Keys of all stored files (temporary files and strays are skipped), sorted, those
        after ``start_after`` only; one directory (1/65,536 of the keys) in memory at once."""
        if not self.root.is_dir():
            return
        after = start_after or ""
        for first in sorted(self.root.iterdir()):
            if not (first.is_dir() and len(first.name) == 2) or first.name < after[:2]:
                continue
            for second in sorted(first.iterdir()):
                if not (second.is_dir() and len(second.name) == 2) \
                        or first.name + second.name < after[:4]:
                    continue
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if not name.endswith(_SUFFIX):
                        continue
                    key = name[: -len(_SUFFIX)]
                    if (
                        _KEY_RE.fullmatch(key)
                        and key > after
                        and key[:2] == first.name
                        and key[2:4] == second.name
                        and entry.is_file()
                    ):
                        yield key

    def sweep_temporary(self, older_than_s: float = 3600.0) -> int:
        """Remove temporary files a crashed ``put`` left behind; returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for tmp in self.root.glob(f"??/??/{_TMP_PREFIX}*"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    @staticmethod
    def _matches(path: Path, key: str, size: int | None) -> bool:
        try:
            if size is not None and path.stat().st_size != size:
                return False
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
        except OSError:
            return False
        return digest.hexdigest() == key
