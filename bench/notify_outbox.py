"""Events per second through the outbox to a local webhook server, on SQLite and PostgreSQL.

Writes N notifications for one supervisor (each queuing a signed-webhook delivery), in
batches of 100 per transaction as a job does, then runs the delivery worker until the
outbox is empty, against an http.server on 127.0.0.1 started here. Prints the write rate
and the delivery rate (each delivery: one POST, then one committed outcome). The webhook
server runs in a process of its own, as a real receiver would (in this process it would
compete with the worker for the GIL and halve the rate).

The baseline, measured in the same run against the same receiver: the same number of
POSTs of the same size, NOTIFY_SENDERS at a time, straight from a thread pool with no
database at all. The ratio (outbox / baseline) is what the outbox's claim, render and
committed outcome cost on top of the network.

    .venv/bin/python bench/notify_outbox.py [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import drop_postgres, postgres_available, scratch_postgres, scratch_sqlite
from checkin import create_app, db
from checkin.models import Area, User
from checkin.ops.delivery import deliver_all
from checkin.services.notify.inbox import notify
from config import TestConfig

SERVE = "--serve"
SENDERS = 8  # NOTIFY_SENDERS' default: the worker's deliveries under way at once


def serve() -> None:
    """The receiver: counts POSTs and distinct deliveries, tells them on GET."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.headers.get("X-Checkin-Delivery", ""))
            self._answer(b'{"errcode":0}')

        def do_GET(self) -> None:
            self._answer(json.dumps({"posts": len(seen), "distinct": len(set(seen))}).encode())
            seen.clear()

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def baseline(hook_url: str, n: int) -> float:
    """POSTs a second with no outbox: the receiver's and the network's own rate."""
    from concurrent.futures import ThreadPoolExecutor

    body = json.dumps({"id": "x" * 24, "kind": "leave.asked", "text": "某某 asks for leave",
                       "recipient": {"id": 1}}, ensure_ascii=False).encode()

    def one(i: int) -> None:
        request = urllib.request.Request(hook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Checkin-Delivery": f"base:{i}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - started)


def run(url: str, n: int, hook_url: str) -> tuple[float, float, int]:
    class Config(TestConfig):
        DATABASE_URL = url
        WEBHOOK_URL = hook_url
        WEBHOOK_SECRET = "bench"
        NOTIFY_SENDERS = SENDERS

    app = create_app(Config)
    with app.app_context():
        session = db.session()
        area = Area(code="B1", name="Bench镇", level="township", path="/1/")
        session.add(area)
        session.flush()
        sup = User(username="bench", name="Bench", role="supervisor", area_id=area.id,
                   password_hash="x", session_epoch=0, active=True)
        session.add(sup)
        session.commit()
        params = {"cadre": "C", "village": "V", "days": 1, "start": "2026-12-01",
                  "end": "2026-12-01"}
        started = time.perf_counter()
        for first in range(0, n, 100):
            with db.command_transaction() as tx:
                for i in range(first, min(n, first + 100)):
                    notify(tx, [sup], "leave.asked", f"bench:{i}", params)
        wrote = time.perf_counter() - started
        started = time.perf_counter()
        report = deliver_all(limit=500)
        sent = time.perf_counter() - started
    app.extensions["checkin_engine"].dispose()
    return n / wrote, report.sent / sent, report.sent


def main() -> None:
    if sys.argv[1:2] == [SERVE]:
        serve()
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    receiver = subprocess.Popen([sys.executable, __file__, SERVE], stdout=subprocess.PIPE,
                                text=True)
    try:
        assert receiver.stdout is not None
        base = f"http://127.0.0.1:{receiver.stdout.readline().strip()}"
        base_rate = baseline(f"{base}/hook", n)
        with urllib.request.urlopen(base + "/count", timeout=10) as answer:
            assert json.load(answer)["distinct"] == n
        print(f"{'baseline':<10} {n} POSTs straight to the receiver, {SENDERS} at a time: "
              f"{base_rate:,.0f}/s")
        targets = [("sqlite", scratch_sqlite("/tmp/bench_notify.db"))]
        if postgres_available():
            targets.append(("postgresql", scratch_postgres("bench_notify")))
        for name, url in targets:
            write_rate, send_rate, sent = run(url, n, f"{base}/hook")
            with urllib.request.urlopen(base + "/count", timeout=10) as answer:
                got = json.load(answer)
            assert sent == n == got["posts"] == got["distinct"], (sent, got)
            print(f"{name:<10} {n} events: written {write_rate:,.0f}/s, "
                  f"delivered {send_rate:,.0f}/s = {send_rate / base_rate:.2f}x the baseline "
                  f"(received {got['posts']}, {got['distinct']} distinct)")
        if len(targets) > 1:
            drop_postgres("bench_notify")
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    main()
