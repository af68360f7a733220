"""Two app hosts as deployed: two gunicorn instances (separate processes on two loopback
ports, each with a photo folder of its own that nothing may use) on one PostgreSQL database
and one S3 bucket (SeaweedFS). A visit uploaded through A is served by B, byte for byte with
the same ETag, and B's check-integrity finds its files; the sign-in limits hold across both
hosts (counters in the database, then in Redis); scheduler jobs started on both at once run
once.

PostgreSQL and S3 only: with REQUIRE_POSTGRES=1 and REQUIRE_S3=1 (CI) a missing one fails,
otherwise the module is skipped with the reason.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from PIL import Image
from sqlalchemy import select

from checkin import create_app, db
from checkin.db import make_engine
from checkin.migrate import upgrade
from checkin.models import JobRun
from checkin.photos import stores
from config import TestConfig
from tests import s3_server as s3_server_mod
from tests.conftest import PASSWORD, _drop_postgres_database, _postgres_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LIMIT = 4
JOBS = ("orphan_sweep", "retention_purge", "leave_returns", "silent_cadres")


@dataclass
class Host:
    name: str
    base: str
    env: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.base}/api/v1{path}"


@pytest.fixture
def app(tmp_path: Path, s3_server: s3_server_mod.S3Server) -> Iterator[Flask]:
    """The shared database (a PostgreSQL database of its own) and bucket prefix, as the
    test's own app sees them; `world` fills them."""
    name = f"checkin_two_hosts_{os.getpid()}"
    url = _postgres_database(name)
    if url is None:
        pytest.skip("two hosts share one PostgreSQL database, and none is reachable (set "
                    "TEST_POSTGRES_URL; CI sets REQUIRE_POSTGRES=1 to make this a failure)")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()

    class Config(TestConfig):
        DATABASE_URL = url
        PHOTO_DIR = str(tmp_path / "photos-unused")

    application = create_app(Config)
    application.config.update(PHOTO_STORE=f"s3://{s3_server_mod.BUCKET}/{uuid.uuid4().hex}",
                              S3_ENDPOINT_URL=s3_server.endpoint_url)
    stores.init_app(application)
    yield application
    application.extensions["checkin_engine"].dispose()
    _drop_postgres_database(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def start_hosts(app: Flask, world, tmp_path: Path) -> Iterator[Callable[..., list[Host]]]:
    """Start hosts A and B: the same settings (SECRET_KEY, database, bucket, limits), each
    its own port, photo folder and gunicorn control socket."""
    running: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(**settings: str) -> list[Host]:
        hosts = []
        for name in ("a", "b"):
            env = {**os.environ, "CHECKIN_ENV": "production", "SECRET_KEY": "two-hosts-secret",
                   "DATABASE_URL": app.config["DATABASE_URL"],
                   "PHOTO_STORE": app.config["PHOTO_STORE"],
                   "S3_ENDPOINT_URL": app.config["S3_ENDPOINT_URL"],
                   "PHOTO_DIR": str(tmp_path / f"photos-{name}"),
                   "LOGIN_LIMIT_PER_ACCOUNT": f"{LIMIT} per 15 minutes",
                   "PYTHONPATH": str(ROOT), **settings}
            port = _free_port()
            log = tmp_path / f"host-{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                     "--timeout", "60", "--graceful-timeout", "2",
                     "--control-socket", str(tmp_path / f"gunicorn-{name}.ctl"), "wsgi:app"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            running.append((process, log))
            hosts.append(Host(name, f"http://127.0.0.1:{port}", env))
        for host, (process, log) in zip(hosts, running[-2:], strict=True):
            _wait_healthy(host, process, log)
        return hosts

    yield start
    for process, _log in running:
        process.terminate()
    for process, _log in running:
        process.wait(timeout=30)


def _wait_healthy(host: Host, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            answer = requests.get(host.url("/health"), timeout=10)
            if answer.status_code == 200:
                assert answer.json() == {"status": "ok", "database": "ok", "photos": "ok"}
                return
        except requests.RequestException:
            pass
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"host {host.name} did not come up"
        time.sleep(0.3)


def _token(host: Host, username: str) -> dict[str, str]:
    answer = requests.post(host.url("/tokens"), json={"username": username,
                                                      "password": PASSWORD}, timeout=30)
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG", quality=88)
    return out.getvalue()


def test_a_visit_uploaded_through_a_is_served_by_b(start_hosts) -> None:
    a, b = start_hosts()
    on_a, on_b = _token(a, "cadre_a"), _token(b, "cadre_a")
    household = requests.get(a.url("/households"), headers=on_a,
                             timeout=30).json()["items"][0]
    visit_id = str(uuid.uuid4())
    sent = requests.post(a.url("/visits"), headers=on_a, timeout=60, files={
        "visit": (None, json.dumps({
            "id": visit_id, "household_id": household["id"], "kind": "visit",
            "lat": 30.851, "lon": 116.361, "accuracy_m": 8,
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}),
            "application/json"),
        "photos": ("p.jpg", _jpeg(), "image/jpeg")})
    assert sent.status_code == 201, sent.text
    [photo] = sent.json()["photos"]

    listed = requests.get(b.url("/visits"), headers=on_b, timeout=30).json()["items"]
    assert visit_id in [v["id"] for v in listed]
    for path in (photo["url"], photo["thumb_url"]):
        from_a = requests.get(a.base + path, headers=on_a, timeout=30)
        from_b = requests.get(b.base + path, headers=on_b, timeout=30)
        assert from_b.status_code == 200 and from_b.headers["Content-Type"] == "image/jpeg"
        assert from_b.content == from_a.content and len(from_b.content) > 100
        assert from_b.headers["ETag"] == from_a.headers["ETag"]  # from the content
        again = requests.get(b.base + path, timeout=30,
                             headers={**on_b, "If-None-Match": from_a.headers["ETag"]})
        assert again.status_code == 304
    assert not list((Path(a.env["PHOTO_DIR"])).rglob("*.jpg"))  # nothing on a host's disk
    # B's maintenance sees A's upload: every row's file is there (and each one is hashed).
    checked = subprocess.run([str(BIN / "flask"), "--app", "checkin", "check-integrity",
                              "--all"], cwd=ROOT, env=b.env, capture_output=True, text=True,
                             timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "rows without files: 0" in checked.stdout, checked.stdout


@pytest.mark.parametrize("counters", ["database", "redis"])
def test_sign_in_limits_hold_across_both_hosts(start_hosts, counters: str) -> None:
    settings = {"RATELIMIT_STORAGE_URI": "database"}
    if counters == "redis":
        if not _redis_up():
            pytest.skip("no Redis at 127.0.0.1:6379")
        settings["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    a, b = start_hosts(**settings)
    username = f"u{uuid.uuid4().hex[:10]}"  # counters left in Redis by earlier runs do not count

    def guess(n: int) -> int:
        host = (a, b)[n % 2]
        return requests.post(host.url("/tokens"), timeout=30, json={
            "username": username, "password": f"wrong-{n}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(guess, range(40)))
    assert set(statuses) <= {401, 429}, statuses
    print(f"\n{counters}: wrong guesses tried on two hosts: {statuses.count(401)} of 40 "
          f"(limit {LIMIT})")
    assert statuses.count(401) == LIMIT, statuses
    # Both hosts refuse the account now, whichever is asked.
    for host in (a, b):
        refused = requests.post(host.url("/tokens"), timeout=30,
                                json={"username": username, "password": "wrong-again"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_jobs_started_on_both_hosts_at_once_run_once(app: Flask, start_hosts) -> None:
    a, b = start_hosts()
    only = [arg for job in JOBS for arg in ("--only", job)]
    # Two runners per host, started together, as a timer on each host would; the daily
    # jobs are due at any hour of the test (by default from 07:00 local).
    runners = [subprocess.Popen([str(BIN / "flask"), "--app", "checkin", "run-jobs", *only],
                                cwd=ROOT, env={**host.env, "JOBS_DAILY_HOUR": "0"},
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
               for host in (a, b, a, b)]
    said = [runner.communicate(timeout=300) for runner in runners]
    assert [r.returncode for r in runners] == [0, 0, 0, 0], said
    ran: dict[str, int] = {}
    for out, _err in said:
        for line in out.splitlines():
            job = line.split(" ", 1)[0]
            ran[job] = ran.get(job, 0) + 1
            assert ": ok" in line, line
    assert ran == dict.fromkeys(JOBS, 1), said
    with app.app_context():
        rows = list(db.session().scalars(select(JobRun).where(JobRun.job.in_(JOBS))))
    assert sorted(r.job for r in rows) == sorted(JOBS)
    assert {(r.attempts, r.outcome) for r in rows} == {(1, "ok")}

