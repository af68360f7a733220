"""Benchmark: the month-grid export (.xlsx) at county and province sizes.

Usage: .venv/bin/python bench/exports.py [--sizes 1500,3000,6000,22112] [--runs 3]

Each size is a month grid as `/attendance/month.xlsx` sends it: per cadre a name, village,
team, unit, 31 day cells (Chinese category words, coloured) and 5 counts. In one run and
interleaved, median of --runs, for each size:
- the baseline: the same rows written by the csv module to a temporary file (the floor of
  writing that many cells at all);
- `exports.xlsx_table`, the path the web takes.
Printed: seconds, the ratio to the baseline, seconds per 1,000 rows (flat when the export
grows linearly), and the peak RSS of a fresh process that writes only the .xlsx of that size
(flat when memory does not grow with the rows).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checkin.exports import xlsx_table

WORDS = ("在岗", "公差", "培训", "请假", "缺勤")
FILL = {"在岗": "BBF7D0", "公差": "BFDBFE", "培训": "DDD6FE", "请假": "FDE68A", "缺勤": "FECACA"}
HEADERS = ["姓名", "村", "工作队", "派出单位", *[str(d) for d in range(1, 32)],
           "在岗", "公差", "培训", "请假", "缺勤"]


def grid(size: int) -> Iterator[list[Any]]:
    rng = random.Random(size)
    for n in range(size):
        cells = [WORDS[min(4, int(rng.expovariate(1.5)))] for _ in range(31)]
        yield [f"干部{n:05d}", f"村{n // 8:04d}", f"T{n // 3:05d}", f"单位{n % 400}", *cells,
               *[cells.count(w) for w in WORDS]]


def baseline(size: int) -> None:
    with tempfile.TemporaryFile() as out:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(HEADERS)
        writer.writerows(grid(size))
        text.flush()


def xlsx(size: int) -> None:
    with tempfile.TemporaryFile() as out:
        xlsx_table(out, "考勤表-2026-10", "县 2026年10月 驻村干部考勤表", HEADERS, grid(size),
                   FILL)


def timed(job: Callable[[int], None], size: int) -> float:
    start = time.perf_counter()
    job(size)
    return time.perf_counter() - start


def peak_rss_mib(size: int) -> float:
    """Peak RSS of a new interpreter that writes the .xlsx of `size` rows."""
    code = ("import resource, sys; from bench.exports import xlsx; xlsx(int(sys.argv[1])); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, str(size)], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1500,3000,6000,22112")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'rows':>7} {'csv s':>7} {'xlsx s':>7} {'ratio':>6} {'s/1000 rows':>11} "
          f"{'peak RSS MiB':>12}")
    for size in sizes:
        base: list[float] = []
        new: list[float] = []
        for run in range(args.runs):
            order = [(baseline, base), (xlsx, new)]
            for job, into in order if run % 2 == 0 else order[::-1]:
                into.append(timed(job, size))
        b, n = statistics.median(base), statistics.median(new)
        print(f"{size:>7} {b:>7.2f} {n:>7.2f} {n / b:>6.1f} {n / size * 1000:>11.3f} "
              f"{peak_rss_mib(size):>12.1f}")


if __name__ == "__main__":
    main()
