"""check-integrity and remove-orphan-photos against a real photo store."""

from __future__ import annotations

import os
import time

from flask import Flask

from checkin.photos.stores import photo_store


def test_integrity_reports_and_orphans_are_removed(app: Flask, world) -> None:
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["check-integrity"])
    assert clean.exit_code == 0, clean.output
    assert "orphan files: 0" in clean.output and "rows without files: 0" in clean.output
    store = photo_store(app)
    orphan = store.put(b"not referenced by any row")
    old = time.time() - 7200
    os.utime(store.path(orphan), (old, old))
    fresh = store.put(b"an upload in flight")
    report = runner.invoke(args=["check-integrity"])
    assert report.exit_code == 0 and "orphan files: 2" in report.output
    removed = runner.invoke(args=["remove-orphan-photos"])
    assert "removed 1 file(s)" in removed.output
    assert not store.exists(orphan) and store.exists(fresh)


def test_a_changed_or_missing_file_is_reported(app: Flask, world) -> None:
    store = photo_store(app)
    [key] = list(store.iter_keys())
    path = store.path(key)
    path.write_bytes(b"tampered")
    report = app.test_cli_runner().invoke(args=["check-integrity"])
    assert report.exit_code == 1
    assert "no longer matches its hash: 1" in report.output
    path.unlink()
    report = app.test_cli_runner().invoke(args=["check-integrity"])
    assert "rows without files: 1" in report.output
