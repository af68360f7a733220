"""check-integrity and remove-orphan-photos against a real photo store, on both backends."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date

import pytest
from flask import Flask

from checkin.ops.integrity import in_todays_share, side_by_side
from checkin.photos.s3 import S3PhotoStore
from checkin.photos.store import LocalPhotoStore, PhotoStore
from checkin.photos.stores import photo_store
from checkin.platform import clock


@pytest.fixture
def app(photo_app: Flask) -> Flask:
    return photo_app


def _overwrite(store: PhotoStore, key: str, data: bytes) -> None:
    if isinstance(store, LocalPhotoStore):
        store.path(key).write_bytes(data)
    else:
        assert isinstance(store, S3PhotoStore)
        store.client.put_object(Bucket=store.bucket, Key=store.name(key), Body=data)


def test_integrity_reports_and_orphans_are_removed(app: Flask, world) -> None:
    store = photo_store(app)
    if not isinstance(store, LocalPhotoStore):
        pytest.skip("an S3 object cannot be backdated past the 300 s minimum grace; the age "
                    "rule on S3 is tested in tests/photos/test_photo_store.py")
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["check-integrity"])
    assert clean.exit_code == 0, clean.output
    assert "orphan files: 0" in clean.output and "rows without files: 0" in clean.output
    orphan = store.put(b"not referenced by any row")
    old = time.time() - 7200
    os.utime(store.path(orphan), (old, old))
    fresh = store.put(b"an upload in flight")
    report = runner.invoke(args=["check-integrity"])
    assert report.exit_code == 0 and "orphan files: 2" in report.output
    removed = runner.invoke(args=["remove-orphan-photos"])
    assert "removed 1 file(s)" in removed.output
    assert not store.exists(orphan) and store.exists(fresh)


def test_orphans_are_counted_and_fresh_ones_kept_on_every_store(app: Flask, world) -> None:
    store = photo_store(app)
    runner = app.test_cli_runner()
    fresh = store.put(b"an upload in flight")
    report = runner.invoke(args=["check-integrity"])
    assert report.exit_code == 0 and "orphan files: 1" in report.output, report.output
    removed = runner.invoke(args=["remove-orphan-photos"])
    assert removed.exit_code == 0 and "removed 0 file(s)" in removed.output, removed.output
    assert store.exists(fresh)


def test_a_changed_or_missing_file_is_reported(app: Flask, world) -> None:
    """`--all` hashes every photo (the default hashes today's share: see below)."""
    store = photo_store(app)
    [key] = list(store.iter_keys())
    _overwrite(store, key, b"tampered")
    report = app.test_cli_runner().invoke(args=["check-integrity", "--all"])
    assert report.exit_code == 1
    assert "no longer matches its hash: 1" in report.output
    store.delete(key)
    report = app.test_cli_runner().invoke(args=["check-integrity", "--all"])
    assert "rows without files: 1" in report.output


def test_a_changed_file_is_found_on_its_day(app: Flask, world) -> None:
    """The default run hashes the keys of today's share only; a missing file is found by
    every run (the listing is compared whole)."""
    store = photo_store(app)
    [key] = list(store.iter_keys())
    _overwrite(store, key, b"tampered")
    days = app.config["INTEGRITY_VERIFY_DAYS"]
    report = app.test_cli_runner().invoke(args=["check-integrity"])
    with app.app_context():
        ours = in_todays_share(key, clock.today(), days)
    assert ("no longer matches its hash: 1" in report.output) is ours, report.output
    assert f"hashed today: {int(ours)} of 1 stored (1/{days})" in report.output


def test_the_rolling_share_covers_every_key_once_in_its_days() -> None:
    keys = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(3000)]
    start = date(2026, 1, 1)
    days = [sum(in_todays_share(k, date.fromordinal(start.toordinal() + d), 30)
                for k in keys) for d in range(30)]
    assert sum(days) == len(keys)  # each key on exactly one day of 30
    assert max(days) < 3 * len(keys) / 30  # spread over the days
    assert all(in_todays_share(k, start, 1) for k in keys)


def test_the_walk_compares_two_sorted_streams() -> None:
    named = iter(["a1", "b2", "c3", "e5"])
    stored = iter(["b2", "c3", "d4", "f6"])
    assert list(side_by_side(named, stored)) == [
        ("a1", True, False), ("b2", True, True), ("c3", True, True), ("d4", False, True),
        ("e5", True, False), ("f6", False, True)]
