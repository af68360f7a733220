"""Trainings (业务培训, at least 4 days a year) and the quarterly meeting with first
secretaries (002): the rotating sign-in token, judging a sign-in at the venue, the
organiser's mark, and the shortfalls (training days below target, meetings missed).

The token is an HMAC of the session and the minute (its slot): a photo of the QR code
sent to a chat group is worthless a minute or two later, and the sign-in still has to be
made inside the venue's fence during the session's hours."""

from __future__ import annotations

import calendar
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from checkin.domain import geofence
from checkin.domain.attendance import days_in_year
from checkin.domain.geofence import Fence, Reason
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

KINDS = ("training", "meeting")
AUDIENCES = ("all", "first_secretaries", "list")
# A token lives for its own slot and the one after it: scanned at the end of a minute and
# sent a moment later still works; a forwarded photo does not.
SLOT_SECONDS = 60
SLOTS_ACCEPTED = 2
# A sign-in is taken from this long before the session starts (people arrive early).
EARLY_MINUTES = 60
MAX_TITLE = 200
MAX_DAYS = 30
FLAGS = ("outside_fence", "low_accuracy", "outside_hours", "clock_disagrees", "clock_skew")
COUNT_VOIDING = frozenset({"outside_fence", "low_accuracy", "outside_hours",
                           "clock_disagrees"})


@dataclass(frozen=True)
class Session:
    """What judging a sign-in needs to know of a session."""

    id: int
    first_day: date
    last_day: date
    starts_at: time
    ends_at: time
    fence: Fence


