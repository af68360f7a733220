"""Spot-check draws: unannounced, weighted to risk, everyone covered, reproducible from the seed."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from collections import Counter
from datetime import date, time, timedelta

import pytest

from checkin.domain.sampling import (
    PresenceCandidate,
    PresenceDraw,
    VisitCandidate,
    derive_seed,
    draw_presence,
    draw_visit_backchecks,
    parse_iso_week,
    quarter_of_week,
    verify_draw,
    weeks_left_in_quarter,
    weighted_sample,
)

SEED = derive_seed(b"county secret", 7, "2026-W47")


# --- weeks and seeds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "monday", "sunday"),
    [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),  # starts in the year before
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),  # 2026 has 53 ISO weeks
        ("2027-W01", date(2027, 1, 4), date(2027, 1, 10)),
    ],
)
def test_an_iso_week_runs_monday_to_sunday(week: str, monday: date, sunday: date) -> None:
    assert parse_iso_week(week) == (monday, sunday)


@pytest.mark.parametrize(
    "week",
    [
        "2027-W53",  # 2027 has only 52 weeks
        "2026-W00",
        "2026-W54",
        "2026W47",
        "2026-w47",
        "26-W47",
        "2026-W7",
        " 2026-W47",
        "2026-W47\n",
        "２０２６-W47",
        "",
        None,
        202647,
    ],
)
def test_anything_else_is_not_a_week(week: object) -> None:
    with pytest.raises(ValueError):
        parse_iso_week(week)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("week", "quarter", "weeks_left"),
    [
        ("2026-W40", (date(2026, 10, 1), date(2026, 12, 31)), 14),  # Mon 28 Sep, Thu 1 Oct
        ("2026-W47", (date(2026, 10, 1), date(2026, 12, 31)), 7),
        ("2026-W53", (date(2026, 10, 1), date(2026, 12, 31)), 1),  # ends Sun 3 Jan 2027
        ("2027-W01", (date(2027, 1, 1), date(2027, 3, 31)), 12),
        ("2027-W12", (date(2027, 1, 1), date(2027, 3, 31)), 1),  # Thu 25 Mar
        ("2027-W13", (date(2027, 4, 1), date(2027, 6, 30)), 13),  # Thu 1 Apr
    ],
)
def test_a_week_belongs_to_the_quarter_of_its_thursday(
    week: str, quarter: tuple[date, date], weeks_left: int
) -> None:
    assert quarter_of_week(week) == quarter
    assert weeks_left_in_quarter(week) == weeks_left


def test_the_seed_is_hmac_sha256_of_area_and_week() -> None:
    expected = hmac.new(b"k", b"checkin.spotcheck.v1|7|2026-W47", hashlib.sha256).hexdigest()
    assert derive_seed(b"k", 7, "2026-W47") == expected
    assert len(expected) == 64


@pytest.mark.parametrize(
    ("secret", "area_id", "week"),
    [
        (b"other secret", 7, "2026-W47"),
        (b"county secret", 8, "2026-W47"),
        (b"county secret", 7, "2026-W48"),
    ],
)
def test_another_secret_area_or_week_gives_another_seed(
    secret: bytes, area_id: int, week: str
) -> None:
    assert derive_seed(secret, area_id, week) != SEED


@pytest.mark.parametrize(
    ("secret", "area_id", "week"),
    [(b"", 7, "2026-W47"), (b"k", 7, "2026-47"), (b"k", "7", "2026-W47"), (b"k", True, "2026-W47")],
)
def test_a_seed_needs_a_secret_an_area_and_a_real_week(
    secret: bytes, area_id: object, week: str
) -> None:
    with pytest.raises(ValueError):
        derive_seed(secret, area_id, week)  # type: ignore[arg-type]


# --- weighted sampling ---------------------------------------------------------------


def test_the_same_candidates_and_seed_give_the_same_draw_whatever_their_order() -> None:
    candidates = [(n, 1 + n % 7) for n in range(500)]
    shuffled = candidates[:]
    random.Random(3).shuffle(shuffled)
    first = weighted_sample(candidates, 40, SEED)
    assert weighted_sample(shuffled, 40, SEED) == first
    assert verify_draw(first, weighted_sample, candidates, 40, SEED)
    assert weighted_sample(candidates, 40, SEED + "x") != first


def test_the_draw_is_without_replacement() -> None:
    drawn = weighted_sample([(n, 1.0) for n in range(100)], 60, SEED)
    assert len(drawn) == len(set(drawn)) == 60


@pytest.mark.parametrize(
    ("weights", "k", "drawn"),
    [
        ({"a": 1, "b": 2, "c": 0, "d": -3}, 2, {"a", "b"}),
        ({"a": 1, "b": 2, "c": 0, "d": -3}, 4, {"a", "b"}),  # zero and negative: never
        ({"a": 1, "b": 2}, 10, {"a", "b"}),  # k above the candidates: all of them
        ({"a": 1, "b": 2}, 0, set()),
        ({}, 3, set()),
    ],
)
def test_only_positive_weights_are_ever_drawn(
    weights: dict[str, float], k: int, drawn: set[str]
) -> None:
    assert set(weighted_sample(list(weights.items()), k, SEED)) == drawn


def test_the_first_drawn_is_chosen_with_probability_proportional_to_weight() -> None:
    weights = {"low": 1.0, "mid": 2.0, "high": 7.0}
    firsts = Counter(weighted_sample(list(weights.items()), 1, f"seed-{n}")[0] for n in range(4000))
    for key, weight in weights.items():
        assert firsts[key] / 4000 == pytest.approx(weight / 10, abs=0.03)


def test_a_heavy_candidate_is_drawn_more_often_in_a_sample_of_several() -> None:
    candidates = [(n, 5.0 if n < 10 else 1.0) for n in range(100)]
    counts = Counter(k for s in range(400) for k in weighted_sample(candidates, 10, f"s{s}"))
    heavy = sum(counts[n] for n in range(10)) / 10
    light = sum(counts[n] for n in range(10, 100)) / 90
    assert heavy > 3 * light


@pytest.mark.parametrize(
    "candidates",
    [
        [(1, 1.0), (1, 2.0)],  # the same key twice
        [(1, 1.0), (2, math.nan)],
        [(1, 1.0), (2, math.inf)],
    ],
)
def test_duplicate_keys_and_weights_that_are_not_numbers_are_refused(
    candidates: list[tuple[int, float]],
) -> None:
    with pytest.raises(ValueError):
        weighted_sample(candidates, 1, SEED)


def test_a_negative_k_is_refused() -> None:
    with pytest.raises(ValueError):
        weighted_sample([(1, 1.0)], -1, SEED)


@pytest.mark.parametrize("k", [1, 7, 500, 4_999, 20_000, 49_999, 50_000, 80_000])
def test_the_fast_selection_is_exactly_a_full_sort(k: int) -> None:
    pool = [(n, 1.0 + n % 3 if n % 10 else 0.0) for n in range(50_000)]  # a tenth ineligible
    everyone = weighted_sample(pool, len(pool), SEED)  # k = n: every place is sorted
    assert len(everyone) == 45_000
    assert weighted_sample(pool, k, SEED) == everyone[:k]


# --- presence checks -------------------------------------------------------------------


def cadres(n: int, last: date | None = None) -> list[PresenceCandidate]:
    return [PresenceCandidate(user_id=u, last_presence_check=last) for u in range(1, n + 1)]


@pytest.mark.parametrize(
    ("unchecked", "checked", "week", "per_week", "drawn"),
    [
        (14, 0, "2026-W47", None, 2),  # ceil(14 / 7 weeks left)
        (15, 0, "2026-W47", None, 3),  # ceil(15 / 7)
        (14, 30, "2026-W47", None, 2),  # checked this quarter: not forced
        (14, 0, "2026-W53", None, 14),  # the last week forces everyone still unchecked
        (0, 30, "2026-W47", None, 0),
        (14, 30, "2026-W47", 5, 5),  # filled up to per_week
        (14, 30, "2026-W47", 1, 2),  # the forced go in even above per_week
        (3, 2, "2026-W47", 50, 5),  # never more than there are cadres
    ],
)
def test_unchecked_cadres_are_forced_in_fast_enough_to_be_covered_by_quarter_end(
    unchecked: int, checked: int, week: str, per_week: int | None, drawn: int
) -> None:
    candidates = [PresenceCandidate(u, date(2026, 9, 30)) for u in range(1, unchecked + 1)]
    candidates += [PresenceCandidate(1000 + u, date(2026, 10, 1)) for u in range(checked)]
    draws = draw_presence(candidates, week, SEED, per_week)
    assert len(draws) == drawn
    forced = {d.user_id for d in draws if d.user_id < 1000}
    assert len(forced) >= min(unchecked, math.ceil(unchecked / weeks_left_in_quarter(week)))


@pytest.mark.parametrize("per_week", [None, 0, 3])
def test_over_a_quarter_every_cadre_is_drawn_at_least_once(per_week: int | None) -> None:
    last: dict[int, date | None] = {u: None for u in range(1, 60)}
    for number in range(40, 54):  # 2026-W40 .. 2026-W53: the weeks of Q4 2026
        week = f"2026-W{number}"
        candidates = [PresenceCandidate(u, d) for u, d in last.items()]
        for draw in draw_presence(candidates, week, derive_seed(b"k", 1, week), per_week):
            last[draw.user_id] = draw.day
    assert all(d is not None and d >= date(2026, 10, 1) for d in last.values())


def test_a_presence_check_is_a_working_day_and_a_two_hour_window_in_working_hours() -> None:
    draws = draw_presence(cadres(300), "2026-W47", SEED, per_week=300)
    assert {d.day.weekday() for d in draws} == {0, 1, 2, 3, 4}
    assert all(date(2026, 11, 16) <= d.day <= date(2026, 11, 20) for d in draws)
    starts = {d.window_start for d in draws}
    assert min(starts) >= time(8) and max(starts) <= time(16)
    assert len(starts) > 10
    for d in draws:
        assert d.window_start.minute in (0, 30)
        assert (d.window_end.hour - d.window_start.hour, d.window_end.minute) == (
            2,
            d.window_start.minute,
        )


def test_in_a_week_that_starts_in_the_old_quarter_only_days_of_the_new_one_are_drawn() -> None:
    draws = draw_presence(cadres(100), "2026-W40", SEED, per_week=100)  # Mon 28 Sep
    assert {d.day for d in draws} == {date(2026, 10, 1), date(2026, 10, 2)}


def test_the_presence_list_is_a_schedule_that_does_not_tell_forced_from_random() -> None:
    draws = draw_presence(cadres(50), "2026-W47", SEED, per_week=20)
    assert draws == sorted(draws, key=lambda d: (d.day, d.window_start, d.user_id))


def test_a_presence_draw_can_be_verified_from_its_seed() -> None:
    candidates = cadres(80, last=date(2026, 7, 1))
    draws = draw_presence(candidates, "2026-W47", SEED, per_week=10)
    assert verify_draw(draws, draw_presence, list(reversed(candidates)), "2026-W47", SEED, 10)
    tampered = [
        PresenceDraw(d.user_id, d.day + timedelta(days=1), d.window_start, d.window_end)
        for d in draws
    ]
    assert not verify_draw(tampered, draw_presence, candidates, "2026-W47", SEED, 10)


@pytest.mark.parametrize(
    ("candidates", "per_week"),
    [(cadres(3) + cadres(1), None), (cadres(3), -1)],
)
def test_a_cadre_twice_or_a_negative_quota_is_refused(
    candidates: list[PresenceCandidate], per_week: int | None
) -> None:
    with pytest.raises(ValueError):
        draw_presence(candidates, "2026-W47", SEED, per_week)


# --- visit back-checks -----------------------------------------------------------------

CHECKED_THIS_MONTH = date(2026, 11, 3)


def visits(n: int, cadres: int = 1, last: date | None = CHECKED_THIS_MONTH) -> list[VisitCandidate]:
    return [VisitCandidate(v, 1 + v % cadres, 1.0 + v % 5, last) for v in range(1, n + 1)]


@pytest.mark.parametrize(
    ("n", "share", "k"),
    [
        (100, 0.15, 15),  # not 16: 0.15 x 100 is 15.000000000000002 in floating point
        (7, 0.15, 2),  # ceil(1.05)
        (20, 0.15, 3),
        (1, 0.15, 1),
        (0, 0.15, 0),
        (40, 0.0, 0),
        (40, 1.0, 40),
    ],
)
def test_a_share_of_last_weeks_visits_is_back_checked_rounded_up(
    n: int, share: float, k: int
) -> None:
    drawn = draw_visit_backchecks(visits(n), "2026-W47", SEED, share)
    assert len(drawn) == len(set(drawn)) == k


def test_the_default_share_is_the_policys() -> None:
    assert len(draw_visit_backchecks(visits(100), "2026-W47", SEED)) == 15


def test_every_cadre_not_back_checked_this_month_gets_one_visit_checked() -> None:
    candidates = visits(200, cadres=40, last=None)
    drawn = draw_visit_backchecks(candidates, "2026-W47", SEED, share=0.05)  # k = 10
    user_of = {v.visit_id: v.user_id for v in candidates}
    assert {user_of[v] for v in drawn} == set(range(1, 41))
    assert len(drawn) == 40  # coverage wins over k


@pytest.mark.parametrize(
    ("last", "forced"),
    [
        (None, True),  # never back-checked
        (date(2026, 10, 31), True),  # last month
        (date(2026, 11, 1), False),  # this month
    ],
)
def test_coverage_is_per_calendar_month(last: date | None, forced: bool) -> None:
    candidates = visits(30, cadres=1, last=CHECKED_THIS_MONTH)
    candidates.append(VisitCandidate(999, 77, 0.01, last))
    covered = {
        999 in draw_visit_backchecks(candidates, "2026-W47", f"s{n}", share=0.0) for n in range(20)
    }
    assert covered == {forced}


def test_the_month_of_a_week_is_the_month_of_its_thursday() -> None:
    candidates = [VisitCandidate(1, 5, 1.0, date(2026, 3, 31))]
    # 2026-W14: Monday 30 March, Thursday 2 April: a March back-check is last month's.
    assert draw_visit_backchecks(candidates, "2026-W14", SEED, share=0.0) == [1]
    assert draw_visit_backchecks(candidates, "2026-W13", SEED, share=0.0) == []


def test_the_covering_visit_is_a_risk_weighted_draw_among_the_cadres_visits() -> None:
    candidates = [
        VisitCandidate(1, 5, 1.0, None),
        VisitCandidate(2, 5, 9.0, None),
    ]
    picks = Counter(
        draw_visit_backchecks(candidates, "2026-W47", f"s{n}", share=0.0)[0] for n in range(2000)
    )
    assert picks[2] / 2000 == pytest.approx(0.9, abs=0.03)


def test_riskier_visits_are_back_checked_more_often() -> None:
    candidates = [
        VisitCandidate(v, 1, 8.0 if v <= 10 else 1.0, CHECKED_THIS_MONTH) for v in range(1, 101)
    ]
    counts = Counter(
        v for n in range(300) for v in draw_visit_backchecks(candidates, "2026-W47", f"s{n}")
    )
    risky = sum(counts[v] for v in range(1, 11)) / 10
    plain = sum(counts[v] for v in range(11, 101)) / 90
    assert risky > 4 * plain


def test_a_visit_with_no_risk_is_never_drawn() -> None:
    candidates = [VisitCandidate(1, 5, 0.0, None), VisitCandidate(2, 6, 1.0, None)]
    assert draw_visit_backchecks(candidates, "2026-W47", SEED, share=1.0) == [2]


def test_coverage_picks_come_first_then_the_fill() -> None:
    candidates = visits(50, cadres=5, last=CHECKED_THIS_MONTH)
    candidates += [VisitCandidate(100 + v, 9, 1.0, None) for v in range(5)]
    drawn = draw_visit_backchecks(candidates, "2026-W47", SEED, share=0.2)
    assert len(drawn) == 11
    assert 100 <= drawn[0] < 105
    assert sum(100 <= v < 105 for v in drawn) >= 1


def test_a_back_check_draw_is_reproducible_and_verifiable() -> None:
    candidates = visits(300, cadres=25, last=None)
    drawn = draw_visit_backchecks(candidates, "2026-W47", SEED)
    assert verify_draw(drawn, draw_visit_backchecks, candidates[::-1], "2026-W47", SEED)
    assert draw_visit_backchecks(candidates, "2026-W47", SEED + "0") != drawn


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError):
        draw_visit_backchecks(visits(10), "2026-W47", SEED, share)


@pytest.mark.parametrize(("weight", "least", "most"), [(1.0, 0.0, 0.12), (8.0, 0.25, 0.55)])
def test_the_random_presence_checks_favour_cadres_whose_records_are_flagged(
    weight: float, least: float, most: float
) -> None:
    """Issue 12: late records, make-ups, after-the-fact leave and appeals weigh in the draw.
    200 cadres all checked this quarter (none forced), 10 drawn a week: with weight 8 one
    cadre is drawn in about 80/207 of the weeks, with weight 1 in about 1 in 20."""
    weeks = [f"2026-W{n}" for n in range(41, 53)]
    drawn = 0
    for n in range(40):
        for week in weeks:
            candidates = [PresenceCandidate(u, date(2026, 10, 1)) for u in range(2, 201)]
            candidates.append(PresenceCandidate(1, date(2026, 10, 1), weight))
            seed = derive_seed(b"k", n, week)
            drawn += any(d.user_id == 1 for d in draw_presence(candidates, week, seed, 10))
    assert least <= drawn / (40 * len(weeks)) <= most


def test_equal_weights_draw_as_an_even_draw_does() -> None:
    plain = cadres(80, date(2026, 10, 1))
    weighted = [PresenceCandidate(c.user_id, c.last_presence_check, 3.0) for c in plain]
    assert draw_presence(plain, "2026-W47", SEED, 12) == draw_presence(
        weighted, "2026-W47", SEED, 12)


# --- issue 15: windows after the draw, the week's workload ----------------------------

from checkin.domain.sampling import presence_wanted, schedule_days, split_cap  # noqa: E402

D = date


@pytest.mark.parametrize(
    ("week", "drawn_on", "days"),
    [
        # Monday: Tuesday to Friday of the week
        ("2026-W47", D(2026, 11, 16), [D(2026, 11, d) for d in (17, 18, 19, 20)]),
        # Wednesday: Thursday and Friday, never Monday and Tuesday already past
        ("2026-W47", D(2026, 11, 18), [D(2026, 11, 19), D(2026, 11, 20)]),
        # Thursday: Friday
        ("2026-W47", D(2026, 11, 19), [D(2026, 11, 20)]),
        # Friday: nothing left of the week: next Monday to Friday
        ("2026-W47", D(2026, 11, 20), [D(2026, 11, d) for d in (23, 24, 25, 26, 27)]),
        # Sunday: next Monday to Friday
        ("2026-W47", D(2026, 11, 22), [D(2026, 11, d) for d in (23, 24, 25, 26, 27)]),
        # last week drawn late on Monday: Tuesday to Friday, and next Monday
        ("2026-W46", D(2026, 11, 16), [D(2026, 11, d) for d in (17, 18, 19, 20, 23)]),
        # a week across quarters: days of the new quarter are kept
        ("2026-W40", D(2026, 9, 28), [D(2026, 10, 1), D(2026, 10, 2)]),
        # not known when drawn (old batches): the whole week in the quarter
        ("2026-W47", None, [D(2026, 11, d) for d in (16, 17, 18, 19, 20)]),
    ],
)
def test_presence_days_all_come_after_the_draw(week: str, drawn_on: date | None,
                                               days: list[date]) -> None:
    assert schedule_days(week, drawn_on) == days
    if drawn_on is not None:
        assert all(day > drawn_on for day in days)


def test_a_wednesday_draw_schedules_no_check_on_monday_or_tuesday() -> None:
    draws = draw_presence(cadres(300), "2026-W47", SEED, per_week=300,
                          drawn_on=D(2026, 11, 18))
    assert {d.day for d in draws} == {D(2026, 11, 19), D(2026, 11, 20)}


@pytest.mark.parametrize(
    ("cap", "presence", "visits", "kept"),
    [
        (None, 277, 1436, (277, 1436)),
        (2000, 277, 1436, (277, 1436)),  # under the cap: whole
        (300, 277, 1436, (49, 251)),  # the 1,520-cadre county: 277/1713 of 300 = 48.5
        (300, 0, 1436, (0, 300)),
        (300, 400, 0, (300, 0)),
        (300, 10, 1000, (3, 297)),  # in proportion: 10/1010 of 300 = 2.97
        (10, 1, 1000, (1, 9)),  # at least one of a kind that wanted any
        (1, 5, 5, (1, 0)),
        (0, 5, 5, (0, 0)),
    ],
)
def test_the_weekly_cap_is_shared_in_proportion(cap: int | None, presence: int, visits: int,
                                                kept: tuple[int, int]) -> None:
    assert split_cap(cap, presence, visits) == kept
    p, v = kept
    assert p <= presence and v <= visits
    if cap is not None:
        assert p + v <= cap


def test_a_capped_presence_draw_keeps_the_forced_ones_first() -> None:
    candidates = cadres(140)  # all unchecked: ceil(140 / 7 weeks left) = 20 forced
    assert presence_wanted(candidates, "2026-W47", 5) == 20
    whole = draw_presence(candidates, "2026-W47", SEED, per_week=5)
    capped = draw_presence(candidates, "2026-W47", SEED, per_week=5, cap=8)
    assert len(whole) == 20 and len(capped) == 8
    assert {d.user_id for d in capped} <= {d.user_id for d in whole}


def test_a_capped_back_check_draw_is_the_start_of_the_whole_one() -> None:
    visits = [VisitCandidate(f"v{n:03d}", n % 40, 1.0 + n % 3, None) for n in range(200)]
    whole = draw_visit_backchecks(visits, "2026-W47", SEED, 0.15)
    assert draw_visit_backchecks(visits, "2026-W47", SEED, 0.15, cap=12) == whole[:12]
