"""One guard for every place a password is checked (the web form, the token API, the API's
password change): one key space, so an account's allowance is shared by all of them.

An attempt is counted before its password is checked (a reservation: two workers cannot
both take the last one) and given back when the password was right; a refused attempt
(429) checks no password. A right password marks the address as usual for the account
for `USUAL_FOR_S`, which exempts it from the account-wide ceiling and its delay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
from flask import current_app
from werkzeug.exceptions import TooManyRequests

from checkin.domain.signin_limits import (
    Count,
    Limits,
    Rate,
    Standing,
    count_at,
    parse_rate,
    wait_before,
    window_index,
)
from checkin.platform import clock, counters

USUAL_FOR_S = 30 * 86400


def limits() -> Limits:
    config = current_app.config
    return Limits(per_account=parse_rate(config["LOGIN_LIMIT_PER_ACCOUNT"]),
                  per_address=parse_rate(config["LOGIN_LIMIT_PER_ADDRESS"]),
                  per_account_all=parse_rate(config["LOGIN_LIMIT_PER_ACCOUNT_ALL_ADDRESSES"]),
                  max_delay_s=int(config.get("LOGIN_DELAY_MAX_S", 30)))


def account_of(username: str) -> str:
    return username.strip().lower()[:64]


@dataclass
class Attempt:
    """One password check; `succeeded()` when it was right."""

    store: counters.Counters
    account: str
    address: str
    now_s: float
    reserved: list[tuple[str, int]] = field(default_factory=list)
    right: bool = False

    def succeeded(self) -> None:
        self.right = True


def _keys(account: str, address: str, rules: Limits, now_s: float
          ) -> dict[str, tuple[Rate, str, str]]:
    """Per count: its rate and the keys of its current and previous windows."""
    out = {}
    for name, ident, rate in (("pair", f"{account}|{address}", rules.per_account),
                              ("address", address, rules.per_address),
                              ("account", account, rules.per_account_all)):
        index = window_index(now_s, rate)
        base = f"{name}:{rate.window_s}:{ident}:"
        out[name] = (rate, f"{base}{index}", f"{base}{index - 1}")
    return out


def _standing(store: counters.Counters, account: str, address: str, rules: Limits,
              now_s: float) -> tuple[Standing, dict[str, tuple[Rate, str, str]]]:
    keys = _keys(account, address, rules, now_s)
    extra = [f"usual:{account}|{address}", f"last:{account}"]
    values = store.read([k for _, cur, prev in keys.values() for k in (cur, prev)] + extra,
                        int(now_s))
    counts: dict[str, Count] = {
        name: count_at(now_s, rate, values.get(cur, 0), values.get(prev, 0))
        for name, (rate, cur, prev) in keys.items()}
    last_ms = values.get(extra[1])
    standing = Standing(pair=counts["pair"], address=counts["address"],
                        account=counts["account"], usual=extra[0] in values,
                        seconds_since_last_failure=None if last_ms is None
                        else now_s - last_ms / 1000)
    return standing, keys


def _reserve(attempt: Attempt, rules: Limits) -> None:
    standing, keys = _standing(attempt.store, attempt.account, attempt.address, rules,
                               attempt.now_s)
    wait = wait_before(rules, standing)
    if wait:
        raise TooManyRequests(retry_after=wait)
    now = int(attempt.now_s)
    values = {}
    for name, (rate, cur, _prev) in keys.items():
        expires = (window_index(attempt.now_s, rate) + 2) * rate.window_s
        values[name] = attempt.store.add(cur, 1, expires, now)
        attempt.reserved.append((cur, expires))
    # Another worker may have taken the last one meanwhile: count again with this one in.
    counted = Standing(
        pair=Count(values["pair"], standing.pair.previous, standing.pair.elapsed_s),
        address=Count(values["address"], standing.address.previous, standing.address.elapsed_s),
        account=Count(values["account"], standing.account.previous, standing.account.elapsed_s),
        usual=standing.usual, seconds_since_last_failure=None)
    wait = wait_before(rules, counted, reserved=True)
    if wait:
        _give_back(attempt)
        raise TooManyRequests(retry_after=wait)


def _give_back(attempt: Attempt) -> None:
    for key, expires in attempt.reserved:
        attempt.store.add(key, -1, expires, int(attempt.now_s))
    attempt.reserved.clear()


def _settle(attempt: Attempt) -> None:
    if attempt.right:
        _give_back(attempt)
        attempt.store.put(f"usual:{attempt.account}|{attempt.address}", 1,
                          int(attempt.now_s) + USUAL_FOR_S)
    else:
        window = limits().per_account_all.window_s
        attempt.store.put(f"last:{attempt.account}", int(attempt.now_s * 1000),
                          int(attempt.now_s) + window)


def _now_s() -> float:
    return clock.now().timestamp()


@contextmanager
def attempt(username: str, address: str | None) -> Iterator[Attempt]:
    """Around one password check: 429 (TooManyRequests) before it when the account or the
    address has guessed too much; a wrong password is counted, a right one is not. Comes
    before the request writes anything (on SQLite the database store ends the reads first)."""
    rules = limits()
    store = counters.shared()
    current = Attempt(store, account_of(username), address or "-", _now_s())
    try:
        store.begin()
        _reserve(current, rules)
    except redis.RedisError as error:
        current.store = counters.redis_failed(error)
        current.reserved.clear()
        current.store.begin()
        _reserve(current, rules)
    try:
        yield current
    except BaseException:
        _safely(_give_back, current)  # no answer about the password: nothing to count
        raise
    _safely(_settle, current)


def _safely(step, current: Attempt) -> None:  # type: ignore[no-untyped-def]
    try:
        step(current)
    except redis.RedisError as error:
        # Redis went away between the count and the answer: the password's answer stands.
        counters.redis_failed(error)
