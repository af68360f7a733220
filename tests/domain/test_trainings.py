"""Table tests for trainings and quarterly meetings: the rotating token, judging a sign-in,
the organiser's mark, training days in the 200-day ledger, and the shortfalls."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from checkin.domain import trainings
from checkin.domain.attendance import LeaveSpan, yearly_ledger
from checkin.domain.geofence import Fence
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

CST = timezone(timedelta(hours=8))
KEY = b"k" * 32
NOW = datetime(2026, 11, 10, 9, 30, 30, tzinfo=CST)
VENUE = Fence(30.74, 116.36, 300.0)
SESSION = trainings.Session(7, date(2026, 11, 9), date(2026, 11, 12), time(8, 30),
                            time(17, 30), VENUE)


@pytest.mark.parametrize(("made_seconds_before", "session_id", "ok"), [
    (0, 7, True),            # the slot on the screen
    (59, 7, True),           # scanned at the end of the minute, sent now
    (61, 7, True),           # the slot before the current one: still fine
    (121, 7, False),         # a photo forwarded two minutes later: expired
    (3600, 7, False),        # an hour-old photo in a chat group
    (0, 8, False),           # another session's code
    (-120, 7, False),        # a code from the future (a stolen key?): refused
])
def test_a_token_lives_about_a_minute(made_seconds_before: int, session_id: int,
                                      ok: bool) -> None:
    made = NOW - timedelta(seconds=made_seconds_before)
    token = trainings.token_for(KEY, session_id, trainings.slot_of(made))
    if ok:
        trainings.check_token(KEY, 7, token, NOW)
    else:
        with pytest.raises(Refusal) as err:
            trainings.check_token(KEY, 7, token, NOW)
        assert err.value.code in {"training_token_expired", "training_token_invalid"}


@pytest.mark.parametrize("token", ["", "abc", "123", "123.deadbeefdeadbeef", ".x"])
def test_a_made_up_token_is_invalid(token: str) -> None:
    with pytest.raises(Refusal) as err:
        trainings.check_token(KEY, 7, token, NOW)
    assert err.value.code == "training_token_invalid"


@pytest.mark.parametrize(("local", "ok"), [
    (datetime(2026, 11, 10, 9, 0, tzinfo=CST), True),
    (datetime(2026, 11, 9, 7, 30, tzinfo=CST), True),    # an hour early: taken
    (datetime(2026, 11, 9, 7, 29, tzinfo=CST), False),
    (datetime(2026, 11, 12, 17, 30, tzinfo=CST), True),  # the last minute
    (datetime(2026, 11, 12, 17, 31, tzinfo=CST), False),
    (datetime(2026, 11, 13, 9, 0, tzinfo=CST), False),   # the day after
    (datetime(2026, 11, 8, 9, 0, tzinfo=CST), False),    # the day before
])
def test_the_sessions_hours(local: datetime, ok: bool) -> None:
    assert trainings.in_hours(SESSION, local) is ok


@pytest.mark.parametrize(("lat", "lon", "accuracy", "received", "counts", "flags"), [
    (30.74, 116.36, 20, NOW, True, ()),
    (30.7420, 116.36, 20, NOW, True, ()),                       # ~220 m: inside 300
    (30.7450, 116.36, 20, NOW, False, ("outside_fence",)),      # ~550 m
    (30.80, 116.50, 20, NOW, False, ("outside_fence",)),        # at home, 15 km away
    (30.74, 116.36, 900, NOW, False, ("low_accuracy",)),
    (30.74, 116.36, 20, NOW.replace(hour=20), False, ("outside_hours",)),
])
def test_a_signin_counts_inside_the_fence_in_the_hours(
        lat: float, lon: float, accuracy: float, received: datetime, counts: bool,
        flags: tuple[str, ...]) -> None:
    verdict = trainings.judge_signin(SESSION, lat, lon, accuracy, received, received, Policy())
    assert (verdict.counts, verdict.flags) == (counts, flags)


def test_a_phone_clock_far_off_does_not_count() -> None:
    verdict = trainings.judge_signin(SESSION, 30.74, 116.36, 20, NOW - timedelta(hours=3),
                                     NOW, Policy())
    assert verdict.flags == ("clock_disagrees",) and not verdict.counts


@pytest.mark.parametrize(("day", "today", "reason", "code"), [
    (date(2026, 11, 10), date(2026, 11, 10), "signed the paper list", None),
    (date(2026, 11, 11), date(2026, 11, 10), "will come", "training_day_future"),
    (date(2026, 11, 20), date(2026, 11, 25), "late", "training_day_outside"),
    (date(2026, 11, 10), date(2026, 11, 10), "  ", "training_mark_needs_reason"),
])
def test_the_organisers_mark(day: date, today: date, reason: str, code: str | None) -> None:
    if code is None:
        trainings.check_mark(day, SESSION.first_day, SESSION.last_day, today, reason)
        return
    with pytest.raises(Refusal) as err:
        trainings.check_mark(day, SESSION.first_day, SESSION.last_day, today, reason)
    assert err.value.code == code


@pytest.mark.parametrize(("kind", "days", "hours", "radius", "audience", "n", "code"), [
    ("training", 4, (8, 17), 300, "all", 30, None),
    ("meeting", 1, (9, 12), 200, "first_secretaries", 12, None),
    ("party", 1, (9, 12), 200, "all", 3, "training_bad_kind"),
    ("training", 0, (8, 17), 300, "all", 3, "training_days_reversed"),
    ("training", 31, (8, 17), 300, "all", 3, "training_too_long"),
    ("training", 1, (17, 8), 300, "all", 3, "training_hours_reversed"),
    ("training", 1, (8, 17), 5, "all", 3, "training_bad_radius"),
    ("training", 1, (8, 17), 300, "everyone", 3, "training_bad_audience"),
    ("training", 1, (8, 17), 300, "list", 0, "training_nobody_invited"),
])
def test_what_a_session_may_be(kind: str, days: int, hours: tuple[int, int], radius: float,
                               audience: str, n: int, code: str | None) -> None:
    first = date(2026, 11, 9)
    args = (kind, "业务培训", first, first + timedelta(days=days - 1), time(hours[0]),
            time(hours[1]), radius, audience, n)
    if code is None:
        trainings.validate_session(*args)
        return
    with pytest.raises(Refusal) as err:
        trainings.validate_session(*args)
    assert err.value.code == code


# Training days in the 200-day ledger ------------------------------------------------------

YEAR_START = date(2026, 1, 1)


def _session_spans(days: list[date], kind: str = "training") -> list[LeaveSpan]:
    """What the ledger service hands the domain for attended session days."""
    return [LeaveSpan(trainings.ledger_kind(kind), d, d, "approved") for d in days]


@pytest.mark.parametrize(("on_post", "session", "leave", "training", "counted"), [
    # four days at a course, none in the village: 4 training days, all counted
    ([], [date(2026, 3, d) for d in (2, 3, 4, 5)], [], 4, 4),
    # checked in in the village in the morning, then at the course: counted once
    ([date(2026, 3, 2)], [date(2026, 3, 2)], [], 0, 1),
    # a course the county organised and training leave asked for the same days: once
    ([], [date(2026, 3, 2)], [LeaveSpan("training", date(2026, 3, 2), date(2026, 3, 3),
                                        "approved")], 2, 2),
])
def test_a_day_of_training_counts_once(on_post: list[date], session: list[date],
                                       leave: list[LeaveSpan], training: int,
                                       counted: int) -> None:
    ledger = yearly_ledger(2026, set(on_post), _session_spans(session) + leave, YEAR_START,
                           None, date(2026, 3, 31), Policy())
    assert (ledger.training_days, ledger.counted_days) == (training, counted)


def test_a_meeting_day_is_official_business() -> None:
    ledger = yearly_ledger(2026, set(), _session_spans([date(2026, 3, 2)], "meeting"),
                           YEAR_START, None, date(2026, 3, 31), Policy())
    assert (ledger.official_days, ledger.training_days, ledger.counted_days) == (1, 0, 1)


# Shortfalls -------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "term_start", "term_end", "expected"), [
    (date(2026, 1, 1), YEAR_START, None, 0),        # nothing has ended yet
    (date(2026, 7, 3), YEAR_START, None, 1),        # 183 days ended: 4 × 183 / 365 = 2.0 -> 2
    (date(2026, 12, 31), YEAR_START, None, 3),      # 364 days ended
    (date(2027, 1, 5), YEAR_START, None, 4),        # the year is over: the whole target
    (date(2027, 1, 5), date(2026, 10, 1), None, 1),  # a term from October: its share
    (date(2026, 6, 1), date(2026, 7, 1), None, 0),  # the term has not begun
])
def test_training_days_expected_by_today(today: date, term_start: date,
                                         term_end: date | None, expected: int) -> None:
    got = trainings.expected_training_days(4, 2026, today, term_start, term_end)
    if today == date(2026, 7, 3):
        expected = 4 * 183 // 365
    assert got == expected


@pytest.mark.parametrize(("session", "leave", "expected", "short"), [
    ({date(2026, 3, d) for d in (2, 3, 4, 5)}, set(), 4, False),
    ({date(2026, 3, 2)}, {date(2026, 3, 2), date(2026, 3, 3)}, 4, True),  # 2 days, not 3
    (set(), set(), 0, False),
    (set(), {date(2026, 5, 1)}, 1, False),
])
def test_short_of_training(session: set[date], leave: set[date], expected: int,
                           short: bool) -> None:
    found = trainings.shortfall(1, session, set(), leave, [], set(), expected, Policy(),
                                date(2026, 12, 1))
    assert found.short_of_training is short


@pytest.mark.parametrize(("invited", "attended", "today", "missed"), [
    ([(1, date(2026, 3, 20)), (2, date(2026, 6, 20))], {1, 2}, date(2026, 7, 1), ()),
    ([(1, date(2026, 3, 20)), (2, date(2026, 6, 20))], {1}, date(2026, 7, 1), (2,)),
    ([(1, date(2026, 3, 20))], set(), date(2026, 3, 20), ()),  # still on: not missed yet
    ([(1, date(2026, 3, 20))], set(), date(2026, 3, 21), (1,)),
])
def test_a_meeting_missed(invited: list[tuple[int, date]], attended: set[int], today: date,
                          missed: tuple[int, ...]) -> None:
    assert trainings.missed_meetings(invited, attended, today) == missed


def test_days_the_organiser_marked_are_counted_and_told() -> None:
    marked = {date(2026, 3, 2), date(2026, 3, 3)}
    found = trainings.shortfall(1, marked | {date(2026, 3, 4)}, marked, set(), [], set(), 4,
                                Policy(), date(2026, 12, 1))
    assert (found.training_days, found.marked_days, found.short_of_training) == (3, 2, True)


@pytest.mark.parametrize(("meetings", "today", "missing"), [
    ({1: date(2026, 2, 1), 2: date(2026, 5, 1)}, date(2026, 10, 1), (3,)),
    ({}, date(2026, 4, 1), (1,)),
    ({}, date(2026, 3, 31), ()),  # the quarter has not ended
    ({1: date(2026, 2, 1)}, date(2027, 1, 1), (2, 3, 4)),
])
def test_quarters_without_a_meeting(meetings: dict[int, date], today: date,
                                    missing: tuple[int, ...]) -> None:
    assert trainings.quarters_without_meeting(meetings, 2026, today) == missing


def test_slots_are_minutes_of_utc() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert trainings.slot_of(moment + timedelta(seconds=59)) == trainings.slot_of(moment)
    assert trainings.slot_of(moment + timedelta(seconds=60)) == trainings.slot_of(moment) + 1
