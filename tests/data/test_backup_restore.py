"""backup and restore: a round trip keeps every row of every table and every photo file,
on SQLite and PostgreSQL and from one to the other; a backup taken while the service
writes is consistent; restore refuses non-empty targets and damaged backups."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from checkin import create_app, db
from checkin.db import Base
from checkin.models import Photo, Visit
from checkin.ops import integrity
from checkin.ops.backup import read_manifest
from checkin.photos.stores import photo_store
from checkin.platform import clock
from config import TestConfig
from tests.conftest import _drop_postgres_database, _postgres_database

_numbers = itertools.count()


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (seed % 256, (seed * 7) % 256, (seed * 13) % 256)).save(
        out, "JPEG")
    return out.getvalue()


def _add_visit(app: Flask, world, photo_seeds: list[int], visit_id: str | None = None,
               corrects: str | None = None) -> str:
    """A visit of cadre A with photos written the way the service writes them: the files
    first, then the rows, committed together."""
    with app.app_context():
        s = db.session()
        store = photo_store(app)
        household = s.scalars(select(Visit.household_id)
                              .where(Visit.user_id == world["cadre_a"])).first()
        now = clock.now()
        visit = Visit(id=visit_id or str(uuid.uuid4()), user_id=world["cadre_a"],
                      household_id=household, village_id=world["va"], kind="visit",
                      purposes="care,policy", note="写在走访里 ✓", lat=30.8512345678,
                      lon=116.3601234567, accuracy_m=7.25, recorded_at=now,
                      received_at=now, local_day=clock.local_day(now), distance_m=12.5,
                      flags="far_from_household", reasons=[{"code": "x", "params": {"m": 1.5}}],
                      queued=True, digest="d" * 64, corrects_id=corrects,
                      correction_reason="typo" if corrects else None)
        s.add(visit)
        s.flush()
        for seed in photo_seeds:
            key = store.put(_jpeg(seed))
            thumb = store.put(_jpeg(seed + 100_000))
            s.add(Photo(visit_id=visit.id, county_id=world["county"], sha256=key,
                        thumb_sha256=thumb, width=32, height=24, original_format="HEIF",
                        original_width=4032, original_height=3024, taken_at=now,
                        exif_lat=30.85, exif_lon=116.36, camera="Phone 1", phash=-(2**62),
                        band0=1, band1=65535, band2=0, band3=7, flags="old_photo"))
        s.commit()
        return visit.id


@pytest.fixture
def rich_world(app: Flask, world):
    """The world plus visits with several photos, a correction whose id sorts before the
    visit it corrects, and a file no row names."""
    original = _add_visit(app, world, [1, 2, 3], visit_id="ffffffff-0000-4000-8000-000000000001")
    _add_visit(app, world, [4], visit_id="00000000-0000-4000-8000-000000000002",
               corrects=original)
    photo_store(app).put(b"an orphan: an upload that never committed")
    return world


@pytest.fixture
def make_target(app: Flask, tmp_path: Path) -> Iterator[Callable[[str], Flask]]:
    """Apps on fresh, empty databases (of either kind) with empty photo directories."""
    made: list[tuple[Flask, str | None]] = []

    def make(dialect: str) -> Flask:
        n = next(_numbers)
        if dialect == "sqlite":
            url, name = f"sqlite:///{tmp_path / f'restored{n}.db'}", None
        else:
            name = f"checkin_restore_{os.getpid()}_{n}"
            url = _postgres_database(name)
            if url is None:
                pytest.skip("PostgreSQL is not reachable")

        class Config(TestConfig):
            DATABASE_URL = url
            PHOTO_DIR = str(tmp_path / f"restored-photos{n}")

        target = create_app(Config)
        made.append((target, name))
        return target

    yield make
    for target, name in made:
        target.extensions["checkin_engine"].dispose()
        if name:
            _drop_postgres_database(name)


def _dialect(app: Flask) -> str:
    return make_url(app.config["DATABASE_URL"]).get_backend_name()


def _contents(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    engine = app.extensions["checkin_engine"]
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def _photos(app: Flask) -> dict[str, str]:
    """Every photo file: its key and the SHA-256 of its bytes."""
    store = photo_store(app)
    return {key: hashlib.sha256(store.read(key)).hexdigest() for key in store.iter_keys()}


def _backup(app: Flask, dest: Path, *extra: str) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["backup", *extra, str(dest)])
    assert result.exit_code == 0, result.output
    return read_manifest(dest)


def _restore(target: Flask, src: Path, *extra: str) -> Any:
    return target.test_cli_runner().invoke(args=["restore", *extra, str(src)])


def _assert_same(source: Flask, target: Flask) -> None:
    before, after = _contents(source), _contents(target)
    assert sum(map(len, before.values())) > 50
    for table, rows in before.items():
        assert after[table] == rows, table
    photos = _photos(source)
    assert len(photos) >= 9  # world's shared photo, 4 photos and 4 thumbnails, an orphan
    assert _photos(target) == photos
    assert all(key == digest for key, digest in photos.items())


@pytest.mark.parametrize(("fmt", "layout"), [("auto", "x.tar"), ("portable", "x-dir")])
def test_round_trip_keeps_every_row_and_photo(app: Flask, rich_world, make_target,
                                              tmp_path: Path, fmt: str, layout: str) -> None:
    dest = tmp_path / layout
    manifest = _backup(app, dest, "--format", fmt)
    assert manifest["database"]["kind"] == (
        "jsonl" if fmt == "portable" else {"sqlite": "sqlite",
                                           "postgresql": "pg_dump"}[_dialect(app)])
    target = make_target(_dialect(app))
    restored = _restore(target, dest)
    assert restored.exit_code == 0, restored.output
    _assert_same(app, target)
    # The restored service works: the store and the rows agree, new rows get new ids.
    with target.app_context():
        assert integrity.check(db.session(), photo_store(target)).intact
    _add_visit(target, rich_world, [99])


@pytest.mark.parametrize("fmt", ["auto", "portable"])
def test_round_trip_into_the_other_database(app: Flask, rich_world, make_target,
                                            tmp_path: Path, fmt: str) -> None:
    dest = tmp_path / "cross.tar"
    manifest = _backup(app, dest, "--format", fmt)
    other = "postgresql" if _dialect(app) == "sqlite" else "sqlite"
    target = make_target(other)
    restored = _restore(target, dest)
    if manifest["database"]["kind"] == "pg_dump":
        assert restored.exit_code != 0
        assert "restores into PostgreSQL only" in restored.output
        return
    assert restored.exit_code == 0, restored.output
    _assert_same(app, target)
    _add_visit(target, rich_world, [98])


def test_the_manifest_describes_the_backup(app: Flask, rich_world, tmp_path: Path) -> None:
    dest = tmp_path / "described"
    manifest = _backup(app, dest)
    assert manifest["format"] == "checkin-backup" and manifest["created_at"].endswith("Z")
    with app.extensions["checkin_engine"].connect() as conn:
        heads = sorted(r[0] for r in conn.exec_driver_sql("SELECT version_num FROM "
                                                          "alembic_version"))
    assert manifest["schema_revision"] == heads
    contents = _contents(app)
    assert {t: n for t, n in manifest["row_counts"].items() if t in contents} == \
        {t: len(rows) for t, rows in contents.items()}
    for name, part in manifest["parts"].items():
        data = (dest / name).read_bytes()
        assert part == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    # photos.sha256 is what `sha256sum -c` reads, from inside the backup directory.
    for line in (dest / "photos.sha256").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dest / name).read_bytes()).hexdigest() == digest
    assert manifest["photos"]["files"] == len(_photos(app))
    assert manifest["photos"]["missing"] == [] == manifest["photos"]["corrupt"]
    assert oct((dest / "manifest.json").stat().st_mode & 0o777) == "0o600"
    again = app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert again.exit_code != 0 and "never overwrites" in again.output


def test_restore_refuses_targets_with_data_unless_forced(app: Flask, rich_world, make_target,
                                                         tmp_path: Path) -> None:
    dest = tmp_path / "b.tar"
    _backup(app, dest)
    into_itself = _restore(app, dest)
    assert into_itself.exit_code != 0 and "not empty" in into_itself.output
    target = make_target(_dialect(app))
    assert _restore(target, dest).exit_code == 0
    again = _restore(target, dest)
    assert again.exit_code != 0 and "not empty" in again.output
    forced = _restore(target, dest, "--force")
    assert forced.exit_code == 0, forced.output
    _assert_same(app, target)
    photos_left = make_target(_dialect(app))
    photo_store(photos_left).put(b"left behind")
    refused = _restore(photos_left, dest)
    assert refused.exit_code != 0 and "has photos" in refused.output


def test_a_damaged_backup_is_refused_before_the_database_is_touched(
        app: Flask, rich_world, make_target, tmp_path: Path) -> None:
    dest = tmp_path / "damaged"
    _backup(app, dest)
    target = make_target(_dialect(app))
    photo = next((dest / "photos").rglob("*.jpg"))
    good = photo.read_bytes()
    photo.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    result = _restore(target, dest)
    assert result.exit_code != 0 and "does not match its name" in result.output
    photo.write_bytes(good)
    database = next(dest.glob("database.*"))
    database.write_bytes(database.read_bytes() + b"\0")
    result = _restore(target, dest)
    assert result.exit_code != 0 and "does not match the manifest" in result.output
    assert not _has_tables(target)  # nothing was loaded
    assert _photos(target) == {}  # and the photos written before the failure are gone
    (dest / "manifest.json").unlink()
    result = _restore(target, dest)
    assert result.exit_code != 0 and "no manifest.json" in result.output


def _has_tables(app: Flask) -> bool:
    from sqlalchemy import inspect

    with app.extensions["checkin_engine"].connect() as conn:
        return inspect(conn).has_table("visits")


def test_a_backup_taken_while_the_service_writes_is_consistent(
        app: Flask, rich_world, make_target, tmp_path: Path) -> None:
    """A writer keeps adding visits with photos (files first, then rows) while the backup
    runs: the snapshot's rows all find their files, and its counts are its own."""
    stop = threading.Event()
    written: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            seed = 1000
            while not stop.is_set() and len(written) < 400:
                written.append(_add_visit(app, rich_world, [seed, seed + 1]))
                seed += 2
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(written) < 3 and thread.is_alive():
        threading.Event().wait(0.01)
    try:
        dest = tmp_path / "online.tar"
        at_start = len(written)
        manifest = _backup(app, dest)
        print(f"visits written during the backup: {len(written) - at_start}")
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert manifest["photos"]["missing"] == []
    target = make_target(_dialect(app))
    restored = _restore(target, dest)
    assert restored.exit_code == 0, restored.output  # includes: counts equal the manifest's
    with target.app_context():
        s = db.session()
        report = integrity.check(s, photo_store(target))
        assert report.intact, report
        visits = s.scalar(select(func.count()).select_from(Visit))
        assert visits == manifest["row_counts"]["visits"]
        # Every visit of the snapshot came with both its photos: no half-written visit.
        lonely = s.scalar(select(func.count()).select_from(Visit).where(
            Visit.id.in_(written), ~Visit.photos.any()))
        assert lonely == 0
    assert manifest["row_counts"]["photos"] >= 5


