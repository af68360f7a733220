"""Benchmark: POST /api/v1/checkins under gunicorn against a trivial endpoint (not a test).

Usage: .venv/bin/python bench/checkin_throughput.py [--duration 10] [--rounds 3]
       [--workers 4] [--connections 32] [--db sqlite,postgresql] [--profile]

For each database (SQLite in WAL mode in /tmp, PostgreSQL database `checkin_throughput`):
a fresh schema from the migrations, 500 cadres in 100 villages with an API token each,
gunicorn with sync workers on 127.0.0.1 serving the real app plus /bench/trivial and
/bench/floor (added by bench/_wsgi.py only), and wrk (apt-get install wrk) with 32
connections: trivial, floor and check-in runs take turns, so every ratio sees the same
machine. The floor is what any JSON write pays before its own work (the same POST body read
as JSON, a pooled connection with one round trip, a JSON answer); for each endpoint the CPU
a request cost the gunicorn workers, the database server (PostgreSQL) and wrk is read from
/proc, which shows where a check-in's time goes on a machine whose cores all three share.
Every check-in has a new UUID, a token picked round-robin over the cadres, a position near
the cadre's village (one in ten outside the fence) and the current time. After the runs the
database is checked: one check-in row and one audit entry per 201, no "database is locked"
in the log.

--profile skips HTTP and profiles the view in-process (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench._common import (
    REPO,
    World,
    drop_postgres,
    issue_tokens,
    postgres_available,
    scratch_postgres,
    scratch_sqlite,
    seed_world,
)
from checkin.db import make_engine
from checkin.models import AttendanceDay, AuditEntry, Checkin

SQLITE_PATH = "/tmp/checkin_throughput.db"
PG_NAME = "checkin_throughput"

LUA = r"""
local tokens = {%(tokens)s}
local places = {%(places)s}
local prefix = "%(prefix)s"
local n = 0
local thread_no = 0
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + thread_no * 7919)
end

request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  local place = places[i]
  local lat = place[1] + (math.random() - 0.5) * 0.002
  local lon = place[2] + (math.random() - 0.5) * 0.002
  if n %% 10 == 0 then lat = lat + 0.05 end
  local id = string.format("%%s-%%04x-4%%03x-8%%03x-%%06x%%06x", prefix, thread_no,
    math.random(0, 4095), math.random(0, 4095), math.floor(n / 16777216) %% 16777216,
    n %% 16777216)
  local at = os.date("!%%Y-%%m-%%dT%%H:%%M:%%S", os.time() - 1) ..
    string.format(".%%03d+00:00", n %% 1000)
  local body = string.format(
    '{"id":"%%s","lat":%%.6f,"lon":%%.6f,"accuracy_m":%%d,"recorded_at":"%%s"}',
    id, lat, lon, 10 + (n %% 40), at)
  return wrk.format("POST", "%(path)s",
    {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"},
    body)
end
"""

# wrk's report as one JSON line, for every script (the trivial endpoint needs nothing else).
REPORT_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def checkin_script(world: World, tokens: list[str], path: str = "/api/v1/checkins") -> str:
    place_of = {vid: (lat, lon) for vid, lat, lon in world.villages}
    places = [place_of[vid] for _uid, vid in world.cadres]
    return (LUA % {
        "path": path,
        "tokens": ",".join(f'"{t}"' for t in tokens),
        "places": ",".join(f"{{{lat:.6f},{lon:.6f}}}" for lat, lon in places),
        "prefix": secrets.token_hex(4),
    }) + REPORT_LUA


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(match: Callable[[int, str], bool]) -> float:
    """User + system CPU so far of the live processes `match(pid, command name)` picks."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if match(int(entry), name):  # fields[1] is the parent pid, [11] and [12] the times
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def wrk(url: str, script: Path, seconds: int, connections: int,
        server: Server | None = None) -> dict[str, Any]:
    """One wrk run; with `server`, also the CPU each request cost the gunicorn workers, the
    database server (PostgreSQL's processes; SQLite runs inside the workers) and wrk."""
    before = cpu_accounts(server) if server else {}
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(script), url], capture_output=True, text=True, check=True)
    after = cpu_accounts(server) if server else {}
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    for key, spent in after.items():
        result[f"cpu_{key}_us"] = (spent - before[key]) / max(1, result["requests"]) * 1e6
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("status", "connect", "read", "write",
                                                "timeout"))
    return result


