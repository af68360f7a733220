"""PhotoStore: content addressing, atomic and idempotent writes, tamper checks, safe keys."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest

from checkin.photos import InvalidKey, LocalPhotoStore, PhotoStore
from checkin.photos.s3 import S3PhotoStore
from tests.s3_server import BUCKET

DATA = b"\xff\xd8\xff\xe0 pretend jpeg bytes \xff\xd9"
KEY = hashlib.sha256(DATA).hexdigest()


def test_put_returns_the_sha256_and_lays_out_two_levels(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    key = store.put(DATA)
    assert key == KEY == LocalPhotoStore.key_for(DATA)
    path = store.path(key)
    assert path == tmp_path / key[:2] / key[2:4] / f"{key}.jpg"
    assert path.read_bytes() == DATA
    assert store.read(key) == DATA
    with store.open(key) as fh:
        assert fh.read() == DATA
    assert store.exists(key) and store.verify(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_put_is_idempotent_and_does_not_rewrite(tmp_path: Path) -> None:
    """The same file (inode), but its modification time says it was just put again: the
    sweeps keep a file put within their grace period (see test_photo_race.py)."""
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    os.utime(store.path(KEY), (1_000_000_000, 1_000_000_000))
    before = store.path(KEY).stat()
    assert store.put(DATA) == KEY
    after = store.path(KEY).stat()
    assert before.st_ino == after.st_ino
    assert after.st_mtime > time.time() - 60 > before.st_mtime
    assert list(store.iter_keys()) == [KEY]


def test_put_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    for i in range(20):
        store.put(DATA + bytes([i]))
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".jpg")]
    assert leftovers == []


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalPhotoStore(tmp_path)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(DATA)
    assert not store.exists(KEY)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    """The file appears by rename: while a big put runs, the key is absent or complete."""
    store = LocalPhotoStore(tmp_path)
    big = os.urandom(8 << 20)
    key = LocalPhotoStore.key_for(big)
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        path = store.path(key)
        while not done.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.append(len(path.read_bytes()))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        store.put(big)
        deadline = time.monotonic() + 5
        while len(big) not in seen and time.monotonic() < deadline:
            time.sleep(0.001)
    finally:
        done.set()
        watcher.join()
    assert len(big) in seen
    assert all(size == len(big) for size in seen)


def test_concurrent_puts_of_the_same_bytes(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    data = os.urandom(1 << 20)
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(store.put(data))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(keys) == {LocalPhotoStore.key_for(data)}
    assert store.verify(keys[0])
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{keys[0]}.jpg"]


def test_verify_detects_tampering_and_put_repairs(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    path = store.path(KEY)
    path.write_bytes(DATA.replace(b"pretend", b"PRETEND"))  # same size, other content
    assert store.exists(KEY)
    assert not store.verify(KEY)
    assert store.put(DATA) == KEY  # the right bytes again: rewritten
    assert store.verify(KEY) and store.read(KEY) == DATA
    path.write_bytes(b"")
    assert not store.verify(KEY)


def test_missing_keys(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    assert not store.exists(KEY)
    assert not store.verify(KEY)
    assert store.delete(KEY) is False
    with pytest.raises(FileNotFoundError):
        store.read(KEY)
    with pytest.raises(FileNotFoundError):
        store.open(KEY)
    assert list(store.iter_keys()) == []
    assert list(LocalPhotoStore(tmp_path / "nowhere").iter_keys()) == []


def test_delete(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    assert store.delete(KEY) is True
    assert not store.exists(KEY)
    assert store.delete(KEY) is False


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "../" + KEY[3:],
        KEY[:2] + "/" + KEY[3:],
        KEY.upper(),
        KEY[:-1],
        KEY + "0",
        KEY[:-1] + "g",
        KEY[:-1] + "\x00",
        "/" + KEY[1:],
        "",
        f"{KEY}.jpg",
        " " + KEY[1:],
    ],
)
def test_keys_that_are_not_64_lowercase_hex_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalPhotoStore(tmp_path)
    for operation in (store.path, store.exists, store.read, store.open, store.delete, store.verify):
        with pytest.raises(InvalidKey):
            operation(key)
    assert isinstance(InvalidKey("x"), ValueError)


def test_non_string_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidKey):
        LocalPhotoStore(tmp_path).path(123)  # type: ignore[arg-type]


def test_iter_keys_skips_strays_and_temporaries(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    keys = sorted(store.put(DATA + bytes([i])) for i in range(5))
    k = keys[0]
    (tmp_path / k[:2] / k[2:4] / ".tmp-abc.part").write_bytes(b"half")
    (tmp_path / k[:2] / k[2:4] / "notes.txt").write_text("stray")
    (tmp_path / "zz").mkdir()
    (tmp_path / "README").write_text("stray")
    misplaced = tmp_path / "00" / "00"
    misplaced.mkdir(parents=True)
    (misplaced / f"{keys[1]}.jpg").write_bytes(b"x")  # right name, wrong folder
    assert list(store.iter_keys()) == keys


def test_sweep_temporary_removes_only_old_leftovers(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    folder = store.path(KEY).parent
    old, fresh = folder / ".tmp-old.part", folder / ".tmp-new.part"
    old.write_bytes(b"crashed")
    fresh.write_bytes(b"in progress")
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert store.sweep_temporary(older_than_s=3600) == 1
    assert not old.exists() and fresh.exists() and store.verify(KEY)


def _age(store: LocalPhotoStore, key: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(store.path(key), (then, then))


def test_delete_unused_deletes_only_old_unused_files(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    assert not store.delete_unused(KEY, lambda key: False, 3600)  # put just now
    _age(store, KEY, 7200)
    assert not store.delete_unused(KEY, lambda key: True, 3600)  # a row names it
    assert store.verify(KEY)
    assert store.delete_unused(KEY, lambda key: False, 3600)
    assert not store.exists(KEY) and list(tmp_path.rglob("*.jpg*")) == []
    assert not store.delete_unused(KEY, lambda key: False, 3600)  # nothing there


def test_a_put_while_the_sweep_decides_is_never_lost(tmp_path: Path) -> None:
    """The upload puts the same bytes at the worst moment: after the sweep's first look,
    before the database is asked (and its row is not committed yet)."""
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)
    _age(store, KEY, 7200)

    def upload_in_flight(key: str) -> bool:
        assert store.put(DATA) == key
        return False  # its row is not committed yet

    assert not store.delete_unused(KEY, upload_in_flight, 3600)
    assert store.verify(KEY)


def test_a_file_a_crashed_sweep_left_aside_is_put_back(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path)
    store.put(DATA)

    def crash(key: str) -> bool:
        os.link(next(tmp_path.glob("??/??/.aside-*")), tmp_path / "kept")
        raise KeyboardInterrupt

    _age(store, KEY, 7200)
    with pytest.raises(KeyboardInterrupt):
        store.delete_unused(KEY, crash, 3600)
    assert store.verify(KEY)  # put back on the way out
    os.rename(tmp_path / "kept", store.path(KEY).with_name(f".aside-{KEY}-dead"))
    os.unlink(store.path(KEY))
    assert store.put_back_aside(older_than_s=0) == 1
    assert store.verify(KEY) and list(tmp_path.glob("??/??/.aside-*")) == []


# --- Every backend: the promises of the PhotoStore interface --------------------------------

@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    """The local folder, then a fresh prefix in a bucket of the real S3 server."""
    if request.param == "local":
        return LocalPhotoStore(tmp_path / "photos")
    server = request.getfixturevalue("s3_server")
    return S3PhotoStore(BUCKET, f"unit/{uuid.uuid4().hex}",
                        endpoint_url=server.endpoint_url)


def _overwrite(store: PhotoStore, key: str, data: bytes) -> None:
    """What bit rot or tampering does to the stored bytes, behind the store's back."""
    if isinstance(store, LocalPhotoStore):
        store.path(key).write_bytes(data)
    else:
        assert isinstance(store, S3PhotoStore)
        store.client.put_object(Bucket=store.bucket, Key=store.name(key), Body=data)


