"""Benchmark: weighted spot-check draw over 1 million visits (target < 1 s), bulletin of 200 teams.

Run from the repository root: `.venv/bin/python -m bench.spotcheck_draw`.
Every figure is the median of several runs; the baselines run interleaved with the draw
in the same loop, because these machines are noisy (CPU steal comes in bursts).
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from checkin.domain.policy import DEFAULT_POLICY
from checkin.domain.ranking import TeamMonth, rank_teams
from checkin.domain.risk import CadreHistory, score_record
from checkin.domain.sampling import (
    VisitCandidate,
    derive_seed,
    draw_visit_backchecks,
    weighted_sample,
)

VISITS = 1_000_000
CADRES = 22_000  # the larger province in the sources (004)
PROFILES = 20_000
RUNS = 5
WEEK = "2026-W47"

# How often each flag shows up on a visit: innocent flags are common, forgery marks rare.
FLAG_RATES = {
    "late_sync": 0.15,
    "no_exif_time": 0.10,
    "low_accuracy": 0.08,
    "far_from_household": 0.05,
    "photo_old": 0.04,
    "outside_fence": 0.03,
    "exif_gps_far": 0.02,
    "clock_skew": 0.01,
    "duplicate_photo": 0.005,
    "impossible_travel": 0.003,
}


def risk_profiles(rng: random.Random) -> list[float]:
    """Scores of realistic (flags, history) profiles, computed by the real scorer."""
    scores = []
    for _ in range(PROFILES):
        flags = [f for f, rate in FLAG_RATES.items() if rng.random() < rate]
        checks = rng.choice([0, 0, 1, 2, 3, 4, 6, 8])
        failed = sum(rng.random() < 0.1 for _ in range(checks))
        days = None if checks == 0 else rng.randint(0, 120)
        history = CadreHistory(failed_checks=failed, checks=checks, days_since_last_check=days)
        scores.append(score_record(flags, history, "visit").score)
    return scores


def elapsed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(named: dict[str, Callable[[], Any]], runs: int = RUNS) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(runs):
        for name, fn in named.items():
            times[name].append(elapsed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def compare_with_baselines(
    candidates: list[tuple[int, float]], ids: list[int], weights: list[float], k: int, seed: str
) -> None:
    base = random.Random(1)
    t = interleaved(
        {
            "weighted_sample (ours)": lambda: weighted_sample(candidates, k, seed),
            "random.sample, unweighted": lambda: base.sample(ids, k),
            "random.choices, weighted, with replacement": lambda: base.choices(ids, weights, k=k),
        }
    )
    ours = t["weighted_sample (ours)"]
    print(f"k = {k:,}, median of {RUNS}:")
    for name, seconds in t.items():
        ratio = "" if seconds is ours else f"   ours / this = {ours / seconds:.1f}x"
        print(f"  {name:45s} {seconds * 1000:8.0f} ms{ratio}")
    print(f"  target < 1 s: {'met' if ours < 1.0 else 'MISSED'}\n")


def main() -> None:
    rng = random.Random(2026)
    profiles = risk_profiles(rng)
    weights = [rng.choice(profiles) for _ in range(VISITS)]
    ids = list(range(1, VISITS + 1))
    candidates = list(zip(ids, weights, strict=True))  # as read with ORDER BY id
    seed = derive_seed(b"bench secret", 1, WEEK)
    k = math.ceil(DEFAULT_POLICY.visit_backcheck_share * VISITS)
    print(
        f"{VISITS:,} visits, risk {min(weights):.1f}..{max(weights):.1f} "
        f"(mean {statistics.fmean(weights):.2f}), k = {k:,} (policy share) and 1,000\n"
    )

    for size in (k, 1000):
        compare_with_baselines(candidates, ids, weights, size, seed)

    shuffled = candidates[:]
    rng.shuffle(shuffled)
    assert weighted_sample(shuffled, k, seed) == weighted_sample(candidates, k, seed)
    t = interleaved({"shuffled": lambda: weighted_sample(shuffled, k, seed)}, runs=3)
    print(
        f"same draw, candidates in random order (must sort first): {t['shuffled'] * 1000:.0f} ms"
        " median of 3\n"
    )

    start = date(2026, 11, 3)
    visits = [
        VisitCandidate(i, 1 + i % CADRES, w, start - timedelta(days=i % 40) if i % 3 else None)
        for i, w in candidates
    ]
    t = interleaved({"backchecks": lambda: draw_visit_backchecks(visits, WEEK, seed)}, runs=3)
    print(
        f"draw_visit_backchecks, {VISITS:,} visits of {CADRES:,} cadres with coverage: "
        f"{t['backchecks'] * 1000:.0f} ms median of 3\n"
    )

    teams = [
        TeamMonth(
            team_id=n,
            village_id=1000 + n,
            unit=f"unit {n % 40}",
            attendance_pace=rng.uniform(0.6, 1.0),
            visit_coverage=rng.uniform(0.5, 1.0),
            contact_coverage=rng.uniform(0.7, 1.0),
            spotchecks=(checks := rng.randint(0, 12)),
            spotcheck_failures=rng.randint(0, checks // 4),
            satisfaction_answers=(answers := rng.randint(0, 30)),
            satisfied=(sat := rng.randint(0, answers)),
            basic=rng.randint(0, answers - sat),
            serious_findings=int(rng.random() < 0.03),
        )
        for n in range(1, 201)
    ]
    t = interleaved({"rank": lambda: rank_teams(teams, DEFAULT_POLICY)}, runs=51)
    print(f"rank_teams, 200 teams: {t['rank'] * 1000:.2f} ms median of 51")


if __name__ == "__main__":
    main()
