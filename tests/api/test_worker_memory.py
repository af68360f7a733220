"""A real gunicorn worker's peak memory under the attack bodies of issue 13 (item 2): a 60 MB
`[{},{},...]` to /api/v1/tokens, 16 MB to /api/v1/checkins, deep nesting. The peak resident
set (VmHWM, reset through /proc/<pid>/clear_refs before each body) may rise at most
100 MB above the idle worker; no answer is a 5xx.

Run once, on SQLite (the bodies never reach the database)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from checkin import create_app, db
from checkin.db import make_engine
from checkin.migrate import upgrade
from checkin.models import Area, User, Village
from checkin.services.people import accounts

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
BOUND_KB = 100 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, str]]:
    """gunicorn with one sync worker on a fresh SQLite file: (port, worker pid, the Bearer
    token of a cadre)."""
    if not GUNICORN.exists() or not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs gunicorn and Linux /proc")
    tmp = tmp_path_factory.mktemp("worker-memory")
    url = f"sqlite:///{tmp / 'checkin.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    token = cadre_token(url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
           "CHECKIN_ENV": "production", "PHOTO_DIR": str(tmp / "photos"),
           "PYTHONPATH": str(REPO)}
    log = (tmp / "gunicorn.log").open("w")
    proc = subprocess.Popen([str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                             "--timeout", "120", "wsgi:app"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError((tmp / "gunicorn.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        yield port, int(children[0]), token
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def cadre_token(url: str) -> str:
    app = create_app({"DATABASE_URL": url, "CHECKIN_ENV": "testing", "SECRET_KEY": "x"})
    with app.app_context(), db.command_transaction() as session:
        area = Area(code="34", name="Village", level="village", path="/")
        session.add(area)
        session.flush()
        village = Village(area_id=area.id, code="34", name="Village", lat=30.85, lon=116.36,
                          radius_m=1500, poverty_status="poor", area_path=f"/{area.id}/")
        session.add(village)
        session.flush()
        user = User(username="cadre_mem", name="Cadre", role="cadre", session_epoch=0,
                    active=True, password_hash="!", village_id=village.id)
        session.add(user)
        session.flush()
        raw, _ = accounts.issue_token(session, user, timedelta(days=1))
    app.extensions["checkin_engine"].dispose()
    return raw


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def send(port: int, path: str, body: bytes, token: str | None = None,
         chunked: bool = False) -> int | None:
    """POST `body` on a raw socket (with a Content-Length, or chunked without one); the
    status, or None when the server closed the connection before reading it all."""
    bearer = f"Authorization: Bearer {token}\r\n" if token else ""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{bearer}{length}\r\nConnection: close\r\n\r\n").encode()
    if chunked:
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + (1 << 16)]), body[i:i + (1 << 16)])
                        for i in range(0, len(body), 1 << 16)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(head)
            view = memoryview(body)
            for start in range(0, len(body), 1 << 16):
                sock.sendall(view[start:start + (1 << 16)])
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    if not answer.startswith(b"HTTP/1."):
        return None
    return int(answer.split(b" ", 2)[1])


def many_objects(size: int) -> bytes:
    return b"[" + b"{}," * (size // 3) + b"{}]"


# name: (path, body, sent with the cadre's Bearer token, chunked)
ATTACKS: dict[str, tuple[Any, ...]] = {
    "60 MB [{},...] to /tokens": ("/api/v1/tokens", lambda: many_objects(60_000_000), False),
    "60 MB [{},...] to /tokens, chunked": (
        "/api/v1/tokens", lambda: many_objects(60_000_000), False, True),
    "16 MB [{},...] to /checkins, anonymous": (
        "/api/v1/checkins", lambda: many_objects(16_000_000), False),
    "16 MB [{},...] to /checkins, a cadre's token": (
        "/api/v1/checkins", lambda: many_objects(16_000_000), True),
    "'['*200000 to /tokens": ("/api/v1/tokens", lambda: b"[" * 200_000, False),
    "'['*200000 to /checkins, a cadre's token": (
        "/api/v1/checkins", lambda: b"[" * 200_000, True),
    "'['*15000 to /tokens": ("/api/v1/tokens", lambda: b"[" * 15_000, False),
    "'{\"a\":'*3000 to /checkins, a cadre's token": (
        "/api/v1/checkins", lambda: b'{"a":' * 3000, True),
}


def test_peak_memory_under_attack_bodies_is_bounded(server: tuple[int, int, str]) -> None:
    port, worker, token = server
    for _ in range(3):  # warm the worker up: imports, the first requests, the pool
        send(port, "/api/v1/tokens", b'{"username": "nobody", "password": "wrong-one"}')
        send(port, "/api/v1/checkins", b"{}", token)
    idle = status_kb(worker, "VmRSS")
    figures = {}
    for name, (path, make, signed_in, *chunked) in ATTACKS.items():
        body = make()
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM := VmRSS now
        status = send(port, path, body, token if signed_in else None, bool(chunked))
        time.sleep(0.2)
        peak = status_kb(worker, "VmHWM")
        figures[name] = (status, len(body), (peak - idle) // 1024)
    print("\nidle worker", idle // 1024, "MB; peak above idle (MB), status:")
    for name, (status, _size, above) in figures.items():
        print(f"  {name}: +{above} MB, {status}")
    for name, (status, size, above) in figures.items():
        assert status is None or status < 500, (name, figures)
        assert status is None or size > 16 * 1024 or status == 400, (name, figures)
        assert above * 1024 < BOUND_KB, (name, figures)
