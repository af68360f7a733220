"""Unannounced spot-check draws: weighted to the riskiest, reproducible from a secret seed.

How the randomness works, so that anyone holding the seed can re-derive a draw:

- A draw's seed is HMAC-SHA256(secret, area and week) (`derive_seed`): cadres cannot
  predict it, auditors given the seed can repeat it.
- Every random number comes from SHAKE-256 over a purpose label and the seed, read as
  little-endian 64-bit words (`_words`; `_uniforms` keeps the lowest 52 bits of each, the
  lowest of them set, as a fraction of 2**52).
  The stream depends on nothing else: not on Python's version, the platform or
  PYTHONHASHSEED.
- Weighted sampling without replacement is Efraimidis–Spirakis in its exponential-clock
  form: candidates are put in a canonical order (ascending key, so the order rows come
  from the database does not matter), the i-th
  gets the i-th number as u in (0, 1), and its time is -ln(u) / weight; the k earliest
  times are the sample, earliest first.
  This is the same as taking the k largest u ** (1 / weight), and drawing one by one
  with probability proportional to weight among those not yet drawn. The earliest time
  within any subset is a weighted draw of one from that subset, which is how the
  per-cadre coverage picks "that cadre's riskiest-by-weighted-draw visit".
- Adding or removing a candidate shifts the canonical positions after it, so it changes
  the draw: a draw is reproducible from the same candidates and seed, nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import operator
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from checkin.domain.policy import DEFAULT_POLICY

K = TypeVar("K", bound=Hashable)

# Presence checks happen on working days, within working hours, in 2-hour windows that
# start on the hour or half hour (08:00-10:00 ... 16:00-18:00).
WORK_WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
WORK_START = time(8, 0)
WORK_END = time(18, 0)
WINDOW = timedelta(hours=2)
WINDOW_STEP = timedelta(minutes=30)

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_LOW_52_BITS = (1 << 52) - 1


@dataclass(frozen=True)
class PresenceCandidate:
    """A cadre who may be drawn for a presence check, the day of their last one, and the
    weight of their records in the random part of the draw (1 for clean records; see
    risk.score_record)."""

    user_id: int
    last_presence_check: date | None
    weight: float = 1.0


@dataclass(frozen=True)
class PresenceDraw:
    """A drawn presence check: whom, which day, and the 2-hour window to call or visit in."""

    user_id: int
    day: date
    window_start: time
    window_end: time


@dataclass(frozen=True)
class VisitCandidate:
    """A visit from last week that may be back-checked, its risk, its cadre's last back-check."""

    visit_id: str
    user_id: int
    risk: float
    cadre_last_backcheck: date | None


