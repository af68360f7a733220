"""How many wrong passwords may be tried, and when the next try may come.

Three counts of failed sign-ins, each over a sliding window (the weighted sum of the
current fixed window and the one before it, as Redis rate limiters count):

- one account from one address (`per_account`, 10 per 15 minutes): the guessing limit;
- one address, any account (`per_address`, 50 per 15 minutes): one machine spraying;
- one account from all addresses (`per_account_all`, 50 per 15 minutes): guesses spread
  over many addresses. Past `per_account`'s amount each further try from anywhere waits
  longer after the last failure (1 s, 2 s, 4 s, ... up to `max_delay_s`), up to the ceiling.

The account-wide count and its delay are not applied from an address where the account
signed in lately (`usual`): guessing from elsewhere cannot keep the owner out. Nothing here
refuses a right password for being an account's; it refuses an address that guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.I)


@dataclass(frozen=True)
class Rate:
    amount: int
    window_s: int


def parse_rate(text: str) -> Rate:
    """'10 per 15 minutes' -> Rate(10, 900); ValueError for anything else."""
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"not a rate: {text!r} (write e.g. '10 per 15 minutes')")
    window = int(match.group(2) or 1) * UNITS[match.group(3).lower()]
    if window <= 0 or int(match.group(1)) <= 0:
        raise ValueError(f"not a rate: {text!r}")
    return Rate(int(match.group(1)), window)


@dataclass(frozen=True)
class Limits:
    per_account: Rate
    per_address: Rate
    per_account_all: Rate
    max_delay_s: int = 30


@dataclass(frozen=True)
class Count:
    """Failures in the current fixed window and the one before, `elapsed_s` into this one."""

    current: int
    previous: int
    elapsed_s: float


def window_index(now_s: float, rate: Rate) -> int:
    return int(now_s // rate.window_s)


def count_at(now_s: float, rate: Rate, current: int, previous: int) -> Count:
    return Count(current, previous, now_s - window_index(now_s, rate) * rate.window_s)


def estimate(rate: Rate, count: Count) -> float:
    weight = (rate.window_s - count.elapsed_s) / rate.window_s
    return count.previous * weight + count.current


def wait_s(rate: Rate, count: Count, *, reserved: bool) -> int:
    """0 if one more failure fits in `rate`, else whole seconds until it does. `reserved`:
    `count` already holds this attempt (counted before the password is checked)."""
    extra = 0 if reserved else 1
    room = rate.amount - extra
    if estimate(rate, count) <= room + 1e-9:
        return 0
    window, elapsed = rate.window_s, count.elapsed_s
    if count.current <= room and count.previous > 0:
        # The earlier window's weight falls as this window goes on.
        waited = (window - elapsed) - (room - count.current) * window / count.previous
        return max(1, math.ceil(waited))
    # Not in this window: in the next, this window's count is the earlier one.
    into_next = window * (1 - room / count.current) if count.current else 0.0
    return max(1, math.ceil(window - elapsed + into_next))


def delay_s(limits: Limits, account_failures: float) -> int:
    """The pause the account asks for after its last failure, from an unusual address."""
    over = math.floor(account_failures + 1e-9) - limits.per_account.amount
    if over < 0:
        return 0
    return min(limits.max_delay_s, 2 ** min(over, 30))


@dataclass(frozen=True)
class Standing:
    """What the counters say about one attempt: this account from this address."""

    pair: Count
    address: Count
    account: Count
    usual: bool
    seconds_since_last_failure: float | None


def wait_before(limits: Limits, standing: Standing, *, reserved: bool = False) -> int:
    """0 when the attempt may check its password; otherwise its Retry-After in seconds."""
    waits = [wait_s(limits.per_account, standing.pair, reserved=reserved),
             wait_s(limits.per_address, standing.address, reserved=reserved)]
    if not standing.usual:
        waits.append(wait_s(limits.per_account_all, standing.account, reserved=reserved))
        if not reserved and standing.seconds_since_last_failure is not None:
            pause = delay_s(limits, estimate(limits.per_account_all, standing.account))
            waits.append(max(0, math.ceil(pause - standing.seconds_since_last_failure - 1e-9)))
    return max(waits)