def cpu_accounts(server: Server) -> dict[str, float]:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has ended
    return {
        "workers": cpu_seconds(lambda pid, _name: server.is_worker(pid)),
        "database": cpu_seconds(lambda _pid, name: name.startswith("postgres")),
        "wrk": children.ru_utime + children.ru_stime,
    }


class Server:
    """gunicorn with sync workers on 127.0.0.1, its stderr kept for the error check."""

    def __init__(self, url: str, port: int, workers: int, log: Path) -> None:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
               "CHECKIN_ENV": "production", "PYTHONPATH": str(REPO)}
        self.log = log
        self.port = port
        self.proc = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "gunicorn"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench._wsgi:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial",
                                            timeout=2) as resp:
                    if resp.read() == b"ok":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)

    def is_worker(self, pid: int) -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return int(stat[stat.rindex(")") + 2:].split()[1]) == self.proc.pid

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        return self.log.read_text()


def run_database(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = scratch_sqlite(SQLITE_PATH) if kind == "sqlite" else scratch_postgres(PG_NAME)
    engine = make_engine(url)
    world = seed_world(engine, counties=1, townships_per_county=10, villages_per_township=10,
                       cadres_per_village=5)
    tokens = issue_tokens(engine, [uid for uid, _vid in world.cadres])
    script = tmp / f"checkin-{kind}.lua"
    script.write_text(checkin_script(world, tokens))
    floor_script = tmp / f"floor-{kind}.lua"
    floor_script.write_text(checkin_script(world, tokens, "/bench/floor"))
    writes_script = tmp / f"writes-{kind}.lua"
    writes_script.write_text(checkin_script(world, tokens, "/bench/writes"))
    trivial_script = tmp / "trivial.lua"
    trivial_script.write_text(REPORT_LUA)
    server = Server(url, args.port, args.workers, tmp / f"gunicorn-{kind}.log")
    base = f"http://127.0.0.1:{args.port}"
    runs: dict[str, list[dict[str, Any]]] = {"trivial": [], "floor": [], "writes": [],
                                             "checkin": []}
    plan = (("trivial", "/bench/trivial", trivial_script),
            ("floor", "/bench/floor", floor_script),
            ("writes", "/bench/writes", writes_script),
            ("checkin", "/api/v1/checkins", script))
    try:
        wrk(f"{base}/bench/trivial", trivial_script, 3, args.connections)  # warm-up
        wrk(f"{base}/bench/floor", floor_script, 2, args.connections)
        wrk(f"{base}/bench/writes", writes_script, 2, args.connections)
        runs["checkin"].append(wrk(f"{base}/api/v1/checkins", script, 3, args.connections))
        for _ in range(args.rounds):
            for name, path, lua in plan:
                runs[name].append(wrk(f"{base}{path}", lua, args.duration, args.connections,
                                      server))
    finally:
        log = server.stop()
    warmup = runs["checkin"].pop(0)
    with engine.connect() as conn:
        # /bench/writes stores rows too: those carry their id as their digest.
        real = Checkin.digest != Checkin.id
        stored = conn.scalar(select(func.count()).select_from(Checkin).where(real))
        audited = conn.scalar(select(func.count()).select_from(AuditEntry).join(
            Checkin, Checkin.id == AuditEntry.entity_id).where(real,
            AuditEntry.action == "checkin.create"))
        days = conn.scalar(select(func.count()).select_from(AttendanceDay))
    engine.dispose()
    if kind == "postgresql":
        drop_postgres(PG_NAME)
    answered = sum(r["requests"] for r in runs["checkin"]) + warmup["requests"]
    return {"runs": runs, "stored": stored, "audited": audited, "days": days,
            "answered": answered, "locked": log.count("database is locked"),
            "tracebacks": log.count("Traceback"), "log": log}


def summary(kind: str, result: dict[str, Any], args: argparse.Namespace) -> None:
    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in result["runs"][name])

    t_rps, c_rps = med("trivial", "rps"), med("checkin", "rps")
    print(f"\n{kind}: gunicorn {args.workers} sync workers, wrk 1 thread x "
          f"{args.connections} connections, {args.rounds} x {args.duration} s each, "
          "medians of interleaved runs")
    print(f"  {'endpoint':<22}{'req/s':>9}{'ratio':>7}{'p50':>9}{'p99':>9}{'errors':>7}"
          f"   CPU per request: {'workers':>8}{'database':>9}{'wrk':>6}")
    for name, label in (("trivial", "GET /bench/trivial"), ("floor", "POST /bench/floor"),
                        ("writes", "POST /bench/writes"), ("checkin", "POST /checkins")):
        errors = sum(r["errors"] for r in result["runs"][name])
        print(f"  {label:<22}{med(name, 'rps'):>9,.0f}{med(name, 'rps') / t_rps:>6.2f}x"
              f"{med(name, 'p50_us') / 1000:>7.1f}ms{med(name, 'p99_us') / 1000:>7.1f}ms"
              f"{errors:>7}{'':>19}{med(name, 'cpu_workers_us'):>6,.0f}us"
              f"{med(name, 'cpu_database_us'):>7,.0f}us{med(name, 'cpu_wrk_us'):>4,.0f}us")
    print(f"  ratio check-in / trivial: {c_rps / t_rps:.2f}x (floor: a POST of the same JSON "
          "that takes a pooled connection, runs SELECT 1 and answers JSON; writes: the floor "
          "plus a check-in's three rows and commit, without reading or judging anything)")
    print("  per run (trivial | floor | writes | check-in req/s): " + "; ".join(
        f"{t['rps']:,.0f} | {f['rps']:,.0f} | {w['rps']:,.0f} | {c['rps']:,.0f}"
        for t, f, w, c in zip(result["runs"]["trivial"], result["runs"]["floor"],
                              result["runs"]["writes"], result["runs"]["checkin"],
                              strict=True)))
    print(f"  stored check-ins {result['stored']:,} (answered {result['answered']:,}; wrk "
          f"does not count replies still in flight when it stops), audit entries "
          f"{result['audited']:,}, attendance days {result['days']:,}, "
          f"'database is locked' in log: {result['locked']}, tracebacks: "
          f"{result['tracebacks']}")
    if result["tracebacks"]:
        print(result["log"][-3000:])


