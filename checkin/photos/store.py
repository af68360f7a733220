"""Content-addressed photo files on disk: the key is the SHA-256 of the bytes, writes are atomic.

Layout: ``root/ab/cd/abcd...(64 hex).jpg``. A write goes to a temporary file in the target
directory, is fsync'ed, then ``os.replace``'d into place and the directory fsync'ed, so a
reader sees either no file or the whole file, also after a crash. Writing the same bytes
twice is a no-op; a file whose content no longer matches its name (bit rot, tampering) is
rewritten by the next ``put`` of the right bytes and reported by ``verify``.

Keys are validated (exactly 64 lowercase hex digits) before any path is built, so no key
can reach outside ``root``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

_KEY_RE: Final = re.compile(r"[0-9a-f]{64}")
_SUFFIX: Final = ".jpg"
_TMP_PREFIX: Final = ".tmp-"
_CHUNK: Final = 1 << 20


class InvalidKey(ValueError):
    """A key that is not 64 lowercase hex digits (never turned into a path)."""


def _check_key(key: str) -> str:
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise InvalidKey(f"invalid photo key: {key!r}")
    return key


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


class PhotoStore:
    """Files under ``root`` named by the SHA-256 of their content."""

    def __init__(self, root: Path | str, *, file_mode: int = 0o644) -> None:
        self.root = Path(root)
        self.file_mode = file_mode

    @staticmethod
    def key_for(data: bytes) -> str:
        """The key ``put(data)`` would return."""
        return hashlib.sha256(data).hexdigest()

    def path(self, key: str) -> Path:
        """Where the file for ``key`` lives (whether or not it exists)."""
        _check_key(key)
        return self.root / key[:2] / key[2:4] / f"{key}{_SUFFIX}"

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its key; idempotent and atomic."""
        key = self.key_for(data)
        target = self.path(key)
        if target.is_file() and self._matches(target, key, len(data)):
            return key
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

    def verify(self, key: str) -> bool:
        """True if the file for ``key`` exists and its content hashes to ``key``."""
        path = self.path(key)
        return path.is_file() and self._matches(path, key, None)

    def iter_keys(self) -> Iterator[str]:
        """Keys of all stored files (temporary files and strays are skipped), sorted."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not (first.is_dir() and len(first.name) == 2):
                continue
            for second in sorted(first.iterdir()):
                if not (second.is_dir() and len(second.name) == 2):
                    continue
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if not name.endswith(_SUFFIX):
                        continue
                    key = name[: -len(_SUFFIX)]
                    if (
                        _KEY_RE.fullmatch(key)
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
