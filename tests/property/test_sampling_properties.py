"""Properties of the weighted draw: k distinct keys, only eligible ones, all of them when
k reaches their number, the same draw from the same seed whatever the input order, and a
smaller draw is the start of a larger one; the back-check draw covers every cadre not yet
back-checked this month; and the random stream is the one stored draws were made with."""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from checkin.domain.sampling import (
    PresenceCandidate,
    VisitCandidate,
    derive_seed,
    draw_presence,
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


@st.composite
def week_of_visits(draw: st.DrawFn) -> list[VisitCandidate]:
    ids = draw(st.lists(st.integers(1, 5_000), unique=True, min_size=0, max_size=80))
    if draw(st.booleans()):
        ids.sort()  # as read with ORDER BY id
    users = st.integers(1, 12)
    edges = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 1)]
    checks = st.none() | st.sampled_from(edges) | st.dates(date(2026, 9, 1), date(2026, 12, 5))
    risks = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.5, 40.0]) | st.floats(0.0, 100.0)
    return [VisitCandidate(i, draw(users), draw(risks), draw(checks)) for i in ids]


def _uncovered(visits: list[VisitCandidate], week: str) -> set[int]:
    """Cadres with no back-check in the month of the week's Thursday (latest on any visit)."""
    month_start = (parse_iso_week(week)[0] + timedelta(days=3)).replace(day=1)
    last: dict[int, date | None] = {}
    for v in visits:
        known = last.get(v.user_id)
        latest = v.cadre_last_backcheck
        if known is not None and (latest is None or known > latest):
            latest = known
        last[v.user_id] = latest
    return {user for user, day in last.items() if day is None or day < month_start}


@settings(max_examples=300)
@given(week_of_visits(), seeds, st.sampled_from([0.0, 0.05, 0.15, 0.5, 1.0]),
       st.sampled_from(["2026-W45", "2026-W47", "2026-W49"]), st.randoms(use_true_random=False))
def test_the_backcheck_draw_covers_every_cadre_and_repeats_from_its_seed(
        visits, seed, share, week, rng) -> None:
    drawn = draw_visit_backchecks(visits, week, seed, share)
    shuffled = list(visits)
    rng.shuffle(shuffled)
    assert draw_visit_backchecks(shuffled, week, seed, share) == drawn  # any input order
    eligible = {v.visit_id for v in visits if v.risk > 0}
    assert len(drawn) == len(set(drawn)) and set(drawn) <= eligible
    owner = {v.visit_id: v.user_id for v in visits}
    covered = {v.user_id for v in visits if v.risk > 0} & _uncovered(visits, week)
    assert covered == {owner[visit_id] for visit_id in drawn[:len(covered)]}
    k = math.ceil(round(share * len(visits), 9))
    assert len(drawn) == len(covered) + min(max(0, k - len(covered)),
                                            len(eligible) - len(covered))


SEED = "667f12efba91d4f7dbbc68565a3be4b17aac5558734aac9bc89e9036294620d0"


def test_a_draw_from_a_seed_is_the_one_stored_draws_were_made_with() -> None:
    """The random stream is frozen: these are the draws the first deployed code gave, so a
    batch drawn with it still verifies (spotcheck-verify re-runs the draw from the seed)."""
    assert derive_seed(b"county secret", 7, "2026-W47") == SEED
    assert weighted_sample([(k, 1.0 + k % 5) for k in range(1, 41)], 8, SEED) == [
        24, 27, 20, 37, 32, 9, 14, 1]
    visits = [VisitCandidate(f"v{n:02d}", 1 + n % 4, float(n % 3),
                             None if n % 4 == 0 else date(2026, 10, 30 + n % 4 // 2))
              for n in range(24)]
    assert draw_visit_backchecks(visits, "2026-W47", SEED, 0.25) == [
        "v23", "v13", "v16", "v22", "v11", "v05"]
    cadres = [PresenceCandidate(u, None if u % 3 else date(2026, 10, 5)) for u in range(1, 31)]
    assert [(d.user_id, d.day.isoformat(), d.window_start.isoformat("minutes"))
            for d in draw_presence(cadres, "2026-W47", SEED, 4)] == [
        (12, "2026-11-16", "15:00"), (28, "2026-11-18", "13:30"), (10, "2026-11-19", "15:00"),
        (16, "2026-11-20", "15:00")]