def test_a_nightly_backup_links_the_photos_of_the_last_one(app: Flask, rich_world,
                                                           make_target, tmp_path: Path) -> None:
    first = tmp_path / "monday"
    _backup(app, first)
    _add_visit(app, rich_world, [500])  # one new photo and thumbnail
    second = tmp_path / "tuesday"
    manifest = _backup(app, second, "--link-dest", str(first))
    assert manifest["photos"]["linked"] == manifest["photos"]["files"] - 2
    some = next((first / "photos").rglob("*.jpg"))
    assert (second / some.relative_to(first)).stat().st_ino == some.stat().st_ino
    target = make_target(_dialect(app))
    assert _restore(target, second).exit_code == 0
    _assert_same(app, target)
    refused = app.test_cli_runner().invoke(args=["backup", "--link-dest", str(first),
                                                 str(tmp_path / "wed.tar")])
    assert refused.exit_code != 0 and "--link-dest" in refused.output
    missed = app.test_cli_runner().invoke(args=["backup", "--link-dest",
                                                str(tmp_path / "no-such-night"),
                                                str(tmp_path / "thursday")])
    assert missed.exit_code == 0 and "copying every photo" in missed.output
    squeezed = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    assert squeezed.exit_code != 0 and "*.tar" in squeezed.output
