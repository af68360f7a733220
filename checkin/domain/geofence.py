"""Geofence rules: does a check-in count for the day, and what about it looks suspicious."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from geopy.distance import geodesic

from checkin.domain import boundary as boundaries
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

FLAGS = ("low_accuracy", "outside_fence", "late_sync", "clock_skew", "synced_too_late",
         "clock_disagrees", "impossible_travel")
# Timing flags that void the day: the record is kept as evidence, but outside the offline
# window (queued) or with a clock the server disagrees with (live) it proves no day.
VOIDING_TIMING_FLAGS = frozenset({"synced_too_late", "clock_disagrees"})


@dataclass(frozen=True)
class Fence:
    """A village's circle: centre in WGS-84 degrees, radius in metres; or, when it has one,
    its boundary (domain/boundary: polygons in WGS-84), which then decides alone."""

    lat: float
    lon: float
    radius_m: float
    boundary: boundaries.Boundary | None = None


def beyond_m(lat: float, lon: float, fence: Fence, dist: float | None = None) -> float:
    """How far (lat, lon) is outside the fence, in metres; 0 inside or on it. `dist`, the
    distance from the centre, when the caller has it already."""
    if fence.boundary is not None:
        return boundaries.outside_m(fence.boundary, lat, lon)
    if dist is None:
        dist = distance_m(lat, lon, fence.lat, fence.lon)
    return max(0.0, dist - fence.radius_m)


def outside_reason(lat: float, lon: float, fence: Fence, dist: float | None = None
                   ) -> Reason | None:
    """`outside_fence` with how far, or None inside. The reported point decides: the GPS
    accuracy never widens a fence (a fix too coarse fails on its own, `low_accuracy`)."""
    if fence.boundary is not None:
        outside = beyond_m(lat, lon, fence)
        return None if outside == 0.0 else Reason("outside_fence", {"outside_m": outside})
    if dist is None:
        dist = distance_m(lat, lon, fence.lat, fence.lon)
    return None if dist <= fence.radius_m else _outside_fence(dist, fence)


@dataclass(frozen=True)
class CheckinFacts:
    """What the phone sent (position, device time) and when the server received it."""

    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    received_at: datetime
    live: bool


@dataclass(frozen=True)
class PreviousFix:
    """The same cadre's nearest earlier fix, for the travel-speed check."""

    lat: float
    lon: float
    recorded_at: datetime
    accuracy_m: float = 0.0


@dataclass(frozen=True)
class Reason:
    """Why a flag was raised: a code and the numbers needed to explain it in any language."""

    code: str
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))


@dataclass(frozen=True)
class CheckinVerdict:
    """The outcome of one check-in: distance, whether it counts, flags and their reasons."""

    distance_m: float
    in_fence: bool
    counts_for_day: bool
    flags: tuple[str, ...]
    reasons: tuple[Reason, ...]


# geopy's geodesic on WGS-84, made once: geopy builds its geographiclib solver on the first
# measure and keeps it, where geodesic(a, b) would build it again for every distance.
_WGS84 = geodesic()


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic (WGS-84 ellipsoid) distance in metres, by geopy."""
    return float(_WGS84.measure((lat1, lon1), (lat2, lon2))) * 1000.0


def validate_position(lat: float, lon: float, accuracy_m: float) -> None:
    """Raise a Refusal unless lat/lon are finite WGS-84 degrees and accuracy >= 0."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise Refusal("invalid_latitude", field="lat", lat=lat)
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise Refusal("invalid_longitude", field="lon", lon=lon)
    if not (math.isfinite(accuracy_m) and accuracy_m >= 0.0):
        raise Refusal("invalid_accuracy", field="accuracy_m", accuracy_m=accuracy_m)


def validate_recorded_at(
    recorded_at: datetime, now: datetime, max_future: timedelta = timedelta(minutes=5)
) -> None:
    """Raise a Refusal if the device time has no offset or is too far ahead of `now`."""
    if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
        raise Refusal("recorded_at_naive", field="recorded_at")
    ahead = recorded_at - now
    if ahead > max_future:
        minutes = round(ahead.total_seconds() / 60)
        raise Refusal("recorded_at_in_future", field="recorded_at", ahead_minutes=minutes)


