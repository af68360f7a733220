"""Faults under load, with a phone-like client that retries until acknowledged:

* worker-kill: SIGKILL a gunicorn worker again and again in the middle of photo uploads;
* db-restart: stop and start PostgreSQL while check-ins and visits arrive.

Afterwards every acknowledged record must be complete, nothing half-written visible,
`check-integrity` clean (0 orphan files, 0 rows without files, 0 changed photos), no 500s.

    .venv/bin/python -m bench.faults [--kills 20] [--db postgresql|sqlite] [--skip-restart]
"""

from __future__ import annotations

import argparse
import glob
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bench._common import REPO, issue_tokens, scratch_postgres, scratch_sqlite, seed_world
from bench.load_burst import BOUNDARY, multipart, photos, start_server
from checkin.db import make_engine
from checkin.models import Checkin, Household, Photo, Visit


class Phone:
    """Sends each record until the server acknowledges it, as the offline queue does."""

    def __init__(self, port: int, token: str, household: int, centre: tuple[float, float],
                 images: list[bytes]) -> None:
        self.port, self.token, self.household, self.centre = port, token, household, centre
        self.images = images
        self.acked: list[tuple[str, str]] = []  # (kind, id)
        self.statuses: dict[int, int] = {}
        self.stop = False

    def post(self, path: str, body: bytes, content_type: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", path, body=body, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": content_type})
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0  # the connection died with the worker: retry later
        finally:
            conn.close()

    def deliver(self, kind: str, path: str, body: bytes, content_type: str, ident: str) -> None:
        while True:
            status = self.post(path, body, content_type)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status in (200, 201):
                self.acked.append((kind, ident))
                return
            if 400 <= status < 500:
                raise AssertionError(f"{kind} refused with {status}")
            time.sleep(0.2)

    def run(self) -> None:
        rng = random.Random()
        while not self.stop:
            at = datetime.now(UTC).isoformat()
            lat, lon = self.centre[0] + 0.001, self.centre[1]
            checkin_id = str(uuid.uuid4())
            self.deliver("checkin", "/api/v1/checkins", json.dumps({
                "id": checkin_id, "lat": lat, "lon": lon, "accuracy_m": 15,
                "recorded_at": at}).encode(), "application/json", checkin_id)
            visit_id = str(uuid.uuid4())
            body = multipart({"id": visit_id, "household_id": self.household, "kind": "visit",
                              "lat": lat, "lon": lon, "accuracy_m": 15, "recorded_at": at},
                             rng.choice(self.images))
            self.deliver("visit", "/api/v1/visits", body,
                         f"multipart/form-data; boundary={BOUNDARY}", visit_id)


def worker_pids(master: int) -> list[int]:
    pids = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = Path(status).read_text()
        except OSError:
            continue
        if f"\nPPid:\t{master}\n" in text:
            pids.append(int(status.split("/")[2]))
    return pids


def setup(kind: str, phones: int):
    url = scratch_postgres("checkin_faults") if kind == "postgresql" else \
        scratch_sqlite("/tmp/checkin_faults.db")
    engine = make_engine(url)
    world = seed_world(engine, counties=1, townships_per_county=1,
                       villages_per_township=max(1, phones // 4), cadres_per_village=4)
    cadres = world.cadres[:phones]
    centres = {vid: (lat, lon) for vid, lat, lon in world.villages}
    with engine.begin() as conn:
        conn.execute(insert(Household), [
            {"code": f"H{uid:05d}", "head_name": "户主", "address": "", "phone": None,
             "village_id": vid, "lat": centres[vid][0], "lon": centres[vid][1],
             "status": "poor", "helper_id": uid} for uid, vid in cadres])
        homes = dict(conn.execute(select(Household.helper_id, Household.id)).all())
    tokens = issue_tokens(engine, [uid for uid, _ in cadres])
    return url, engine, [(homes[uid], centres[vid], tok)
                         for (uid, vid), tok in zip(cadres, tokens, strict=True)]


def verify(engine, phones_: list[Phone], photo_dir: Path, url: str) -> bool:
    acked = [a for p in phones_ for a in p.acked]
    with engine.connect() as conn:
        checkins = set(conn.scalars(select(Checkin.id)))
        visits = set(conn.scalars(select(Visit.id)))
        with_photo = set(conn.scalars(select(Photo.visit_id)))
    missing = [i for kind, i in acked if i not in (checkins if kind == "checkin" else visits)]
    no_photo = [i for kind, i in acked if kind == "visit" and i not in with_photo]
    half = visits - with_photo  # a visit row without its photo would be half-written
    env = {**os.environ, "DATABASE_URL": url, "PHOTO_DIR": str(photo_dir),
           "CHECKIN_ENV": "development", "PYTHONPATH": str(REPO)}
    integrity = subprocess.run([str(REPO / ".venv/bin/flask"), "--app", "checkin",
                                "check-integrity"], env=env, capture_output=True, text=True)
    statuses: dict[int, int] = {}
    for p in phones_:
        for status, n in p.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    print(f"  acknowledged {len(acked)} records; missing {len(missing)}; visits without their "
          f"photo {len(no_photo)}; half-written visible {len(half)}; statuses {statuses}")
    print("  " + integrity.stdout.strip().replace("\n", "; "))
    orphans_zero = "orphan files: 0" in integrity.stdout
    return not missing and not no_photo and not half and integrity.returncode == 0 and \
        orphans_zero and 500 not in statuses


def scenario(kind: str, name: str, action, args: argparse.Namespace) -> bool:
    url, engine, seats = setup(kind, args.phones)
    images = photos(8)
    with tempfile.TemporaryDirectory() as tmp:
        photo_dir = Path(tmp) / "photos"
        server = start_server(url, photo_dir, args.port, 2, Path(tmp) / "log")
        phones_ = [Phone(args.port, tok, home, centre, images) for home, centre, tok in seats]
        threads = [threading.Thread(target=p.run) for p in phones_]
        for thread in threads:
            thread.start()
        try:
            action(server, args)
        finally:
            time.sleep(2)
            for p in phones_:
                p.stop = True
            for thread in threads:
                thread.join(timeout=120)
            server.terminate()
            server.wait(timeout=30)
        print(f"{kind} {name}:")
        ok = verify(engine, phones_, photo_dir, url)
    engine.dispose()
    return ok


def kill_workers(server: subprocess.Popen, args: argparse.Namespace) -> None:
    rng = random.Random(1)
    killed = 0
    time.sleep(2)
    while killed < args.kills:
        pids = worker_pids(server.pid)
        if pids:
            os.kill(rng.choice(pids), signal.SIGKILL)
            killed += 1
        time.sleep(rng.uniform(0.3, 1.0))
    print(f"  killed {killed} workers")


def restart_postgres(server: subprocess.Popen, args: argparse.Namespace) -> None:
    version = os.listdir("/etc/postgresql")[0]
    time.sleep(3)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop",
                    "-m", "fast"], check=True)
    time.sleep(args.down)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                   check=True)
    time.sleep(5)
    print(f"  PostgreSQL was down for {args.down} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--down", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--skip-restart", action="store_true")
    args = parser.parse_args()
    ok = scenario(args.db, "worker-kill", kill_workers, args)
    if args.db == "postgresql" and not args.skip_restart:
        ok = scenario(args.db, "db-restart", restart_postgres, args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
