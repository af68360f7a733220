"""Sign-in limit arithmetic: rates, the sliding window, waits and the progressive delay."""

from __future__ import annotations

import pytest

from checkin.domain.signin_limits import (
    Count,
    Limits,
    Rate,
    Standing,
    delay_s,
    estimate,
    parse_rate,
    wait_before,
    wait_s,
)

TEN = Rate(10, 900)
LIMITS = Limits(per_account=TEN, per_address=Rate(50, 900), per_account_all=Rate(50, 900))


@pytest.mark.parametrize(("text", "rate"), [
    ("10 per 15 minutes", Rate(10, 900)), ("50 per 15 minutes", Rate(50, 900)),
    ("5/minute", Rate(5, 60)), ("100 per 1 hour", Rate(100, 3600)),
    ("3 per day", Rate(3, 86400)), (" 7 PER 30 Seconds ", Rate(7, 30)),
])
def test_rates_parse(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "ten per minute", "10 per fortnight", "0 per minute",
                                  "10 per 0 minutes", "10"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


@pytest.mark.parametrize(("count", "reserved", "wait"), [
    (Count(0, 0, 0), False, 0),
    (Count(9, 0, 100), False, 0),          # the 10th may be tried
    (Count(10, 0, 100), False, 890),       # the rest of this window, then 90 s of the next
    (Count(10, 0, 100), True, 0),          # reserved: the 10th is this one
    (Count(11, 0, 100), True, 882),        # reserved, one too many
    (Count(0, 10, 0), False, 90),          # just past a window of 10: its weight must fall
    (Count(0, 10, 450), False, 0),         # half way: 5 weighted
    (Count(5, 10, 450), False, 90),        # 5 + 5 weighted: wait until 1 of it has gone
])
def test_wait_in_the_sliding_window(count: Count, reserved: bool, wait: int) -> None:
    assert wait_s(TEN, count, reserved=reserved) == wait


def test_the_window_boundary_is_no_reset() -> None:
    # 10 failures at the end of one window leave no room at the start of the next.
    assert estimate(TEN, Count(0, 10, 1)) > 9.9
    assert wait_s(TEN, Count(0, 10, 1), reserved=False) > 0


@pytest.mark.parametrize(("failures", "delay"), [
    (0, 0), (9, 0), (10, 1), (11, 2), (12, 4), (14, 16), (15, 30), (49, 30)])
def test_the_delay_grows_past_the_per_account_amount(failures: int, delay: int) -> None:
    assert delay_s(LIMITS, failures) == delay


def _standing(pair: int, account: int, usual: bool, since: float | None) -> Standing:
    return Standing(pair=Count(pair, 0, 10), address=Count(pair, 0, 10),
                    account=Count(account, 0, 10), usual=usual,
                    seconds_since_last_failure=since)


@pytest.mark.parametrize(("standing", "wait"), [
    (_standing(0, 12, usual=False, since=1.0), 3),    # 4 s after the 12th, 1 s gone
    (_standing(0, 12, usual=False, since=5.0), 0),
    (_standing(0, 12, usual=True, since=1.0), 0),     # the owner's address: no delay
    (_standing(0, 50, usual=False, since=99.0), 908),  # the ceiling: past this window
    (_standing(0, 50, usual=True, since=0.0), 0),     # ... not for the owner's address
    (_standing(10, 10, usual=True, since=0.0), 980),  # the owner's address guessed itself
])
def test_account_wide_limits_spare_the_usual_address(standing: Standing, wait: int) -> None:
    assert wait_before(LIMITS, standing) == wait
