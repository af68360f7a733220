"""An acknowledged photo is never deleted: the orphan sweep and the retention purge against
uploads of the same bytes (the store is content-addressed, so an upload may find its file
already on disk, left by a refused upload or by a photo being purged).

The invariant (README, "Photos on disk"): once a visit is answered 2xx, every file its photo
rows name exists, whatever `remove-orphan-photos` and `purge` do at the same time."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import select

from checkin import db
from checkin.models import Household, Photo
from checkin.ops import retention
from checkin.photos.pipeline import process_photo
from checkin.photos.store import LocalPhotoStore, PhotoStore
from checkin.photos.stores import photo_store
from checkin.platform import clock
from tests.conftest import new_visit

REPO = Path(__file__).resolve().parents[2]
TWO_HOURS_AGO = 2 * 3600


def picture(seed: int) -> bytes:
    """A small JPEG unique to `seed` (so each gets its own content address)."""
    image = Image.effect_noise((96, 72), 40 + seed % 50).convert("RGB")
    image.paste((seed * 37 % 256, seed * 91 % 256, seed % 256), (0, 0, 24 + seed % 40, 20))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def leave_orphan(store: LocalPhotoStore, upload: bytes) -> tuple[str, str]:
    """The files a refused upload of `upload` would have left, written two hours ago."""
    processed = process_photo(upload)
    keys = store.put(processed.jpeg), store.put(processed.thumb)
    old = time.time() - TWO_HOURS_AGO
    for key in keys:
        os.utime(store.path(key), (old, old))
    return keys


def send_visit(client, bearer, household_id: int, upload: bytes):
    body = {"id": str(uuid.uuid4()), "household_id": household_id, "kind": "visit",
            "purposes": ["care"], "note": "", "lat": 30.851, "lon": 116.361,
            "accuracy_m": 15,
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    return client.post("/api/v1/visits", headers=bearer, content_type="multipart/form-data",
                       data={"visit": json.dumps(body),
                             "photos": [(io.BytesIO(upload), "p.jpg")]})


def household_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def lost_files(app: Flask, store: PhotoStore) -> list[str]:
    with app.app_context():
        rows = db.session().execute(select(Photo.sha256, Photo.thumb_sha256)
                                    .where(Photo.purged_at.is_(None))).all()
    return [key for row in rows for key in row if not store.exists(key)]


def test_a_re_put_refreshes_an_old_file_so_the_sweep_spares_the_upload(app: Flask) -> None:
    """An upload writes its files before its row commits; its bytes were already on disk,
    two hours old. The sweep in between must not take them."""
    store = photo_store(app)
    key = store.put(b"the same bytes a refused upload left")
    old = time.time() - TWO_HOURS_AGO
    os.utime(store.path(key), (old, old))
    assert store.put(b"the same bytes a refused upload left") == key  # the upload in flight
    swept = app.test_cli_runner().invoke(args=["remove-orphan-photos"])
    assert swept.exit_code == 0, swept.output
    assert store.exists(key), "the sweep deleted the file of an upload in flight"


def test_the_sweep_refuses_a_grace_shorter_than_an_upload(app: Flask) -> None:
    swept = app.test_cli_runner().invoke(args=["remove-orphan-photos", "--older-than", "5"])
    assert swept.exit_code != 0


def test_the_purge_spares_a_file_an_upload_committed_after_it(app: Flask, client, world,
                                                               token_for) -> None:
    """The purge decided a file was unused; before it deleted it, a new visit with the very
    same photo was answered 201. The file must stay."""
    store = photo_store(app)
    upload = picture(1)
    key, thumb = leave_orphan(store, upload)
    home = household_id(app, "Ha0")
    with app.app_context():
        session = db.session()
        old = new_visit(session, session.get(Household, home),
                        day=clock.today() - timedelta(days=400))
        session.add(Photo(visit_id=old.id, county_id=None, sha256=key, thumb_sha256=thumb,
                          width=96, height=72, original_format="JPEG", original_width=96,
                          original_height=72, phash=0, band0=0, band1=0, band2=0, band3=0,
                          flags=""))
        session.commit()
        report = retention.purge(session, clock.today() - timedelta(days=300))
        session.commit()
    assert key in report.unused_files
    response = send_visit(client, token_for("cadre_a"), home, upload)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        retention.delete_files(store, report, db.engine())
    assert lost_files(app, store) == []
    assert client.get(response.get_json()["photos"][0]["url"],
                      headers=token_for("cadre_a")).status_code == 200


SWEEPER = """
import pathlib, sys
from checkin import create_app
app = create_app()
runner = app.test_cli_runner()
stop, passes = pathlib.Path(sys.argv[1]), 0
while not stop.exists():
    result = runner.invoke(args=["remove-orphan-photos"])
    assert result.exit_code == 0, result.output
    passes += 1
print(passes)
"""

ROUNDS = 12
PER_ROUND = 8
FILLERS = 40


def test_no_acknowledged_photo_is_lost_to_a_sweep_in_another_process(
        app: Flask, client, world, token_for, tmp_path: Path) -> None:
    """The upload loop here, the real `remove-orphan-photos` looping in a second process on
    the same database and photo folder. Each round leaves two-hour-old orphans of the photos
    it then uploads, so every upload finds its bytes on disk as the sweep goes through them."""
    store = photo_store(app)
    bearer = token_for("cadre_a")
    home = household_id(app, "Ha0")
    stop = tmp_path / "stop"
    env = {**os.environ, "CHECKIN_ENV": "development", "SECRET_KEY": "race",
           "DATABASE_URL": app.config["DATABASE_URL"], "PHOTO_DIR": app.config["PHOTO_DIR"],
           "PYTHONPATH": str(REPO)}
    sweeper = subprocess.Popen([sys.executable, "-c", SWEEPER, str(stop)], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = 0
    try:
        time.sleep(2.0)  # the sweeper is up and sweeping
        for round_no in range(ROUNDS):
            uploads = [picture(1000 + round_no * PER_ROUND + n) for n in range(PER_ROUND)]
            for upload in uploads:
                leave_orphan(store, upload)
            for _ in range(FILLERS):  # other leftovers: a sweep pass takes a while
                filler = store.put(os.urandom(64))
                os.utime(store.path(filler), (time.time() - TWO_HOURS_AGO,) * 2)
            for upload in uploads:
                response = send_visit(client, bearer, home, upload)
                assert response.status_code == 201, response.get_json()
                acknowledged += 1
    finally:
        stop.touch()
        out, err = sweeper.communicate(timeout=120)
    assert sweeper.returncode == 0, err
    assert int(out.strip() or 0) > 0, "the sweeper never completed a pass"
    assert acknowledged == ROUNDS * PER_ROUND
    assert lost_files(app, store) == []
