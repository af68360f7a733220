"""Why a record was flagged, and why it is worth a spot check, in the reader's language.

The domain gives codes and numbers (:class:`~checkin.domain.geofence.Reason`,
:class:`~checkin.domain.risk.RiskReason`); the sentences are gettext msgids here, with named
``%(name)s`` placeholders, Chinese in messages.po.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from checkin.domain.geofence import Reason
from checkin.domain.risk import RiskReason

# Flags of a check-in or visit (the geofence's reasons); numbers are formatted by _num.
FLAG_TEXTS: Mapping[str, LazyString] = {
    "low_accuracy": _l("Accuracy %(accuracy_m)s m is worse than the %(limit_m)s m limit"),
    "outside_fence": _l("%(distance_m)s m from the village centre, outside the %(radius_m)s m "
                        "fence"),
    "outside_boundary": _l("%(outside_m)s m outside the village boundary"),
    "late_sync": _l("Recorded offline and sent %(delay_hours)s h later, more than "
                    "%(limit_hours)s h"),
    "clock_skew": _l("The phone's clock is %(skew_minutes)s min off the server's, more than "
                     "%(limit_minutes)s min"),
    "synced_too_late": _l("Sent %(delay_hours)s h after it was made, beyond the "
                          "%(limit_hours)s h offline window: kept, but it does not count "
                          "for the day (ask for a make-up)"),
    "clock_disagrees": _l("The phone's clock is %(skew_minutes)s min off the server's, more "
                          "than the %(limit_minutes)s min allowed: kept, but it does not "
                          "count for the day"),
    "impossible_travel": _l("%(distance_m)s m from the previous fix in %(minutes)s min: "
                            "%(speed_kmh)s km/h, faster than %(limit_kmh)s km/h"),
    "impossible_travel_instant": _l("%(distance_m)s m from the previous fix made at the same "
                                    "moment"),
    "during_leave": _l("Checked in during approved leave (%(start)s to %(end)s): if you are "
                       "back, close the leave (销假)"),
}

# Why a sign-in at a training or meeting does not count (or is marked).
TRAINING_FLAG_TEXTS: Mapping[str, LazyString] = {
    "outside_fence": _l("outside the venue's fence"),
    "low_accuracy": _l("GPS fix too inaccurate"),
    "outside_hours": _l("outside the session's hours"),
    "clock_disagrees": _l("the phone's clock is far off"),
    "clock_skew": _l("the phone's clock is a little off"),
}


def training_flag_text(code: str) -> str:
    text = TRAINING_FLAG_TEXTS.get(code)
    return code if text is None else str(text)


# Why a record weighs in the spot-check draw.
RISK_TEXTS: Mapping[str, LazyString] = {
    "base": _l("Every record can be drawn for a spot check"),
    "base_checkin": _l("Every check-in can be drawn for a spot check"),
    "base_visit": _l("Every visit can be drawn for a spot check"),
    "low_accuracy": _l("The GPS fix is too inaccurate to trust"),
    "outside_fence": _l("The position is outside the village fence"),
    "impossible_travel": _l("Moving from the previous record would need an impossible speed"),
    "late_sync": _l("The record was uploaded long after it was made"),
    "clock_skew": _l("The phone's clock disagrees with the server"),
    "synced_too_late": _l("The record reached the server after the offline window"),
    "clock_disagrees": _l("The phone's clock was far off the server's: the record does not "
                          "count"),
    "far_from_household": _l("The visit was recorded far from the household"),
    "photo_old": _l("The photo was taken well before the visit"),
    "duplicate_photo": _l("The photo duplicates a photo of another record"),
    "exif_gps_far": _l("The photo's own GPS position is far from the record's"),
    "no_exif_time": _l("The photo has no time of capture"),
    "during_leave": _l("Checked in on a day of approved leave that was not closed"),
    "makeup_approved": _l("A make-up for a missed day was approved in the last four weeks"),
    "leave_after_start": _l("Leave was approved after it had begun, in the last four weeks"),
    "appeal_upheld": _l("A finding was excused on appeal in the last four weeks"),
    "other_flag": _l("Other flag: %(flag)s"),
    "failed_checks": _l("%(failed)s of %(checks)s earlier spot checks failed"),
    "not_checked_for": _l("Not spot-checked for %(days)s days"),
    "never_checked": _l("Never spot-checked"),
}


# A flag or a visit's purpose as a word or two: tags on pages, cells in exports.
FLAG_WORDS: Mapping[str, LazyString] = {
    "low_accuracy": _l("Low accuracy"),
    "outside_fence": _l("Outside the fence"),
    "late_sync": _l("Sent late"),
    "clock_skew": _l("Phone clock off"),
    "synced_too_late": _l("Sent after the offline window"),
    "clock_disagrees": _l("Phone clock wrong"),
    "impossible_travel": _l("Impossible travel"),
    "far_from_household": _l("Far from the household"),
    "no_exif_time": _l("No time in the photo"),
    "photo_old": _l("Old photo"),
    "exif_gps_far": _l("Photo taken elsewhere"),
    "duplicate_photo": _l("Photo used before"),
}
PURPOSE_WORDS: Mapping[str, LazyString] = {
    "policy": _l("Policy explanation"),
    "support": _l("Support measures"),
    "care": _l("Care visit"),
    "mediation": _l("Dispute mediation"),
}


def flag_word(code: str) -> str:
    """A flag's short name (the code itself if unknown)."""
    word = FLAG_WORDS.get(code)
    return code if word is None else str(word)


def purpose_word(code: str) -> str:
    """A visit purpose's name ('Other' for anything unknown)."""
    return str(PURPOSE_WORDS.get(code, _l("Other")))


class _Missing(dict[str, object]):
    """Renders a placeholder the reason lacks as '?' instead of failing the whole list."""

    def __missing__(self, key: str) -> str:
        return "?"


def flag_text(reason: Reason) -> str:
    """A check-in's or visit's flag as a sentence (the code itself if unknown or short of
    its numbers)."""
    key = reason.code
    if key == "impossible_travel" and "speed_kmh" not in reason.params:
        key = "impossible_travel_instant"
    if key == "outside_fence" and "outside_m" in reason.params:
        key = "outside_boundary"
    template = FLAG_TEXTS.get(key)
    if template is None:
        return reason.code
    numbers = {k: v if isinstance(v, str) else _num(v) for k, v in reason.params.items()}
    try:
        return str(template) % numbers
    except KeyError:  # a Reason built without all its numbers still names its code
        return reason.code


def record_reasons(reasons: Sequence[Mapping[str, Any]], flags: Sequence[str]) -> list[str]:
    """Why a check-in or visit was flagged, as sentences with its numbers: the stored
    reasons, then the short name of any flag without one."""
    texts = [flag_text(Reason(r["code"], r.get("params", {}))) for r in reasons]
    known = {r["code"] for r in reasons}
    return texts + [flag_word(f) for f in flags if f not in known]


def risk_text(reason: RiskReason) -> str:
    """A risk reason as a sentence (the code itself if unknown)."""
    key = reason.code
    if key == "base" and reason.params.get("kind") in ("checkin", "visit"):
        key = f"base_{reason.params['kind']}"
    template = RISK_TEXTS.get(key)
    if template is None:
        return reason.code
    return str(template) % _Missing(reason.params)


def _num(value: float) -> str:
    """Whole numbers from 100 up (metres, km/h); one decimal below, without a trailing .0."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100 or float(value).is_integer():
        return str(round(value))
    return f"{value:.1f}".removesuffix(".0")
