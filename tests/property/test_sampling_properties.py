"""Properties of the weighted draw: k distinct keys, only eligible ones, all of them when
k reaches their number, the same draw from the same seed whatever the input order, and a
smaller draw is the start of a larger one."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from checkin.domain.sampling import _race, weighted_sample

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
    keys, places = _race(pool, seed, "weighted_sample")
    reference = [keys[i] for i in sorted(range(n), key=lambda i: (places[i], i))[:k]
                 if places[i] != math.inf]
    assert weighted_sample(pool, k, seed) == reference
