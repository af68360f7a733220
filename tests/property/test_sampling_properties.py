"""Properties of the weighted draw: k distinct keys, only eligible ones, all of them when
k reaches their number, the same draw from the same seed whatever the input order, and a
smaller draw is the start of a larger one."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from checkin.domain.sampling import (
    VisitCandidate,
    draw_visit_backchecks,
    parse_iso_week,
    weighted_sample,
)

weights = st.floats(min_value=-5.0, max_value=1000.0, allow_nan=False) | st.just(0.0)
seeds = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)


@st.composite
def candidates(draw: st.DrawFn, max_size: int = 60) -> list[tuple[int, float]]:
    keys = draw(st.lists(st.integers(-10_000, 10_000), unique=True, max_size=max_size))
    return [(key, draw(weights)) for key in keys]


def _eligible(pool: list[tuple[int, float]]) -> set[int]:
    return {key for key, weight in pool if weight > 0}


@given(candidates(), st.integers(0, 80), seeds)
def test_k_distinct_eligible_keys(pool, k, seed) -> None:
    drawn = weighted_sample(pool, k, seed)
    eligible = _eligible(pool)
    assert len(drawn) == len(set(drawn)) == min(k, len(eligible))
    assert set(drawn) <= eligible  # a weight of zero or less is never drawn


@given(candidates(), seeds)
def test_everyone_eligible_is_drawn_when_k_reaches_them(pool, seed) -> None:
    eligible = _eligible(pool)
    assert set(weighted_sample(pool, len(eligible), seed)) == eligible
    assert set(weighted_sample(pool, len(pool) + 5, seed)) == eligible


@given(candidates(), st.integers(0, 80), seeds, st.randoms(use_true_random=False))
def test_reproducible_whatever_the_order(pool, k, seed, rng) -> None:
    shuffled = list(pool)
    rng.shuffle(shuffled)
    first = weighted_sample(pool, k, seed)
    assert weighted_sample(pool, k, seed) == first
    assert weighted_sample(shuffled, k, seed) == first


@given(candidates(), st.integers(0, 40), st.integers(0, 40), seeds)
def test_a_smaller_draw_is_the_start_of_a_larger_one(pool, a, b, seed) -> None:
    small, large = sorted((a, b))
    assert weighted_sample(pool, large, seed)[:small] == weighted_sample(pool, small, seed)


@settings(max_examples=8)
@given(st.integers(20_000, 24_000), st.integers(1, 400), seeds)
def test_the_large_pool_shortcut_draws_the_same_as_sorting_everything(n, k, seed) -> None:
    pool = [(key, float(1 + key % 7)) for key in range(n)]
    everyone = weighted_sample(pool, n, seed)  # k = n: every place is sorted, no shortcut
    assert weighted_sample(pool, k, seed) == everyone[:k]


def _race(visits: list[VisitCandidate], week: str, seed: str) -> tuple[list[int], list[float]]:
    """Visit ids in key order and each one's place in the back-check race (lower is drawn
    earlier, inf never), read from the public draw: with every cadre covered this month (a
    back-check on the week's Thursday) and a share of 1, draw_visit_backchecks gives every
    eligible visit in race order."""
    thursday = parse_iso_week(week)[0] + timedelta(days=3)
    covered = [replace(v, cadre_last_backcheck=thursday) for v in visits]
    place = {visit_id: float(n) for n, visit_id in
             enumerate(draw_visit_backchecks(covered, week, seed, 1.0))}
    keys = sorted(v.visit_id for v in visits)
    return keys, [place.get(key, math.inf) for key in keys]


def _backchecks_reference(visits: list[VisitCandidate], week: str, seed: str,
                          share: float) -> list[int]:
    """The back-check draw written the plain way, one Python step per visit and per cadre:
    draw_visit_backchecks does the same work with C-level maps and must agree exactly."""
    thursday = parse_iso_week(week)[0] + timedelta(days=3)
    month_start = thursday.replace(day=1)
    keys, places = _race(visits, week, seed)
    position = {key: i for i, key in enumerate(keys)}
    positions: dict[int, list[int]] = {}
    last_check: dict[int, date | None] = {}
    for v in visits:
        positions.setdefault(v.user_id, []).append(position[v.visit_id])
        known = last_check.get(v.user_id)
        latest = v.cadre_last_backcheck
        if known is not None and (latest is None or known > latest):
            latest = known
        last_check[v.user_id] = latest
    forced = [min(positions[user], key=lambda i: (places[i], i))
              for user, last in last_check.items() if last is None or last < month_start]
    forced = sorted((i for i in forced if places[i] != math.inf), key=lambda i: (places[i], i))
    k = math.ceil(round(share * len(keys), 9))
    rest = places.copy()
    for i in forced:
        rest[i] = math.inf
    fill = sorted((i for i in range(len(rest)) if rest[i] != math.inf),
                  key=lambda i: (rest[i], i))[:max(0, k - len(forced))]
    return [keys[i] for i in forced + fill]


@st.composite
def week_of_visits(draw: st.DrawFn) -> list[VisitCandidate]:
    ids = draw(st.lists(st.integers(1, 5_000), unique=True, min_size=0, max_size=80))
    if draw(st.booleans()):
        ids.sort()  # as read with ORDER BY id: the draw skips its sort
    users = st.integers(1, 12)
    edges = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 1)]
    checks = st.none() | st.sampled_from(edges) | st.dates(date(2026, 9, 1), date(2026, 12, 5))
    risks = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.5, 40.0]) | st.floats(0.0, 100.0)
    return [VisitCandidate(i, draw(users), draw(risks), draw(checks)) for i in ids]


@settings(max_examples=300)
@given(week_of_visits(), seeds, st.sampled_from([0.0, 0.05, 0.15, 0.5, 1.0]),
       st.sampled_from(["2026-W45", "2026-W47", "2026-W49"]))
def test_the_backcheck_draw_agrees_with_the_plain_one(visits, seed, share, week) -> None:
    assert draw_visit_backchecks(visits, week, seed, share) == _backchecks_reference(
        visits, week, seed, share)