def test_every_store_keeps_and_streams_by_content(store: PhotoStore) -> None:
    assert store.put(DATA) == KEY
    assert store.exists(KEY) and store.verify(KEY) and store.size(KEY) == len(DATA)
    assert store.read(KEY) == DATA
    stream, size = store.stream(KEY)
    with stream:
        assert size == len(DATA) and stream.read(5) + stream.read() == DATA
    with store.open(KEY) as fh:
        assert fh.read() == DATA
    assert list(store.iter_keys()) == [KEY]
    assert store.delete(KEY) is True and store.delete(KEY) is False
    assert not store.exists(KEY) and store.size(KEY) is None and not store.verify(KEY)
    with pytest.raises(FileNotFoundError):
        store.read(KEY)
    with pytest.raises(FileNotFoundError):
        store.stream(KEY)
    store.check_writable()
    assert list(store.iter_keys()) == []  # the health probe leaves nothing


def test_every_store_lists_in_key_order_from_a_point(store: PhotoStore) -> None:
    keys = sorted(store.put(DATA + bytes([i])) for i in range(12))
    assert list(store.iter_keys()) == keys
    assert list(store.iter_keys(start_after=keys[4])) == keys[5:]
    assert list(store.iter_keys(start_after=keys[-1])) == []
    assert list(store.iter_keys(start_after="0" * 64)) == keys


def test_every_store_refuses_bad_keys(store: PhotoStore) -> None:
    for key in ("../../etc/passwd", KEY.upper(), KEY[:-1], f"{KEY}.jpg", ""):
        for operation in (store.exists, store.read, store.open, store.delete, store.verify,
                          store.size):
            with pytest.raises(InvalidKey):
                operation(key)


def test_every_store_detects_tampering_and_a_put_repairs(store: PhotoStore) -> None:
    store.put(DATA)
    _overwrite(store, KEY, DATA.replace(b"pretend", b"PRETEND"))  # same size
    assert store.exists(KEY) and not store.verify(KEY)
    assert store.put(DATA) == KEY
    assert store.verify(KEY) and store.read(KEY) == DATA


