"""Shared helpers for the benchmarks: scratch databases, a seeded world, tokens, timing.

Scratch databases are made with the app's own migrations: a SQLite file under /tmp and a
PostgreSQL database on the local server (trust auth, user postgres), dropped and made anew
on every run. The world is written with SQLAlchemy Core in a few statements.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from checkin.db import make_engine  # noqa: E402
from checkin.migrate import upgrade  # noqa: E402
from checkin.models import ApiToken, Area, SendingUnit, Team, User, Village  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CENTRE = (30.85, 116.36)  # Yuexi county, Anhui


# Scratch databases -------------------------------------------------------------------

def scratch_sqlite(path: str) -> str:
    """A fresh SQLite file at `path`, migrated to head; returns its URL."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def scratch_postgres(name: str) -> str:
    """A fresh PostgreSQL database `name`, migrated to head; returns its URL."""
    drop_postgres(name)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_postgres(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def postgres_available() -> bool:
    try:
        admin = create_engine(POSTGRES_ADMIN_URL)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception:  # any failure means "no server to measure"
        return False
    return True


# The world -----------------------------------------------------------------------------

@dataclass
class World:
    """Ids of what was seeded; cadres in village order, each with its village's centre."""

    province: int = 0
    counties: list[int] = field(default_factory=list)
    townships: list[int] = field(default_factory=list)
    villages: list[tuple[int, float, float]] = field(default_factory=list)  # id, lat, lon
    teams: list[int] = field(default_factory=list)
    cadres: list[tuple[int, int]] = field(default_factory=list)  # user id, village id
    supervisors: dict[str, int] = field(default_factory=dict)  # county/township id -> user


def seed_world(engine: Engine, *, counties: int, townships_per_county: int,
               villages_per_township: int, cadres_per_village: int,
               max_cadres: int | None = None,
               term: Callable[[int], tuple[date, date | None]] | None = None) -> World:
    """Areas, villages with fences, one team per village, cadres, a supervisor per county.

    Everything gets explicit ids (PostgreSQL sequences are moved past them afterwards).
    `term(village_index)` gives each team's term; by default 2025-03-01 to 2027-02-28.
    """
    term = term or (lambda _i: (date(2025, 3, 1), date(2027, 2, 28)))
    world = World()
    areas: list[dict[str, Any]] = []
    villages: list[dict[str, Any]] = []
    teams: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    next_area = iter(range(1, 10**9))
    next_user = iter(range(1, 10**9))
    now = datetime.now(UTC)
    common = {"password_hash": "!bench", "active": True, "session_epoch": 0,
              "created_at": now, "phone": None, "code": None, "unit_id": 1}

    def area(code: str, name: str, level: str, parent: dict[str, Any] | None
             ) -> dict[str, Any]:
        row = {"id": next(next_area), "code": code, "name": name, "level": level,
               "parent_id": parent["id"] if parent else None}
        row["path"] = (parent["path"] if parent else "/") + f"{row['id']}/"
        areas.append(row)
        return row

    province = area("34", "安徽省", "province", None)
    world.province = province["id"]
    v_index = 0
    done = False
    for c in range(counties):
        county = area(f"34{c + 1:02d}", f"县{c + 1}", "county", province)
        world.counties.append(county["id"])
        sup = next(next_user)
        users.append({**common, "id": sup, "username": f"county{c + 1}",
                      "name": f"县督查{c + 1}", "role": "supervisor", "area_id": county["id"],
                      "village_id": None, "team_id": None, "is_leader": False})
        world.supervisors[f"county{c + 1}"] = sup
        for t in range(townships_per_county):
            township = area(f"{county['code']}{t + 1:03d}", f"镇{c + 1}-{t + 1}", "township",
                            county)
            world.townships.append(township["id"])
            for v in range(villages_per_township):
                node = area(f"{township['code']}{v + 1:03d}", f"村{c + 1}-{t + 1}-{v + 1}",
                            "village", township)
                lat = CENTRE[0] + (c - counties / 2) * 0.3 + (t % 4) * 0.05 + v * 0.004
                lon = CENTRE[1] + (t // 4) * 0.05 + (v % 5) * 0.006
                vid = len(villages) + 1
                villages.append({"id": vid, "area_id": node["id"], "code": node["code"],
                                 "name": node["name"], "lat": lat, "lon": lon,
                                 "radius_m": 1500.0, "landline": "0556-1234567",
                                 "poverty_status": "poor", "area_path": node["path"]})
                world.villages.append((vid, lat, lon))
                start, end = term(v_index)
                v_index += 1
                teams.append({"id": vid, "code": f"T{vid}", "village_id": vid, "unit_id": 1,
                              "leader_id": None, "term_start": start, "term_end": end})
                world.teams.append(vid)
                for k in range(cadres_per_village):
                    uid = next(next_user)
                    users.append({**common, "id": uid, "username": f"cadre{uid}",
                                  "name": f"干部{uid}", "role": "cadre", "area_id": None,
                                  "village_id": vid, "team_id": vid, "is_leader": k == 0})
                    world.cadres.append((uid, vid))
                    if max_cadres is not None and len(world.cadres) >= max_cadres:
                        done = True
                        break
                if done:
                    break
            if done:
                break
        if done:
            break
    with engine.begin() as conn:
        conn.execute(insert(SendingUnit), [{"id": 1, "code": "U1", "name": "派出单位"}])
        for table, rows in ((Area, areas), (Village, villages), (Team, teams), (User, users)):
            for chunk in chunks(rows, 5000):
                conn.execute(insert(table), chunk)
        if engine.dialect.name == "postgresql":
            for table in ("areas", "villages", "teams", "users", "sending_units"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    return world


def issue_tokens(engine: Engine, user_ids: list[int], days: int = 30) -> list[str]:
    """One API token per user, written as POST /tokens would (hash stored, raw returned)."""
    now = datetime.now(UTC)
    raws = [secrets.token_urlsafe(32) for _ in user_ids]
    rows = [{"user_id": uid, "token_hash": hashlib.sha256(raw.encode()).hexdigest(),
             "epoch": 0, "created_at": now, "expires_at": now + timedelta(days=days),
             "revoked_at": None} for uid, raw in zip(user_ids, raws, strict=True)]
    with engine.begin() as conn:
        for chunk in chunks(rows, 5000):
            conn.execute(insert(ApiToken), chunk)
    return raws


# Timing --------------------------------------------------------------------------------

def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def elapsed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(named: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median seconds of each callable, the callables taking turns in every round."""
    times: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(runs):
        for name, fn in named.items():
            times[name].append(elapsed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"
