"""A county's roster (1,520 cadres in 190 villages by default) imported through the job
API as the web does it: POST /api/v1/imports as a preview, poll to the end, then for real;
time per phase, peak RSS of the process (the job's thread runs in it) and of the hashing
pool, real scrypt for the new accounts.

    PYTHONPATH=. .venv/bin/python bench/roster_import.py [--db sqlite|postgresql]
        [--cadres 1520] [--villages 190] [--households 50] [--one-row]

--one-row: instead, a one-row household import (a helper's change) into a small database
(19 cadres, 2 villages) and into one of the given size, loaded with one shared password;
the time and the Python memory peak (tracemalloc) of each, and their ratios: with the
records read by the codes the file names (`Known.load`), a larger database costs the same.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402

from bench._common import scratch_postgres, scratch_sqlite  # noqa: E402
from checkin import create_app, db  # noqa: E402
from checkin.models import User  # noqa: E402
from checkin.services.people import accounts  # noqa: E402


def county_xlsx(cadres: int, villages: int, households: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("区域")
    sheet.append(["代码", "名称", "级别", "上级代码"])
    sheet.append(["B9", "基准省", "省", None])
    sheet.append(["B901", "基准市", "市", "B9"])
    sheet.append(["B90101", "基准县", "县", "B901"])
    townships = max(1, villages // 10)
    for t in range(townships):
        sheet.append([f"B90101{t:03d}", f"基准镇{t}", "乡镇", "B90101"])
    sheet = book.create_sheet("派出单位")
    sheet.append(["单位代码", "单位名称"])
    for u in range(40):
        sheet.append([f"BU{u}", f"基准单位{u}"])
    sheet = book.create_sheet("村")
    sheet.append(["村代码", "村名", "所属乡镇代码", "纬度", "经度", "半径(米)", "村部固定电话"])
    for v in range(villages):
        sheet.append([f"BV{v:04d}", f"基准村{v}", f"B90101{v % townships:03d}",
                      30.5 + v * 0.002, 116.2 + v * 0.002, 1500, f"0556-8{v:06d}"])
    sheet = book.create_sheet("工作队")
    sheet.append(["工作队代码", "村代码", "派出单位代码", "任期开始"])
    for v in range(villages):
        sheet.append([f"BT{v:04d}", f"BV{v:04d}", f"BU{v % 40}", "2026/1/1"])
    sheet = book.create_sheet("驻村干部")
    sheet.append(["账号", "姓名", "手机", "工作队代码", "第一书记"])
    for c in range(cadres):
        v = c % villages
        sheet.append([f"bc{c:05d}", f"干部{c}", f"139{c:08d}", f"BT{v:04d}",
                      "是" if c < villages else "否"])
    sheet = book.create_sheet("农户")
    sheet.append(["户编码", "户主姓名", "村代码", "状态", "帮扶责任人账号"])
    for v in range(villages):
        for h in range(households):
            sheet.append([f"BH{v:04d}{h:03d}", f"户主{v}-{h}", f"BV{v:04d}", "脱贫户",
                          f"bc{(v + (h % max(1, cadres // villages)) * villages) % cadres:05d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def one_row(url: str, cadres: int, villages: int, households: int
            ) -> tuple[float, float]:
    """Load a county of the size given, then import one household row: (seconds, MiB)."""
    from checkin.roster.read import Limits, read_roster
    from checkin.services.people.roster_import import import_roster

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = db.session()
        import_roster(session, read_roster("county.xlsx", county_xlsx(
            cadres, villages, households), Limits(max_rows=10**7)), actor_id=None,
            initial_password="bench-initial-1")
        session.commit()
    row = io.BytesIO()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "农户"
    sheet.append(["户编码", "户主姓名", "村代码", "状态", "帮扶责任人账号"])
    sheet.append(["BH0000000", "户主改", "BV0000", "监测户", "bc00000"])
    book.save(row)
    with app.app_context():
        session = db.session()
        tracemalloc.start()
        started = time.perf_counter()
        import_roster(session, read_roster("one.xlsx", row.getvalue(), Limits()),
                      actor_id=None, initial_password="bench-initial-1")
        session.commit()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


def one_row_ratios(args: argparse.Namespace) -> None:
    results = []
    for label, size in (("small", (19, 2, 5)),
                        ("large", (args.cadres, args.villages, args.households))):
        url = scratch_sqlite(f"/tmp/bench-roster-{label}.db") if args.db == "sqlite" \
            else scratch_postgres(f"bench_roster_{label}")
        elapsed, peak = one_row(url, *size)
        results.append((elapsed, peak))
        print(f"1-row import into a {label} database ({size[0]} cadres, {size[1]} villages, "
              f"{size[1] * size[2]} households): {elapsed * 1000:.0f} ms, "
              f"peak {peak:.2f} MiB")
    (small_t, small_m), (large_t, large_m) = results
    print(f"ratios large/small: time {large_t / small_t:.2f}, memory {large_m / small_m:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cadres", type=int, default=1520)
    parser.add_argument("--villages", type=int, default=190)
    parser.add_argument("--households", type=int, default=50)
    parser.add_argument("--one-row", action="store_true")
    args = parser.parse_args()
    if args.one_row:
        one_row_ratios(args)
        return
    url = scratch_sqlite("/tmp/bench-roster.db") if args.db == "sqlite" \
        else scratch_postgres("bench_roster")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "BACKGROUND_WORKER": "thread",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = db.session()
        session.add(User(username="benchadmin", name="Bench", role="admin", active=True,
                         session_epoch=0, password_hash=accounts.hash_password("bench-pass")))
        with db.command_transaction():
            pass
    started = time.perf_counter()
    data = county_xlsx(args.cadres, args.villages, args.households)
    print(f"roster: {args.cadres} cadres, {args.villages} villages, "
          f"{args.villages * args.households} households; {len(data) / 2**20:.1f} MiB "
          f"xlsx made in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "benchadmin",
                                                "password": "bench-pass"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for label, form in (("preview", {"dry_run": "true"}), ("import", {})):
        started = time.perf_counter()
        answer = client.post("/api/v1/imports", headers=headers,
                             content_type="multipart/form-data",
                             data={"files": [(io.BytesIO(data), "county.xlsx")], **form})
        assert answer.status_code == 202, answer.get_data(as_text=True)
        posted = time.perf_counter() - started
        job_id = answer.get_json()["id"]
        seen = []
        while True:
            job = client.get(f"/api/v1/imports/{job_id}", headers=headers).get_json()
            if not seen or seen[-1] != job["progress"]:
                seen.append(job["progress"])
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        assert job["status"] == "done", job["problems"][:5]
        print(f"{label}: 202 in {posted * 1000:.0f} ms; done in {elapsed:.1f} s; "
              f"created {sum(job['created'].values())} records, "
              f"{job['changes_total']} changes, {job['new_accounts']} new accounts; "
              f"progress seen {len(seen)} values; peak RSS {rss_mb(resource.RUSAGE_SELF):.0f} MB"
              f" (hashing processes {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB each at most)")


if __name__ == "__main__":
    main()
