"""Benchmark: POST /api/v1/checkins under gunicorn, this tree against a baseline tree (not a test).

Usage: .venv/bin/python bench/checkin_throughput.py [--baseline /work/baseline-main]
       [--duration 10] [--rounds 3] [--workers 4] [--connections 32]
       [--db sqlite,postgresql] [--profile]

Two trees are measured in one run: this one ("new") and `--baseline` (a checkout of an
earlier commit, e.g. `git worktree add /work/baseline-main 2c97748`, with .venv linked and
translations compiled). For each database (SQLite in WAL mode in /tmp, PostgreSQL) each
tree gets its own scratch database, migrated by that tree's own migrations, seeded alike
(500 cadres in 100 villages with an API token each), and its own gunicorn (sync workers,
127.0.0.1, its own PYTHONPATH and port) serving its real app plus /bench/trivial (added by
that tree's bench/_wsgi.py only). wrk (apt-get install wrk) with 32 connections then takes
turns over trees and endpoints, the tree that goes first alternating round by round, so
every ratio sees the same machine: the machine is shared and noisy, and the interleaving
is what makes the ratio fair. Printed per tree: req/s of the trivial endpoint and of the
check-in, the check-in as a ratio to its own tree's trivial endpoint, p50 and p99, and the
CPU a request cost the gunicorn workers and the database server (PostgreSQL; SQLite runs
in the workers); then new/baseline of the check-in's ratio to trivial (the figure the
aim is about: at least 0.8) and of its raw req/s.

Every check-in has a new UUID, a token picked round-robin over the cadres, a position near
the cadre's village (one in ten outside the fence) and the current time. After the runs
each database is checked: one check-in row and one audit entry per 201, no "database is
locked" in the log.

--profile skips HTTP and profiles this tree's view in-process (cProfile, top functions).
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

from sqlalchemy import create_engine, func, select, text

from bench._common import (
    POSTGRES_ADMIN_URL,
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
    """gunicorn with sync workers on 127.0.0.1 serving `tree`'s app, its stderr kept for the
    error check."""

    def __init__(self, tree: Path, url: str, port: int, workers: int, log: Path) -> None:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
               "CHECKIN_ENV": "production", "PYTHONPATH": str(tree)}
        self.log = log
        self.port = port
        self.proc = subprocess.Popen(
            [str(tree / ".venv" / "bin" / "gunicorn"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench._wsgi:app"],
            cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        deadline = time.monotonic() + 120  # a busy shared machine starts slowly
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


MIGRATE = ("import sys; from checkin.db import make_engine; from checkin.migrate import upgrade; "
           "engine = make_engine(sys.argv[1]); upgrade(engine); engine.dispose()")


def migrate_with(tree: Path, url: str) -> None:
    """Bring the scratch database at `url` to head with `tree`'s own migrations."""
    subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", MIGRATE, url], cwd=tree,
                   env={**os.environ, "PYTHONPATH": str(tree)}, check=True)


def scratch_database(kind: str, tag: str, tree: Path) -> str:
    """An empty database for one tree, migrated by that tree."""
    if kind == "sqlite":
        path = SQLITE_PATH.replace(".db", f"-{tag}.db")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(path + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        drop_postgres(f"{PG_NAME}_{tag}")
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{PG_NAME}_{tag}"'))
        admin.dispose()
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_NAME}_{tag}"
    migrate_with(tree, url)
    return url


