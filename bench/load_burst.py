"""A burst of cadres checking in and recording a visit with a photo, 10% replayed as a flaky
network would, against gunicorn on 127.0.0.1 — then every acknowledged record is looked up.

Reports throughput, p50/p99, and asserts 0 server errors, 0 lost (every acknowledged record
is in the database with its photo file), 0 duplicates, 0 "database is locked" in the log.

    .venv/bin/python -m bench.load_burst [--cadres 1000] [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import func, insert, select, text

from bench._common import (
    REPO,
    drop_postgres,
    issue_tokens,
    postgres_available,
    scratch_postgres,
    scratch_sqlite,
    seed_world,
)
from checkin.db import make_engine
from checkin.models import Checkin, Household, Photo, Visit
from checkin.photos.store import PhotoStore

BOUNDARY = "----checkinbench"


def photos(count: int) -> list[bytes]:
    """Distinct small phone-like JPEGs (what the phone sends after downscaling)."""
    rng = random.Random(3)
    out = []
    for _ in range(count):
        image = Image.effect_noise((640, 480), rng.randint(20, 90)).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=60)
        out.append(buffer.getvalue())
    return out


def multipart(visit: dict, photo: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"visit\"\r\n\r\n"
            f"{json.dumps(visit)}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f"name=\"photos\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            ).encode() + photo + f"\r\n--{BOUNDARY}--\r\n".encode()


class Burst:
    def __init__(self, port: int, jobs: list[dict], replay: float, clients: int) -> None:
        self.port, self.jobs, self.replay, self.clients = port, jobs, replay, clients
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.acked_checkins: set[str] = set()
        self.acked_visits: set[str] = set()
        self.replays = 0
        self.rng = random.Random(11)

    def send(self, conn: http.client.HTTPConnection, method: str, path: str, body: bytes,
             headers: dict[str, str]) -> int:
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        return response.status

    def cadre(self, conn: http.client.HTTPConnection, job: dict) -> None:
        auth = {"Authorization": f"Bearer {job['token']}"}
        checkin = json.dumps({"id": job["checkin_id"], "lat": job["lat"], "lon": job["lon"],
                              "accuracy_m": 20, "recorded_at": job["at"]}).encode()
        json_headers = {**auth, "Content-Type": "application/json"}
        visit = {"id": job["visit_id"], "household_id": job["household"], "kind": "visit",
                 "purposes": ["care"], "lat": job["lat"], "lon": job["lon"],
                 "accuracy_m": 20, "recorded_at": job["at"]}
        form = multipart(visit, job["photo"])
        form_headers = {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        for path, body, headers, acked in (("/api/v1/checkins", checkin, json_headers,
                                            self.acked_checkins),
                                           ("/api/v1/visits", form, form_headers,
                                            self.acked_visits)):
            status = self.send(conn, "POST", path, body, headers)
            if status in (200, 201):
                with self.lock:
                    acked.add(job["checkin_id"] if acked is self.acked_checkins
                              else job["visit_id"])
            if self.rng.random() < self.replay:  # the ack was "lost": the phone sends again
                with self.lock:
                    self.replays += 1
                again = self.send(conn, "POST", path, body, headers)
                assert again == 200, f"replay answered {again}"

    def run(self) -> float:
        queue = list(self.jobs)
        take = threading.Lock()

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while True:
                with take:
                    if not queue:
                        break
                    job = queue.pop()
                self.cadre(conn, job)
            conn.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def start_server(url: str, photo_dir: Path, port: int, workers: int, log: Path
                 ) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
           "CHECKIN_ENV": "production", "PHOTO_DIR": str(photo_dir), "PYTHONPATH": str(REPO),
           "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute"}
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def run(kind: str, args: argparse.Namespace) -> bool:
    url = scratch_sqlite("/tmp/checkin_burst.db") if kind == "sqlite" else \
        scratch_postgres("checkin_burst")
    engine = make_engine(url)
    per_village = 10
    world = seed_world(engine, counties=1, townships_per_county=10,
                       villages_per_township=args.cadres // (10 * per_village),
                       cadres_per_village=per_village)
    cadres = world.cadres[: args.cadres]
    with engine.begin() as conn:
        centres = {vid: (lat, lon) for vid, lat, lon in world.villages}
        conn.execute(insert(Household), [
            {"code": f"H{uid:06d}", "head_name": f"户主{uid}", "address": "", "phone": None,
             "village_id": vid, "lat": centres[vid][0], "lon": centres[vid][1],
             "status": "poor", "helper_id": uid} for uid, vid in cadres])
        homes = dict(conn.execute(select(Household.helper_id, Household.id)).all())
    tokens = issue_tokens(engine, [uid for uid, _ in cadres])
    images = photos(64)
    now = datetime.now(UTC).isoformat()
    jobs = [{"token": token, "checkin_id": str(uuid.uuid4()), "visit_id": str(uuid.uuid4()),
             "household": homes[uid], "lat": centres[vid][0] + 0.001,
             "lon": centres[vid][1], "at": now, "photo": images[n % len(images)]}
            for n, ((uid, vid), token) in enumerate(zip(cadres, tokens, strict=True))]
    with tempfile.TemporaryDirectory() as tmp:
        photo_dir, log = Path(tmp) / "photos", Path(tmp) / "gunicorn.log"
        server = start_server(url, photo_dir, args.port, args.workers, log)
        burst = Burst(args.port, jobs, args.replay, args.clients)
        seconds = burst.run()
        server.terminate()
        server.wait(timeout=30)
        errors = log.read_text()
        ok = report(kind, burst, seconds, errors, engine, photo_dir)
    engine.dispose()
    if kind == "postgresql":
        drop_postgres("checkin_burst")
    return ok


def report(kind: str, burst: Burst, seconds: float, log: str, engine, photo_dir: Path) -> bool:
    lat = sorted(burst.latencies)
    requests = len(lat)
    with engine.connect() as conn:
        stored_checkins = set(conn.scalars(select(Checkin.id)))
        stored_visits = set(conn.scalars(select(Visit.id)))
        photo_rows = conn.execute(select(Photo.visit_id, Photo.sha256)).all()
        duplicates = conn.scalar(text(
            "SELECT count(*) FROM (SELECT visit_id FROM photos GROUP BY visit_id "
            "HAVING count(*) > 1) d"))
        checkin_total = conn.scalar(select(func.count()).select_from(Checkin))
    store = PhotoStore(photo_dir)
    with_photo = {visit for visit, key in photo_rows if store.exists(key) and store.verify(key)}
    lost = (len(burst.acked_checkins - stored_checkins) +
            len(burst.acked_visits - stored_visits) + len(burst.acked_visits - with_photo))
    server_errors = sum(n for status, n in burst.statuses.items() if status >= 500)
    locked = log.count("database is locked")
    print(f"{kind}: {requests} requests ({burst.replays} replays) in {seconds:.1f} s = "
          f"{requests / seconds:.0f} req/s; p50 {statistics.median(lat) * 1000:.0f} ms, "
          f"p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.0f} ms; statuses {burst.statuses}")
    print(f"  acknowledged: {len(burst.acked_checkins)} check-ins, {len(burst.acked_visits)} "
          f"visits; stored check-ins {checkin_total}; lost {lost}; visits with more than one "
          f"photo {duplicates}; server errors {server_errors}; 'database is locked' {locked}")
    return lost == 0 and duplicates == 0 and server_errors == 0 and locked == 0 and \
        checkin_total == len(burst.acked_checkins)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--replay", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    kinds = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    ok = True
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print("postgresql: not reachable, skipped")
            continue
        ok = run(kind, args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
