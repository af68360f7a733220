"""Peak memory of the photo maintenance commands against the number of stored files.

For each size: a scratch SQLite database with the demo world and photo rows naming 99 % of
the files (photo and thumbnail each), 1 % orphans two hours old, tiny files written straight
into the local store's layout; then each command runs as a fresh process and its peak RSS
(``ru_maxrss`` of that process) is reported next to the floor (the app started, nothing
done).

    .venv/bin/python -m bench.photo_maintenance [--files 50000 200000] [--repo PATH]

``--repo`` runs the commands of another checkout (e.g. main before the change) against the
same data, for a before/after.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bench._common import REPO, scratch_sqlite
from checkin import create_app, db
from checkin.models import Photo, Visit
from checkin.ops.demo import seed_demo
from config import Config

MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak, done.returncode, done.stdout.strip().replace(chr(10), ' | ')[:300])
"""


def write_files(root: Path, count: int, orphans: int) -> list[str]:
    """`count` tiny files in the store's layout (no fsync: a bench); the last `orphans`
    backdated two hours. Returns the keys rows will name."""
    keys = []
    old = time.time() - 7200
    made: set[str] = set()
    for n in range(count):
        data = f"bench photo {n}".encode()
        key = hashlib.sha256(data).hexdigest()
        folder = root / key[:2] / key[2:4]
        if key[:4] not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(key[:4])
        path = folder / f"{key}.jpg"
        path.write_bytes(data)
        if n >= count - orphans:
            os.utime(path, (old, old))
        else:
            keys.append(key)
    return keys


def fill(url: str, photo_dir: Path, files: int) -> None:
    class BenchConfig(Config):
        DATABASE_URL = url
        SECRET_KEY = "bench"
        PHOTO_DIR = str(photo_dir)
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"

    app = create_app(BenchConfig)
    with app.app_context():
        session = db.session()
        seed_demo(session, password="bench-pass-1")
        session.commit()
        visit = session.scalars(select(Visit)).first()
        assert visit is not None
        named = write_files(photo_dir, files, files // 100)
        rows = [{"visit_id": visit.id, "county_id": None, "sha256": named[i],
                 "thumb_sha256": named[i + 1], "width": 1, "height": 1,
                 "original_format": "JPEG", "original_width": 1, "original_height": 1,
                 "phash": 0, "band0": 0, "band1": 0, "band2": 0, "band3": 0, "flags": ""}
                for i in range(0, len(named) - 1, 2)]
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Photo), rows[start:start + 10_000])
        session.commit()
    app.extensions["checkin_engine"].dispose()


def measure(repo: Path, env: dict[str, str], args: list[str]) -> tuple[int, int, str]:
    out = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, *args], cwd=repo,
                         env={**env, "PYTHONPATH": str(repo)}, capture_output=True,
                         text=True, check=True).stdout.split(" ", 2)
    return int(out[0]), int(out[1]), out[2].strip() if len(out) > 2 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--repo", type=Path, default=REPO)
    options = parser.parse_args()
    new = (options.repo / "checkin" / "photos" / "stores.py").exists()
    commands = {
        "floor (app started)": ["-c", "from checkin import create_app; create_app()"],
        "check-integrity": ["-m", "flask", "--app", "checkin", "check-integrity"],
        "remove-orphan-photos": ["-m", "flask", "--app", "checkin", "remove-orphan-photos"],
        "backup (directory)": ["-m", "flask", "--app", "checkin", "backup", "BACKUP"],
    }
    if new:
        commands["check-integrity --all"] = ["-m", "flask", "--app", "checkin",
                                             "check-integrity", "--all"]
    print(f"code: {options.repo}; peak RSS in MiB")
    for files in options.files:
        with tempfile.TemporaryDirectory(prefix="bench-photos-") as work:
            root = Path(work)
            url = scratch_sqlite(str(root / "bench.db"))
            started = time.perf_counter()
            fill(url, root / "photos", files)
            print(f"{files:,} files ({files // 100:,} orphans): filled in "
                  f"{time.perf_counter() - started:.0f} s")
            env = {**os.environ, "CHECKIN_ENV": "development", "SECRET_KEY": "bench",
                   "DATABASE_URL": url, "PHOTO_DIR": str(root / "photos")}
            for name, args in commands.items():
                args = [a.replace("BACKUP", str(root / f"backup-{time.time_ns()}"))
                        for a in args]
                started = time.perf_counter()
                peak_kib, code, said = measure(options.repo, env, args)
                took = time.perf_counter() - started
                print(f"  {name:24} {peak_kib / 1024:7.1f} MiB  {took:6.1f} s  exit {code}  "
                      f"{said[:110]}")
            for backup in root.glob("backup-*"):
                shutil.rmtree(backup, ignore_errors=True)


if __name__ == "__main__":
    main()
