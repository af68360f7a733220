"""Geofence rules: does a check-in count for the day, and what about it looks suspicious."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from geopy.distance import geodesic

from checkin.domain.errors import Lang, RuleViolation
from checkin.domain.policy import Policy

FLAGS = ("low_accuracy", "outside_fence", "late_sync", "clock_skew", "impossible_travel")


@dataclass(frozen=True)
class Fence:
    """A village's circle: centre in WGS-84 degrees, radius in metres."""

    lat: float
    lon: float
    radius_m: float


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
    """Raise RuleViolation unless lat/lon are finite WGS-84 degrees and accuracy >= 0."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise RuleViolation("invalid_latitude", field="lat", params={"lat": lat})
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise RuleViolation("invalid_longitude", field="lon", params={"lon": lon})
    if not (math.isfinite(accuracy_m) and accuracy_m >= 0.0):
        raise RuleViolation(
            "invalid_accuracy", field="accuracy_m", params={"accuracy_m": accuracy_m}
        )


def validate_recorded_at(
    recorded_at: datetime, now: datetime, max_future: timedelta = timedelta(minutes=5)
) -> None:
    """Raise RuleViolation if the device time has no offset or is too far ahead of `now`."""
    if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
        raise RuleViolation("recorded_at_naive", field="recorded_at")
    ahead = recorded_at - now
    if ahead > max_future:
        minutes = round(ahead.total_seconds() / 60)
        raise RuleViolation(
            "recorded_at_in_future", field="recorded_at", params={"ahead_minutes": minutes}
        )


def evaluate_checkin(
    facts: CheckinFacts, fence: Fence, previous: PreviousFix | None, policy: Policy
) -> CheckinVerdict:
    """Judge one check-in: it counts iff inside the fence and accurate enough."""
    dist = distance_m(facts.lat, facts.lon, fence.lat, fence.lon)
    in_fence = dist <= fence.radius_m
    accurate = facts.accuracy_m <= policy.max_accuracy_m
    reasons = tuple(
        reason
        for reason in (
            _low_accuracy(facts, policy),
            None if in_fence else _outside_fence(dist, fence),
            _late_sync(facts, policy),
            _clock_skew(facts, policy),
            _impossible_travel(facts, previous, policy),
        )
        if reason is not None
    )
    return CheckinVerdict(
        distance_m=dist,
        in_fence=in_fence,
        counts_for_day=in_fence and accurate,
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


def _late_sync(facts: CheckinFacts, policy: Policy) -> Reason | None:
    # A live request is sent as it is made: any gap there is the device clock, not the network.
    if facts.live:
        return None
    delay_h = _hours(facts.received_at - facts.recorded_at)
    if delay_h <= policy.late_sync_hours:
        return None
    return Reason("late_sync", {"delay_hours": delay_h, "limit_hours": policy.late_sync_hours})


def _clock_skew(facts: CheckinFacts, policy: Policy) -> Reason | None:
    if not facts.live:
        return None
    skew_min = abs(_hours(facts.recorded_at - facts.received_at)) * 60
    if skew_min <= policy.clock_skew_minutes:
        return None
    return Reason(
        "clock_skew", {"skew_minutes": skew_min, "limit_minutes": policy.clock_skew_minutes}
    )


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


# code -> (Chinese, English); each placeholder names a param, formatted by _num.
_REASON_TEXTS: dict[str, tuple[str, str]] = {
    "low_accuracy": (
        "精度 {accuracy_m} 米，超过 {limit_m} 米的上限",
        "Accuracy {accuracy_m} m is worse than the {limit_m} m limit",
    ),
    "outside_fence": (
        "距村中心 {distance_m} 米，超出 {radius_m} 米的范围",
        "{distance_m} m from the village centre, outside the {radius_m} m fence",
    ),
    "late_sync": (
        "离线记录，{delay_hours} 小时后才上传，超过 {limit_hours} 小时",
        "Recorded offline and sent {delay_hours} h later, more than {limit_hours} h",
    ),
    "clock_skew": (
        "手机时间与服务器相差 {skew_minutes} 分钟，超过 {limit_minutes} 分钟",
        "The phone's clock is {skew_minutes} min off the server's, more than {limit_minutes} min",
    ),
    "impossible_travel": (
        "与上一次定位相距 {distance_m} 米、间隔 {minutes} 分钟，时速 {speed_kmh} 公里，"
        "超过 {limit_kmh} 公里",
        "{distance_m} m from the previous fix in {minutes} min: {speed_kmh} km/h, "
        "faster than {limit_kmh} km/h",
    ),
    "impossible_travel_instant": (
        "与上一次定位同一时刻却相距 {distance_m} 米",
        "{distance_m} m from the previous fix made at the same moment",
    ),
}


def reason_text(reason: Reason, lang: Lang = "zh") -> str:
    """Render a Reason as a sentence in Chinese ("zh") or English ("en")."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    key = reason.code
    if key == "impossible_travel" and "speed_kmh" not in reason.params:
        key = "impossible_travel_instant"
    pair = _REASON_TEXTS.get(key)
    if pair is None:
        return reason.code
    numbers = {k: _num(v) for k, v in reason.params.items()}
    try:
        return pair[0 if lang == "zh" else 1].format(**numbers)
    except KeyError:  # a Reason built without all its numbers still names its code
        return reason.code


def _num(value: float) -> str:
    """Whole numbers from 100 up (metres, km/h); one decimal below, without a trailing .0."""
    if abs(value) >= 100 or float(value).is_integer():
        return str(round(value))
    return f"{value:.1f}".removesuffix(".0")