def evaluate_checkin(
    facts: CheckinFacts, fence: Fence, previous: PreviousFix | None, policy: Policy
) -> CheckinVerdict:
    """Judge one check-in: it counts iff inside the fence, accurate enough and on time
    (sent within the offline window if queued; with a clock the server agrees with if live)."""
    dist = distance_m(facts.lat, facts.lon, fence.lat, fence.lon)
    outside = outside_reason(facts.lat, facts.lon, fence, dist)
    in_fence = outside is None
    accurate = facts.accuracy_m <= policy.max_accuracy_m
    reasons = tuple(
        reason
        for reason in (
            _low_accuracy(facts, policy),
            outside,
            timing_reason(facts.recorded_at, facts.received_at, facts.live, policy),
            _impossible_travel(facts, previous, policy),
        )
        if reason is not None
    )
    return CheckinVerdict(
        distance_m=dist,
        in_fence=in_fence,
        counts_for_day=in_fence and accurate and on_time(reasons),
        flags=tuple(r.code for r in reasons),
        reasons=reasons,
    )


def _low_accuracy(facts: CheckinFacts, policy: Policy) -> Reason | None:
    if facts.accuracy_m <= policy.max_accuracy_m:
        return None
    return Reason(
        "low_accuracy", {"accuracy_m": facts.accuracy_m, "limit_m": policy.max_accuracy_m}
    )


def _outside_fence(dist: float, fence: Fence) -> Reason:
    return Reason("outside_fence", {"distance_m": dist, "radius_m": fence.radius_m})


def timing_reason(recorded_at: datetime, received_at: datetime, live: bool, policy: Policy
                  ) -> Reason | None:
    """The one timing flag of a record, the strongest that applies, or None.

    Queued (made offline, sent later): `late_sync` past `late_sync_hours`, `synced_too_late`
    past the offline window. Live (sent as it was made; any gap is the device clock, not
    the network): `clock_skew` past `clock_skew_minutes`, `clock_disagrees` past the clock
    tolerance. The last two of each pair void the day (`on_time`). Any moment, even year 1,
    gives a finite number of hours: a timedelta holds it.
    """
    if not live:
        delay_h = _hours(received_at - recorded_at)
        if delay_h > policy.offline_window_hours:
            return Reason("synced_too_late", {"delay_hours": delay_h,
                                              "limit_hours": policy.offline_window_hours})
        if delay_h > policy.late_sync_hours:
            return Reason("late_sync", {"delay_hours": delay_h,
                                        "limit_hours": policy.late_sync_hours})
        return None
    # In minutes straight from the seconds: hours times 60 made 31 minutes 31.000000000000004,
    # past a limit of 31.
    skew_min = abs((recorded_at - received_at).total_seconds()) / 60
    if skew_min > policy.clock_tolerance_minutes:
        return Reason("clock_disagrees", {"skew_minutes": skew_min,
                                          "limit_minutes": policy.clock_tolerance_minutes})
    if skew_min > policy.clock_skew_minutes:
        return Reason("clock_skew", {"skew_minutes": skew_min,
                                     "limit_minutes": policy.clock_skew_minutes})
    return None


def on_time(reasons: tuple[Reason, ...]) -> bool:
    """False when a timing flag voids the day (see VOIDING_TIMING_FLAGS)."""
    return not any(r.code in VOIDING_TIMING_FLAGS for r in reasons)


def _impossible_travel(
    facts: CheckinFacts, previous: PreviousFix | None, policy: Policy
) -> Reason | None:
    """Flag a speed above the limit; the fixes' accuracies are given the benefit of the doubt."""
    if previous is None:
        return None
    hours = abs(_hours(facts.recorded_at - previous.recorded_at))
    raw = distance_m(previous.lat, previous.lon, facts.lat, facts.lon)
    speed = _speed_kmh(raw, facts, previous, hours)
    if speed <= policy.max_travel_kmh:
        return None
    params = {"distance_m": raw, "minutes": hours * 60, "limit_kmh": policy.max_travel_kmh}
    if math.isinf(speed):  # a real move in no time at all: no speed to report
        return Reason("impossible_travel", params)
    return Reason("impossible_travel", {**params, "speed_kmh": speed})


def _speed_kmh(metres: float, facts: CheckinFacts, previous: PreviousFix, hours: float
               ) -> float:
    """Speed over `metres` less both fixes' accuracies; infinite for a real move in no time."""
    moved = max(0.0, metres - facts.accuracy_m - previous.accuracy_m)
    if moved == 0.0:
        return 0.0
    return math.inf if hours == 0.0 else moved / 1000 / hours


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600