def parse_iso_week(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written like "2026-W47"; ValueError otherwise."""
    match = _WEEK.fullmatch(week) if isinstance(week, str) else None
    if match is None:
        raise ValueError(f"week must look like 2026-W47, not {week!r}")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"{week!r} is not an ISO week") from exc
    return monday, monday + timedelta(days=6)


def quarter_of_week(week: str) -> tuple[date, date]:
    """First and last day of the quarter the week belongs to (the quarter of its Thursday).

    Deciding by the Thursday, as ISO 8601 decides the year, puts every week in exactly one
    quarter, so the weeks of a quarter can be counted.
    """
    thursday = parse_iso_week(week)[0] + timedelta(days=3)
    first_month = 3 * ((thursday.month - 1) // 3) + 1
    start = date(thursday.year, first_month, 1)
    if first_month == 10:
        return start, date(thursday.year, 12, 31)
    return start, date(thursday.year, first_month + 3, 1) - timedelta(days=1)


def weeks_left_in_quarter(week: str) -> int:
    """Weeks of the week's quarter from this one to the last, counting this one (>= 1)."""
    thursday = parse_iso_week(week)[0] + timedelta(days=3)
    quarter_end = quarter_of_week(week)[1]
    last_thursday = quarter_end - timedelta(days=(quarter_end.weekday() - 3) % 7)
    return (last_thursday - thursday).days // 7 + 1


def derive_seed(secret: bytes, area_id: int, week: str) -> str:
    """The seed of one area's draw for one week: HMAC-SHA256 hex of the area and week."""
    if not secret:
        raise ValueError("secret must not be empty: an empty key makes draws predictable")
    if isinstance(area_id, bool) or not isinstance(area_id, int):
        raise ValueError(f"area_id must be an int, not {area_id!r}")
    parse_iso_week(week)
    message = f"checkin.spotcheck.v1|{area_id}|{week}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def weighted_sample(candidates: Sequence[tuple[K, float]], k: int, seed: str) -> list[K]:
    """Draw up to k keys without replacement, with probability proportional to weight.

    Keys must be unique, hashable and mutually orderable (all ints, or all strings).
    Weights must be finite; a weight of zero or less means "not eligible": such keys are
    never drawn, even when k exceeds the eligible ones (the result is then shorter than k).
    The keys come back in draw order.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    return _sample(candidates, k, seed, "weighted_sample")


def schedule_days(week: str, drawn_on: date | None = None) -> list[date]:
    """The working days a presence check of the week may fall on: every one after the
    draw, so that no window has passed before it is drawn (issue 15).

    Drawn on a working day of the week (say a Wednesday): the working days of the week
    after it (Thursday and Friday; never the day of the draw itself, whose windows may
    have begun, and which leaves the checker no time to plan a field trip). Drawn when no
    working day of the week is left (Friday, the weekend, or a week drawn late): the
    working days of the seven days after the draw (the next Monday to Friday, or the rest
    of this week and next Monday for a late draw made on a Monday). Days inside the week's
    quarter are kept when there are any, as the quarter's coverage counts there.
    `drawn_on` None: every working day of the week in the quarter (batches drawn before
    this rule, candidates version 2).
    """
    monday = parse_iso_week(week)[0]
    quarter_start, quarter_end = quarter_of_week(week)
    week_days = [monday + timedelta(days=d) for d in WORK_WEEKDAYS]
    if drawn_on is None:
        return [day for day in week_days if quarter_start <= day <= quarter_end]
    later = [day for day in week_days if day > drawn_on]
    if not later:
        later = [day for day in (drawn_on + timedelta(days=n) for n in range(1, 8))
                 if day.weekday() in WORK_WEEKDAYS]
    inside = [day for day in later if quarter_start <= day <= quarter_end]
    return inside or later


def split_cap(cap: int | None, presence: int, visits: int) -> tuple[int, int]:
    """How many presence checks and back-checks a week may hold under a workload cap.

    Under the cap (or no cap) both are kept whole. Over it, the cap is shared in
    proportion to what each kind wanted (rounded, presence first), with at least one of a
    kind that wanted any when the cap allows, and what one kind leaves unused goes to the
    other: a county draw of 277 calls and 1,436 callbacks under a cap of 300 keeps 49
    and 251.
    """
    if presence < 0 or visits < 0:
        raise ValueError("wanted numbers must be >= 0")
    if cap is None or presence + visits <= cap:
        return presence, visits
    if cap < 0:
        raise ValueError("cap must be >= 0 or None")
    share = math.floor(cap * presence / (presence + visits) + 0.5)
    if presence and visits and cap >= 2:
        share = min(max(share, 1), cap - 1)
    p = min(presence, share)
    v = min(visits, cap - p)
    p = min(presence, cap - v)
    return p, v


def draw_presence(
    cadres: Sequence[PresenceCandidate], week: str, seed: str, per_week: int | None = None,
    drawn_on: date | None = None, cap: int | None = None,
) -> list[PresenceDraw]:
    """This week's presence checks: the forced ones, then random ones up to per_week.

    Forced: cadres not checked since the quarter began, ceil(unchecked / weeks left in the
    quarter) of them, chosen at random among the unchecked, so that by the quarter's last
    week everyone has been drawn. If per_week is smaller the forced still all go in;
    per_week None means forced only. The others are drawn uniformly from all remaining
    cadres, checked or not, so being checked once does not make anyone safe. Each drawn
    cadre gets a working day after the draw (`schedule_days`) and a 2-hour window. The
    list is ordered as a schedule (day, window, user), which does not tell forced from
    random. `cap`: at most this many in all (the week's workload), the forced ones first
    in their draw order.
    """
    if per_week is not None and per_week < 0:
        raise ValueError("per_week must be >= 0 or None")
    ids = [c.user_id for c in cadres]
    if len(set(ids)) != len(ids):
        raise ValueError("a cadre appears twice among the candidates")
    quarter_start = quarter_of_week(week)[0]
    unchecked = [
        c.user_id
        for c in cadres
        if c.last_presence_check is None or c.last_presence_check < quarter_start
    ]
    must = math.ceil(len(unchecked) / weeks_left_in_quarter(week))
    if cap is not None and cap < 0:
        raise ValueError("cap must be >= 0 or None")
    forced = _sample([(u, 1) for u in unchecked], must, seed, "presence.forced")
    wanted = max(len(forced), per_week or 0)
    if cap is not None:
        forced, wanted = forced[:cap], min(wanted, cap)
    taken = set(forced)
    others = [(c.user_id, c.weight) for c in cadres if c.user_id not in taken]
    fill = _sample(others, wanted - len(forced), seed, "presence.fill")
    return _schedule(sorted(forced + fill), schedule_days(week, drawn_on), seed)


def presence_wanted(cadres: Sequence[PresenceCandidate], week: str,
                    per_week: int | None = None) -> int:
    """How many presence checks the week wants before any cap: the quarter's forced ones
    or per_week, whichever is more."""
    quarter_start = quarter_of_week(week)[0]
    unchecked = sum(1 for c in cadres
                    if c.last_presence_check is None or c.last_presence_check < quarter_start)
    return max(math.ceil(unchecked / weeks_left_in_quarter(week)), per_week or 0)


def draw_visit_backchecks(
    visits: Sequence[VisitCandidate],
    week: str,
    seed: str,
    share: float = DEFAULT_POLICY.visit_backcheck_share,
    cap: int | None = None,
) -> list[str]:
    """Visits to back-check this week: ceil(share x visits), weighted by risk, no repeats.

    `visits` are last week's; `week` is the week of the draw. Every cadre among them with
    no back-check in the current month (the month of the week's Thursday) gets one visit
    drawn first: the earliest exponential clock among their visits, i.e. a risk-weighted
    draw of one. The rest are filled by risk up to k. Coverage wins over k: with more
    uncovered cadres than k, the list is longer than k. The cadre's last back-check is
    taken as the latest given on any of their visits. Visits with risk <= 0 are never
    drawn. Order: coverage picks, then the fill, each in draw order. `cap`: the first
    `cap` of that list (the week's workload).
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, not {share!r}")
    thursday = parse_iso_week(week)[0] + timedelta(days=3)
    month_start = thursday.replace(day=1)
    keys, places = _race([(v.visit_id, v.risk) for v in visits], seed, "visits")
    position = {key: i for i, key in enumerate(keys)}
    positions: dict[int, list[int]] = {}
    last_check: dict[int, date | None] = {}
    for v in visits:
        positions.setdefault(v.user_id, []).append(position[v.visit_id])
        last_check[v.user_id] = _latest(last_check.get(v.user_id), v.cadre_last_backcheck)
    forced = [
        min(positions[user], key=lambda i: (places[i], i))
        for user, last in last_check.items()
        if last is None or last < month_start
    ]
    forced = sorted((i for i in forced if places[i] != math.inf), key=lambda i: (places[i], i))
    k = math.ceil(round(share * len(keys), 9))
    rest = places.copy()
    for i in forced:
        rest[i] = math.inf
    fill = _fastest(rest, k - len(forced))
    drawn = [keys[i] for i in forced + fill]
    return drawn if cap is None else drawn[:max(cap, 0)]


def verify_draw(
    published: Sequence[Any], draw: Callable[..., Sequence[Any]], *args: Any, **kwargs: Any
) -> bool:
    """Re-derive a draw from its inputs and seed and say whether it matches the published."""
    return list(draw(*args, **kwargs)) == list(published)


def _sample(candidates: Sequence[tuple[K, float]], k: int, seed: str, label: str) -> list[K]:
    keys, places = _race(candidates, seed, label)
    return [keys[i] for i in _fastest(places, k)]


def _race(
    candidates: Sequence[tuple[K, float]], seed: str, label: str
) -> tuple[list[K], list[float]]:
    """Keys in canonical order and each one's place in the race: lower is drawn earlier.

    The place is weight / ln(u) = -1 / (exponential-clock time), which orders the same as
    the time; inf marks a key that is not eligible (weight zero or less).
    """
    ordered = sorted(candidates, key=operator.itemgetter(0))
    keys = [key for key, _weight in ordered]
    weights = [weight for _key, weight in ordered]
    if len(set(keys)) != len(keys):
        raise ValueError("candidate keys must be unique")
    if not all(math.isfinite(weight) for weight in weights):
        raise ValueError("weights must be finite numbers")
    places = [weight / math.log(u) if weight > 0 else math.inf
              for weight, u in zip(weights, _uniforms(seed, label, len(keys)), strict=True)]
    return keys, places


def _fastest(places: list[float], k: int) -> list[int]:
    """Positions of the k lowest finite places, lowest first, ties by position."""
    if k <= 0:
        return []
    chosen = sorted(range(len(places)), key=places.__getitem__)[:k]
    return [i for i in chosen if places[i] != math.inf]


def _uniforms(seed: str, label: str, n: int) -> list[float]:
    """n numbers u in (0, 1) from SHAKE-256(label, seed): the lowest 52 bits of each word,
    with the lowest of them set so that u is never 0, over 2**52 (exact as a float)."""
    return [((word & _LOW_52_BITS) | 1) / 2**52 for word in _words(seed, label, n)]


def _words(seed: str, label: str, n: int) -> list[int]:
    """n unsigned 64-bit words of SHAKE-256(label, seed), read little-endian."""
    data = _stream(seed, label, 8 * n)
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, 8 * n, 8)]


def _stream(seed: str, label: str, size: int) -> bytes:
    return hashlib.shake_256(f"checkin.sampling.v1|{label}|{seed}".encode()).digest(size)


def _schedule(users: list[int], days: list[date], seed: str) -> list[PresenceDraw]:
    starts = _window_starts()
    words = _words(seed, "presence.slots", 2 * len(users))
    draws = []
    for n, user in enumerate(users):
        day = days[words[2 * n] % len(days)]
        start = starts[words[2 * n + 1] % len(starts)]
        end = (datetime.combine(day, start) + WINDOW).time()
        draws.append(PresenceDraw(user, day, start, end))
    draws.sort(key=lambda d: (d.day, d.window_start, d.user_id))
    return draws


def _window_starts() -> list[time]:
    first = datetime.combine(date.min, WORK_START)
    last = datetime.combine(date.min, WORK_END) - WINDOW
    count = int((last - first) / WINDOW_STEP) + 1
    return [(first + n * WINDOW_STEP).time() for n in range(count)]


def _latest(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    return a if b is None or a >= b else b
