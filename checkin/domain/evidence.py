"""Evidence flags of a visit and its photos: shown to supervisors, never blocking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from checkin.domain.geofence import Fence, distance_m, outside_reason, timing_reason
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal


@dataclass(frozen=True)
class Flag:
    code: str
    params: dict[str, float]


@dataclass(frozen=True)
class VisitFacts:
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    recorded_at: datetime
    received_at: datetime
    queued: bool
    in_person: bool  # a visit in person, not a phone contact


def visit_flags(facts: VisitFacts, household: tuple[float, float] | None,
                fence: tuple[float, float, float] | Fence, policy: Policy) -> list[Flag]:
    """far_from_household, outside_fence, low_accuracy, late_sync or synced_too_late (the
    check-ins' offline window; impossible travel is judged with the check-in rules, against
    the cadre's previous fix)."""
    flags: list[Flag] = []
    if facts.queued:
        late = timing_reason(facts.recorded_at, facts.received_at, False, policy)
        if late is not None:
            flags.append(Flag(late.code, {"delay_hours": round(late.params["delay_hours"], 1),
                                          "limit_hours": late.params["limit_hours"]}))
    if not facts.in_person or facts.lat is None or facts.lon is None:
        return flags
    if facts.accuracy_m is not None and facts.accuracy_m > policy.max_accuracy_m:
        flags.append(Flag("low_accuracy", {"accuracy_m": facts.accuracy_m,
                                           "limit_m": policy.max_accuracy_m}))
    if not isinstance(fence, Fence):
        fence = Fence(*fence)
    outside = outside_reason(facts.lat, facts.lon, fence)
    if outside is not None and fence.boundary is not None:
        flags.append(Flag("outside_fence", {"outside_m": round(outside.params["outside_m"])}))
    elif outside is not None:
        flags.append(Flag("outside_fence", {"distance_m": round(outside.params["distance_m"])}))
    if household is not None:
        away = distance_m(facts.lat, facts.lon, household[0], household[1])
        if away > policy.far_from_household_m:
            flags.append(Flag("far_from_household", {"distance_m": round(away),
                                                     "limit_m": policy.far_from_household_m}))
    return flags


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: datetime | None  # aware: a camera's local time is read in the deployment zone
    exif_lat: float | None
    exif_lon: float | None
    pipeline_flags: tuple[str, ...]


def photo_flags(photo: PhotoFacts, visit_at: datetime, reported: tuple[float, float] | None,
                duplicate_distance: int | None, policy: Policy) -> list[Flag]:
    """no_exif_time, photo_old, exif_gps_far, duplicate_photo."""
    flags: list[Flag] = []
    if photo.taken_at is None:
        flags.append(Flag("no_exif_time", {}))
    else:
        age_h = (visit_at - photo.taken_at).total_seconds() / 3600
        if age_h > policy.photo_old_hours:
            flags.append(Flag("photo_old", {"age_hours": round(age_h),
                                            "limit_hours": policy.photo_old_hours}))
    if reported is not None and photo.exif_lat is not None and photo.exif_lon is not None:
        away = distance_m(photo.exif_lat, photo.exif_lon, reported[0], reported[1])
        if away > policy.exif_gps_far_m:
            flags.append(Flag("exif_gps_far", {"distance_m": round(away),
                                               "limit_m": policy.exif_gps_far_m}))
    if duplicate_distance is not None:
        flags.append(Flag("duplicate_photo", {"bits": duplicate_distance}))
    return flags


def is_accurate_fix(accuracy_m: float | None, policy: Policy) -> bool:
    return accuracy_m is not None and accuracy_m <= policy.max_accuracy_m



# A visit's position may become the household's only when its evidence holds: recorded
# inside the village fence with an accurate fix and no impossible travel, and none of its
# photos reused, old or taken elsewhere (issue 15: a position was offered for confirming
# from a visit outside the fence with an old, reused photo).
POSITION_BREAKING_VISIT_FLAGS: frozenset[str] = frozenset({
    "outside_fence", "low_accuracy", "impossible_travel"})
POSITION_BREAKING_PHOTO_FLAGS: frozenset[str] = frozenset({
    "duplicate_photo", "photo_old", "exif_gps_far"})


def position_evidence_holds(visit_flags: Iterable[str],
                            photo_flags: Iterable[Iterable[str]]) -> bool:
    """Whether a visit's position may be proposed and confirmed as its household's."""
    if POSITION_BREAKING_VISIT_FLAGS & set(visit_flags):
        return False
    return not any(POSITION_BREAKING_PHOTO_FLAGS & set(flags) for flags in photo_flags)


def check_photos(kind: str, photos: int, policy: Policy) -> None:
    """A visit in person needs a photo only where the deployment requires one
    (`visit_photo_required`, off by default: photo proof is not the measure of work); a
    contact by phone never does."""
    if policy.visit_photo_required and kind == "visit" and photos == 0:
        raise Refusal("photo_required", field="photos")
