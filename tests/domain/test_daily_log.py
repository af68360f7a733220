"""Table tests for the daily log (日纪实): which entries are taken, the chain of versions,
and the draft made from the day's records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkin.domain.daily_log import (
    DAYS_BACK,
    MAX_TEXT,
    CheckinFact,
    LeaveFact,
    Version,
    VisitFact,
    check_supersedes,
    draft_items,
    in_order,
    newest,
    validate_entry,
)
from checkin.domain.refusal import Refusal

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text, day, code",
    [
        ("走访了3户", TODAY, None),
        ("  走访了3户 \n", TODAY, None),
        ("昨晚补记", TODAY - timedelta(days=1), None),
        ("一周前", TODAY - timedelta(days=DAYS_BACK), None),
        ("太久", TODAY - timedelta(days=DAYS_BACK + 1), "daily_log_too_old"),
        ("明天", TODAY + timedelta(days=1), "daily_log_future"),
        ("", TODAY, "daily_log_empty"),
        (" \n\t ", TODAY, "daily_log_empty"),
        ("字" * MAX_TEXT, TODAY, None),
        ("字" * (MAX_TEXT + 1), TODAY, "daily_log_too_long"),
    ],
)
def test_an_entry_is_some_text_for_today_or_the_last_week(text, day, code):
    if code is None:
        assert validate_entry(text, day, TODAY) == text.strip()
    else:
        with pytest.raises(Refusal) as caught:
            validate_entry(text, day, TODAY)
        assert caught.value.code == code


A = Version("a", None)
B = Version("b", "a")
C = Version("c", "b")


@pytest.mark.parametrize(
    "versions, head",
    [([], None), ([A], "a"), ([A, B], "b"), ([A, B, C], "c"), ([C, A, B], "c")],
)
def test_the_log_is_the_version_nothing_replaces(versions, head):
    found = newest(versions)
    assert (found.id if found else None) == head


@pytest.mark.parametrize(
    "versions, supersedes, code",
    [
        ([], None, None),  # the day's first entry
        ([A], None, "daily_log_exists"),  # one per day: a second first entry is refused
        ([A], "a", None),  # an edit of the newest
        ([A, B], "a", "daily_log_stale"),  # edited from an older copy
        ([A, B], "b", None),
        ([A], "zzz", "daily_log_unknown_version"),
        ([], "a", "daily_log_unknown_version"),
    ],
)
def test_an_edit_replaces_the_newest_version(versions, supersedes, code):
    if code is None:
        check_supersedes(versions, supersedes)
    else:
        with pytest.raises(Refusal) as caught:
            check_supersedes(versions, supersedes)
        assert caught.value.code == code


def test_the_draft_lists_leave_then_the_days_records_by_time():
    items = draft_items(
        [CheckinFact("08:10", True, 120.4), CheckinFact("18:30", False, 2400)],
        [VisitFact("10:05", "visit", "王大山", "看望"), VisitFact("09:00", "contact", "李四", "")],
        [LeaveFact("official", TODAY, TODAY)])
    assert [(i.kind, i.at) for i in items] == [
        ("leave", ""), ("checkin", "08:10"), ("contact", "09:00"), ("visit", "10:05"),
        ("checkin", "18:30")]
    assert items[1].params == {"counts": True, "distance_m": 120}
    assert items[3].params == {"household": "王大山", "note": "看望"}
    assert draft_items([], [], []) == []


@pytest.mark.parametrize(
    "versions, ids",
    [([], []), ([C, A, B], ["a", "b", "c"]), ([B, A], ["a", "b"]), ([C], ["c"])],
)
def test_versions_are_listed_along_the_chain(versions, ids):
    assert [v.id for v in in_order(versions)] == ids