class Tree:
    """One tree under test: its database, world, scripts, server and runs."""

    def __init__(self, tag: str, path: Path, kind: str, port: int, args: argparse.Namespace,
                 tmp: Path) -> None:
        self.tag, self.path, self.kind = tag, path, kind
        self.url = scratch_database(kind, tag, path)
        self.engine = make_engine(self.url)
        world = seed_world(self.engine, counties=1, townships_per_county=10,
                           villages_per_township=10, cadres_per_village=5)
        tokens = issue_tokens(self.engine, [uid for uid, _vid in world.cadres])
        self.script = tmp / f"checkin-{kind}-{tag}.lua"
        self.script.write_text(checkin_script(world, tokens))
        self.trivial_script = tmp / "trivial.lua"
        self.trivial_script.write_text(REPORT_LUA)
        self.server = Server(path, self.url, port, args.workers,
                             tmp / f"gunicorn-{kind}-{tag}.log")
        self.base = f"http://127.0.0.1:{port}"
        self.runs: dict[str, list[dict[str, Any]]] = {"trivial": [], "checkin": []}
        self.warmup_requests = 0
        self.log = ""
        self.checks: dict[str, Any] = {}

    def run(self, name: str, seconds: int, connections: int, keep: bool = True) -> None:
        if name == "trivial":
            result = wrk(f"{self.base}/bench/trivial", self.trivial_script, seconds,
                         connections, self.server)
        else:
            result = wrk(f"{self.base}/api/v1/checkins", self.script, seconds, connections,
                         self.server)
        if keep:
            self.runs[name].append(result)
        elif name == "checkin":
            self.warmup_requests += result["requests"]

    def finish(self) -> dict[str, Any]:
        """Stop the server and check the database against what was answered."""
        self.log = self.server.stop()
        with self.engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Checkin))
            audited = conn.scalar(select(func.count()).select_from(AuditEntry).join(
                Checkin, Checkin.id == AuditEntry.entity_id).where(
                AuditEntry.action == "checkin.create"))
            days = conn.scalar(select(func.count()).select_from(AttendanceDay))
        self.engine.dispose()
        if self.kind == "postgresql":
            drop_postgres(f"{PG_NAME}_{self.tag}")
        answered = sum(r["requests"] for r in self.runs["checkin"]) + self.warmup_requests
        return {"stored": stored, "audited": audited, "days": days, "answered": answered,
                "locked": self.log.count("database is locked"),
                "tracebacks": self.log.count("Traceback")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_database(kind: str, args: argparse.Namespace, tmp: Path) -> list[Tree]:
    """Both trees on one database kind, their rounds interleaved."""
    trees = [Tree("baseline", args.baseline, kind, free_port(), args, tmp)]
    try:
        trees.append(Tree("new", REPO, kind, free_port(), args, tmp))
        for tree in trees:  # warm-up: workers import, connect, fill their caches
            tree.run("trivial", 3, args.connections, keep=False)
            tree.run("checkin", 3, args.connections, keep=False)
        for number in range(args.rounds):
            order = trees if number % 2 == 0 else trees[::-1]
            for tree in order:
                for name in ("trivial", "checkin"):
                    tree.run(name, args.duration, args.connections)
    finally:
        for tree in trees:
            tree.checks = tree.finish()
    return trees


def med(tree: Tree, name: str, key: str) -> float:
    return statistics.median(r[key] for r in tree.runs[name])


def per_round_ratio(tree: Tree) -> list[float]:
    return [c["rps"] / t["rps"] for t, c in zip(tree.runs["trivial"], tree.runs["checkin"],
                                                   strict=True)]


def summary(kind: str, trees: list[Tree], args: argparse.Namespace) -> None:
    print(f"\n{kind}: gunicorn {args.workers} sync workers per tree, wrk 1 thread x "
          f"{args.connections} connections, {args.rounds} rounds x {args.duration} s per "
          "endpoint and tree, interleaved; medians")
    print(f"  {'tree':<10}{'endpoint':<20}{'req/s':>9}{'ratio':>8}{'p50':>9}{'p99':>9}"
          f"{'errors':>8}   CPU/request: {'workers':>8}{'database':>9}")
    for tree in trees:
        t_rps = med(tree, "trivial", "rps")
        for name, label in (("trivial", "GET /bench/trivial"), ("checkin", "POST /checkins")):
            errors = sum(r["errors"] for r in tree.runs[name])
            print(f"  {tree.tag:<10}{label:<20}{med(tree, name, 'rps'):>9,.0f}"
                  f"{med(tree, name, 'rps') / t_rps:>7.3f}x"
                  f"{med(tree, name, 'p50_us') / 1000:>7.1f}ms"
                  f"{med(tree, name, 'p99_us') / 1000:>7.1f}ms{errors:>8}{'':>16}"
                  f"{med(tree, name, 'cpu_workers_us'):>6,.0f}us"
                  f"{med(tree, name, 'cpu_database_us'):>7,.0f}us")
    old, new = trees
    ratio_old = statistics.median(per_round_ratio(old))
    ratio_new = statistics.median(per_round_ratio(new))
    print(f"  check-in / trivial: baseline {ratio_old:.3f}x, new {ratio_new:.3f}x; "
          f"new/baseline {ratio_new / ratio_old:.2f} (aim: >= 0.80); raw check-in req/s "
          f"new/baseline {med(new, 'checkin', 'rps') / med(old, 'checkin', 'rps'):.2f}; "
          f"new p99 {med(new, 'checkin', 'p99_us') / 1000:.1f} ms (aim: < 50 ms)")
    for tree in trees:
        print(f"  {tree.tag} per round (trivial | check-in req/s): " + "; ".join(
            f"{t['rps']:,.0f} | {c['rps']:,.0f}"
            for t, c in zip(tree.runs["trivial"], tree.runs["checkin"], strict=True)))
        checks = tree.checks
        print(f"  {tree.tag}: stored check-ins {checks['stored']:,} (answered "
              f"{checks['answered']:,}; wrk does not count replies still in flight when it "
              f"stops), audit entries {checks['audited']:,}, attendance days "
              f"{checks['days']:,}, 'database is locked' in log: {checks['locked']}, "
              f"tracebacks: {checks['tracebacks']}")
        if checks["tracebacks"]:
            print(tree.log[-3000:])


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
    parser.add_argument("--baseline", type=Path, default=Path("/work/baseline-main"),
                        help="the tree to compare with (its own .venv and bench/_wsgi.py)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="cProfile order for --profile")
    args = parser.parse_args()
    kinds = [k for k in args.db.split(",") if k]
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