def profile(kind: str, sort: str) -> None:
    """The view in-process under cProfile: where a check-in's CPU goes, without HTTP."""
    import cProfile
    import pstats
    import uuid
    from datetime import UTC, datetime

    from checkin import create_app

    url = scratch_sqlite(SQLITE_PATH) if kind == "sqlite" else scratch_postgres(PG_NAME)
    engine = make_engine(url)
    world = seed_world(engine, counties=1, townships_per_county=10, villages_per_township=10,
                       cadres_per_village=5)
    tokens = issue_tokens(engine, [uid for uid, _vid in world.cadres])
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": False})
    client = app.test_client()
    place_of = {vid: (lat, lon) for vid, lat, lon in world.villages}

    def one(i: int) -> None:
        _uid, vid = world.cadres[i % len(world.cadres)]
        lat, lon = place_of[vid]
        body = {"id": str(uuid.uuid4()), "lat": lat, "lon": lon, "accuracy_m": 20,
                "recorded_at": datetime.now(UTC).isoformat()}
        response = client.post("/api/v1/checkins", json=body,
                               headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
        assert response.status_code == 201, response.get_data(as_text=True)

    def trivial() -> None:
        assert client.get("/api/v1/openapi.json").status_code == 200

    for i in range(300):
        one(i)
    count = 2000
    start = time.perf_counter()
    for i in range(count):
        one(i)
    per = (time.perf_counter() - start) / count
    print(f"{kind}: {per * 1e6:,.0f} us per check-in in-process (test client, no HTTP)")
    prof = cProfile.Profile()
    prof.enable()
    for i in range(count):
        one(i)
    prof.disable()
    stats = pstats.Stats(prof).sort_stats(sort)
    stats.print_stats(45)
    if os.environ.get("CALLEES"):
        stats.print_callees(os.environ["CALLEES"])
    if kind == "postgresql":
        drop_postgres(PG_NAME)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile order for --profile")
    args = parser.parse_args()
    kinds = [k for k in args.db.split(",") if k]
    if not args.port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            args.port = sock.getsockname()[1]
    if "postgresql" in kinds and not postgres_available():
        print("PostgreSQL is not reachable; measuring SQLite only")
        kinds.remove("postgresql")
    if args.profile:
        for kind in kinds:
            profile(kind, args.sort)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            summary(kind, run_database(kind, args, Path(tmp)), args)


if __name__ == "__main__":
    main()