def slot_of(moment: datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def token_for(key: bytes, session_id: int, slot: int) -> str:
    """The sign-in token of one session in one slot: `slot.mac` (16 hex digits)."""
    mac = hmac.new(key, f"training:{session_id}:{slot}".encode(), hashlib.sha256)
    return f"{slot}.{mac.hexdigest()[:16]}"


def check_token(key: bytes, session_id: int, token: str, now: datetime) -> None:
    """Raise a Refusal unless `token` was made for this session within the last slots."""
    slot_text, _dot, _mac = token.partition(".")
    try:
        slot = int(slot_text)
    except ValueError:
        raise Refusal("training_token_invalid", field="token") from None
    if not hmac.compare_digest(token_for(key, session_id, slot), token):
        raise Refusal("training_token_invalid", field="token")
    current = slot_of(now)
    if not current - SLOTS_ACCEPTED < slot <= current:
        raise Refusal("training_token_expired", field="token")


def in_hours(session: Session, local_moment: datetime) -> bool:
    """On a day of the session, from EARLY_MINUTES before it starts until it ends."""
    day = local_moment.date()
    if not session.first_day <= day <= session.last_day:
        return False
    opens = datetime.combine(day, session.starts_at, local_moment.tzinfo) - timedelta(
        minutes=EARLY_MINUTES)
    closes = datetime.combine(day, session.ends_at, local_moment.tzinfo)
    return opens <= local_moment <= closes


@dataclass(frozen=True)
class SigninVerdict:
    distance_m: float
    counts: bool
    flags: tuple[str, ...]
    reasons: tuple[Reason, ...]


def judge_signin(session: Session, lat: float, lon: float, accuracy_m: float,
                 recorded_at: datetime, received_local: datetime, policy: Policy
                 ) -> SigninVerdict:
    """A sign-in counts iff inside the venue's fence, accurate enough, during the
    session's hours (by the server's clock) and with a phone clock the server agrees
    with. A sign-in that does not count is kept, with its flags, as evidence."""
    geofence.validate_position(lat, lon, accuracy_m)
    dist = geofence.distance_m(lat, lon, session.fence.lat, session.fence.lon)
    reasons: list[Reason] = []
    if dist > session.fence.radius_m:
        reasons.append(Reason("outside_fence", {"distance_m": dist,
                                                "radius_m": session.fence.radius_m}))
    if accuracy_m > policy.max_accuracy_m:
        reasons.append(Reason("low_accuracy", {"accuracy_m": accuracy_m,
                                               "limit_m": policy.max_accuracy_m}))
    if not in_hours(session, received_local):
        reasons.append(Reason("outside_hours"))
    timing = geofence.timing_reason(recorded_at, received_local, True, policy)
    if timing is not None:
        reasons.append(timing)
    flags = tuple(r.code for r in reasons)
    return SigninVerdict(dist, not COUNT_VOIDING.intersection(flags), flags, tuple(reasons))


def validate_session(kind: str, title: str, first_day: date, last_day: date,
                     starts_at: time, ends_at: time, radius_m: float, audience: str,
                     invitees: int) -> None:
    """Raise a Refusal unless a session may be made like this."""
    if kind not in KINDS:
        raise Refusal("training_bad_kind", field="kind", kind=kind)
    if not title.strip() or len(title) > MAX_TITLE:
        raise Refusal("invalid_text", field="title", name="title", limit=MAX_TITLE)
    if last_day < first_day:
        raise Refusal("training_days_reversed", field="last_day")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise Refusal("training_too_long", field="last_day", max_days=MAX_DAYS)
    if ends_at <= starts_at:
        raise Refusal("training_hours_reversed", field="ends_at")
    if not 10.0 <= radius_m <= 5000.0:
        raise Refusal("training_bad_radius", field="radius_m", low=10, high=5000)
    if audience not in AUDIENCES:
        raise Refusal("training_bad_audience", field="audience", audience=audience)
    if invitees == 0:
        raise Refusal("training_nobody_invited", field="audience")


def check_mark(day: date, first_day: date, last_day: date, today: date, reason: str) -> None:
    """The organiser may mark someone present on a day of the session that has begun,
    and says why (the mark is shown as such on every page and in the file)."""
    if not first_day <= day <= last_day:
        raise Refusal("training_day_outside", field="day", first=first_day, last=last_day)
    if day > today:
        raise Refusal("training_day_future", field="day")
    if not reason.strip():
        raise Refusal("training_mark_needs_reason", field="reason")


# Shortfalls -----------------------------------------------------------------------------

def expected_training_days(per_year: int, year: int, today: date, term_start: date,
                           term_end: date | None) -> int:
    """Training days expected by today: the yearly target pro-rated to the term's days in
    the year that have ended by today (rounded down: a part of a course is not owed yet);
    the whole target once the year (or the term) is over."""
    first = max(date(year, 1, 1), term_start)
    last = date(year, 12, 31) if term_end is None else min(date(year, 12, 31), term_end)
    if last < first:
        return 0
    elapsed = (min(last, today - timedelta(days=1)) - first).days + 1
    if elapsed <= 0:
        return 0
    return per_year * elapsed // days_in_year(year)


def training_days(session_days: AbstractSet[date], leave_days: AbstractSet[date]) -> int:
    """Days of training of a year: days at a session the organisers took attendance of,
    and days of approved training leave (a course elsewhere); a day is counted once."""
    return len(set(session_days) | set(leave_days))


@dataclass(frozen=True)
class Shortfall:
    user_id: int
    training_days: int
    expected_days: int
    target_days: int
    marked_days: int  # of training_days, days the organiser marked (no sign-in)
    meetings_invited: int
    meetings_missed: tuple[int, ...]  # session ids

    @property
    def short_of_training(self) -> bool:
        return self.training_days < self.expected_days

    @property
    def any(self) -> bool:
        return self.short_of_training or bool(self.meetings_missed)


def missed_meetings(invited: Iterable[tuple[int, date]], attended: AbstractSet[int],
                    today: date) -> tuple[int, ...]:
    """Meetings (session id, last day) the person was asked to and did not attend, once
    the meeting is over."""
    return tuple(sorted(session_id for session_id, last_day in invited
                        if last_day < today and session_id not in attended))


def shortfall(user_id: int, session_days: AbstractSet[date], marked_days: AbstractSet[date],
              leave_days: AbstractSet[date], meetings: Sequence[tuple[int, date]],
              meetings_attended: AbstractSet[int], expected: int, policy: Policy,
              today: date) -> Shortfall:
    return Shortfall(
        user_id=user_id,
        training_days=training_days(session_days, leave_days),
        expected_days=expected,
        target_days=policy.training_days_per_year,
        marked_days=len(set(marked_days) - set(leave_days)),
        meetings_invited=len(meetings),
        meetings_missed=missed_meetings(meetings, meetings_attended, today),
    )


def ledger_kind(session_kind: str) -> str:
    """The day category a session's attended day takes in the 200-day ledger: a training
    is 'training'; a meeting at the county seat is official business ('official')."""
    return "training" if session_kind == "training" else "official"


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarters_without_meeting(meeting_days: Mapping[int, date], year: int, today: date
                             ) -> tuple[int, ...]:
    """Finished quarters of `year` in which the area held no meeting (the county's own
    shortfall: 每季度至少组织第一书记召开1次工作会议)."""
    held = {quarter_of(day) for day in meeting_days.values() if day.year == year}
    finished = [q for q in (1, 2, 3, 4)
                if date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]) < today]
    return tuple(q for q in finished if q not in held)