def test_every_store_takes_concurrent_puts_of_the_same_bytes(store: PhotoStore) -> None:
    data = os.urandom(256 << 10)
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(store.put(data))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(keys) == {LocalPhotoStore.key_for(data)} and len(keys) == 6
    assert store.verify(keys[0]) and list(store.iter_keys()) == [keys[0]]


def test_every_store_deletes_only_what_is_old_and_unused(store: PhotoStore) -> None:
    store.put(DATA)
    assert not store.delete_unused(KEY, lambda key: False, 3600)  # put just now
    time.sleep(2.2)  # S3's LastModified counts whole seconds
    assert not store.delete_unused(KEY, lambda key: True, 1)  # a row names it
    assert store.verify(KEY)
    assert store.delete_unused(KEY, lambda key: False, 1)
    assert not store.exists(KEY) and list(store.iter_keys()) == []
    assert not store.delete_unused(KEY, lambda key: False, 1)  # nothing there


def test_every_store_counts_age_from_the_last_put(store: PhotoStore) -> None:
    store.put(DATA)
    time.sleep(2.2)
    assert store.put(DATA) == KEY  # an upload of the same bytes, its row not committed yet
    assert not store.delete_unused(KEY, lambda key: False, 1.5)
    assert store.verify(KEY)


def test_every_store_keeps_a_put_made_while_the_sweep_asks_the_database(
        store: PhotoStore) -> None:
    store.put(DATA)
    time.sleep(2.2)

    def upload_in_flight(key: str) -> bool:
        assert store.put(DATA) == key
        return False  # its row is not committed yet

    assert not store.delete_unused(KEY, upload_in_flight, 1.5)
    assert store.verify(KEY)


def test_s3_a_deleted_key_a_row_names_later_is_put_back(tmp_path: Path, s3_server) -> None:
    """The one moment delete_unused cannot see (a put between its last look and the
    delete): the bytes were copied aside first, and the next sweep puts back every aside key
    a row names by then, and only then drops the copy."""
    store = S3PhotoStore(BUCKET, f"unit/{uuid.uuid4().hex}",
                         endpoint_url=s3_server.endpoint_url)
    store.put(DATA)
    other = store.put(DATA + b"other")
    time.sleep(2.2)
    assert store.delete_unused(KEY, lambda key: False, 1)
    assert store.delete_unused(other, lambda key: False, 1)
    assert not store.exists(KEY) and list(store.iter_keys()) == []
    assert store.put_back_aside(lambda key: False, older_than_s=3600) == 0  # too young
    # now a row names KEY (the upload that put it in that moment has committed)
    assert store.put_back_aside(lambda key: key == KEY, older_than_s=0) == 1
    assert store.verify(KEY) and not store.exists(other)
    assert store.put_back_aside(lambda key: True, older_than_s=0) == 0  # copies are gone


def test_every_store_loses_no_committed_upload_to_a_concurrent_sweep(
        store: PhotoStore) -> None:
    """Leftovers older than the grace; uploads of half of them again, each "committed"
    (named by a row) right after its put, while a sweep loops over the listing. Every
    committed key is there at the end (after the sweep's own settling of what it set
    aside), and the sweep did delete the other half."""
    grace = 3.0
    leftovers = [os.urandom(48) + bytes([i]) for i in range(30)]
    keys = [store.put(data) for data in leftovers]
    time.sleep(grace + 1.2)
    committed: set[str] = set()
    lock = threading.Lock()

    def in_use(key: str) -> bool:
        with lock:
            return key in committed

    stop = threading.Event()
    passes = [0]

    def sweep() -> None:
        while not stop.is_set():
            store.put_back_aside(in_use, older_than_s=grace)
            for key in list(store.iter_keys()):
                store.delete_unused(key, in_use, grace)
            passes[0] += 1

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    try:
        for data in leftovers[::2]:
            key = store.put(data)  # the upload's files, then its row
            with lock:
                committed.add(key)
            time.sleep(0.02)
        time.sleep(0.5)
    finally:
        stop.set()
        sweeper.join()
    store.put_back_aside(in_use, older_than_s=0)
    assert passes[0] > 0
    assert sorted(k for k in committed if not store.exists(k)) == []
    assert not any(store.exists(k) for k in keys[1::2])


def test_s3_a_store_at_the_bucket_root(s3_server) -> None:
    """No prefix: the objects at the top of the bucket (here a bucket of its own)."""
    client = S3PhotoStore(BUCKET, "", endpoint_url=s3_server.endpoint_url).client
    bucket = f"root-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    store = S3PhotoStore(bucket, "", endpoint_url=s3_server.endpoint_url)
    keys = sorted(store.put(DATA + bytes([i])) for i in range(3))
    assert store.describe() == f"the bucket s3://{bucket}/"
    assert list(store.iter_keys()) == keys and list(store.iter_keys(keys[0])) == keys[1:]
