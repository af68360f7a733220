"""Working a week's spot checks (issue 15): when a result may be recorded, how a field
result's position is judged, corrections, the weekly workload and its shares, the
township pages of a county's list, and one call per household a week.

Decisions, where the issue is silent:

- A check's window opens: a presence check at the start of its 2-hour window (on its
  day); a visit back-check at the draw (the visit is last week's, the household may be
  called at once). A result before that is refused, unless the checker states why (the
  cadre was met by chance on an earlier trip, a household called back early); then it is
  kept with the flag `early_result` and the reason, for the county to see.
- A field result is compared with the village: how far it is beyond the village's fence
  (the boundary where the village has one, else the circle's radius from the centre);
  more than `Policy.spotcheck_far_from_village_m` beyond is flagged `far_from_village`.
  The distance kept with the result is from the village centre. A field result without a
  position is flagged `field_without_position`. Flags never change the verdict: they are
  for the reader.
- A correction is a new record: it states a reason, must change something, and is
  refused once the result has an appeal (the county is then seized of it: the appeal is
  the path). Its verdict is decided from the leave as it was known when the check was
  first recorded, so a correction cannot turn leave approved afterwards into an excuse
  (事后补批 never erases a finding; that is an appeal).
- A checker takes at most `Policy.spotcheck_checker_week_cap` checks of one week; an
  area's draw at most `Policy.spotcheck_area_week_cap` (sampling.split_cap).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from checkin.domain.geofence import Fence, beyond_m, distance_m

EARLY_RESULT = "early_result"
FAR_FROM_VILLAGE = "far_from_village"
FIELD_WITHOUT_POSITION = "field_without_position"
RESULT_FLAGS: tuple[str, ...] = (EARLY_RESULT, FAR_FROM_VILLAGE, FIELD_WITHOUT_POSITION)


def window_opens(kind: str, day: date, window_start: time | None, drawn_at: datetime,
                 zone: tzinfo) -> datetime:
    """The moment from which a result of the check is accepted without a reason."""
    if kind == "presence":
        return datetime.combine(day, window_start or time(0), zone)
    return drawn_at


def timing(opens: datetime, now: datetime, early_reason: str) -> tuple[str | None, tuple[str, ...]]:
    """(refusal code or None, flags) for a result recorded at `now`."""
    if now >= opens:
        return None, ()
    if not early_reason.strip():
        return "result_before_window", ()
    return None, (EARLY_RESULT,)


def field_position(method: str, lat: float | None, lon: float | None, village: Fence,
                   far_m: float) -> tuple[float | None, tuple[str, ...]]:
    """(distance from the village centre in metres, flags) of a result. A phone result
    has neither; a field result far beyond the fence is flagged."""
    if method != "field":
        return None, ()
    if lat is None or lon is None:
        return None, (FIELD_WITHOUT_POSITION,)
    metres = distance_m(lat, lon, village.lat, village.lon)
    far = beyond_m(lat, lon, village, metres) > far_m
    return round(metres, 1), ((FAR_FROM_VILLAGE,) if far else ())


def join_flags(*groups: Iterable[str]) -> str:
    """Flags as the comma list stored on a result, in RESULT_FLAGS order, no repeats."""
    wanted = {flag for group in groups for flag in group}
    return ",".join(flag for flag in RESULT_FLAGS if flag in wanted)


@dataclass(frozen=True)
class Answer:
    """What a result or a correction says."""

    method: str
    outcome: str
    satisfaction: str | None
    note: str


def correction_problem(current: Answer, wanted: Answer, reason: str, has_appeal: bool
                       ) -> str | None:
    """The refusal code of a correction, or None when it may be stored."""
    if not reason.strip():
        return "result_correction_reason"
    if has_appeal:
        return "correction_after_appeal"
    if wanted == current:
        return "correction_changes_nothing"
    return None


COUNTY_OR_ABOVE = frozenset({"county", "city", "province"})


def lightening_problem(old_verdict: str, new_verdict: str, corrector_level: str | None,
                       corrector_id: int, recorder_id: int) -> str | None:
    """A correction that takes a serious finding away is an excuse in all but name, so it is
    held to the appeal's rule: made at the county or above, and not by whoever recorded the
    result. A correction that keeps a finding, or makes one, is anyone's in scope."""
    if old_verdict != "fail" or new_verdict == "fail":
        return None
    if corrector_level not in COUNTY_OR_ABOVE:
        return "correction_lightens_needs_county"
    if corrector_id == recorder_id:
        return "correction_lightens_own"
    return None


def checker_refusal(assigned_this_week: int, cap: int) -> str | None:
    """Whether one more check of the week may go to a checker who has `assigned_this_week`."""
    return "checker_week_full" if assigned_this_week >= cap else None


def share(part: int, whole: int) -> float | None:
    """part / whole, None when there is no whole (nothing to take a share of)."""
    if part < 0 or whole < 0:
        raise ValueError("counts must be >= 0")
    return None if whole == 0 else part / whole


def percent_text(value: float | None) -> str:
    """A share as a whole percentage the way a page says it ("34%"), "–" without one."""
    if value is None:
        return "–"
    return f"{math.floor(value * 100 + 0.5)}%"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, clamped to the pages there are
    pages: int
    offset: int
    size: int


def page_of(total: int, requested: int | None, size: int) -> Page:
    """The page of a list of `total` rows, `size` a page; any requested number is
    clamped (0, negatives, past the end), never an error."""
    if size <= 0:
        raise ValueError("size must be > 0")
    pages = max(1, math.ceil(total / size))
    number = min(max(requested or 1, 1), pages)
    return Page(number, pages, (number - 1) * size, size)


def one_per_household(visits: Sequence[tuple[str, int, float, date]]) -> list[str]:
    """Of (visit_id, household_id, risk, day), one visit per household: the riskiest, then
    the latest, then the highest id; in the order given. A household is asked about one
    visit a week, so two visits to it never make two calls."""
    best: dict[int, tuple[float, date, str]] = {}
    for visit_id, household, risk, day in visits:
        key = (risk, day, visit_id)
        if household not in best or key > best[household]:
            best[household] = key
    kept = {key[2] for key in best.values()}
    return [visit_id for visit_id, *_rest in visits if visit_id in kept]


def untaken_visits(visits: Sequence[tuple[str, int]], taken_households: Iterable[int]
                   ) -> list[str]:
    """Visit ids whose household no draw of the week calls yet: one call a household a
    week, whichever level (county, township) drew it first."""
    taken = set(taken_households)
    return [visit_id for visit_id, household in visits if household not in taken]
