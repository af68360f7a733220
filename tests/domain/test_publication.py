"""Published months: a month is published once over; the snapshot's digest; late changes
team by team; publishing again is the same snapshot or a correction with a reason."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.publication import (
    Change,
    canonical,
    digest,
    late_changes,
    month_finished,
    publishable,
    republish,
    without_awards,
)
from checkin.domain.refusal import Refusal

OCTOBER_LAST = date(2026, 10, 31)


@pytest.mark.parametrize(("today", "finished"), [
    (date(2026, 10, 15), False),
    (date(2026, 10, 31), False),  # the last day is not over until it ends
    (date(2026, 11, 1), True),
    (date(2027, 3, 1), True),
])
def test_a_month_is_published_once_it_is_over(today: date, finished: bool) -> None:
    assert month_finished(OCTOBER_LAST, today) is finished


def test_an_unfinished_month_is_refused_with_the_first_day_it_may_be_published() -> None:
    with pytest.raises(Refusal) as refused:
        publishable(OCTOBER_LAST, date(2026, 10, 31), "2026-10")
    assert refused.value.code == "month_not_finished"
    assert refused.value.params == {"month": "2026-10", "day": "2026-11-01"}
    publishable(OCTOBER_LAST, date(2026, 11, 1), "2026-10")


def test_the_digest_is_of_the_canonical_text() -> None:
    assert canonical({"b": 1, "a": "村"}) == '{"a":"村","b":1}'
    assert digest({"b": 1, "a": [1.5]}) == digest({"a": [1.5], "b": 1})
    assert digest({"a": 1}) != digest({"a": 2}) and len(digest({})) == 64


def test_a_provisional_month_has_no_awards() -> None:
    rows = [{"team_id": 1, "award": "red_flag", "rank": 1},
            {"team_id": 2, "award": "yellow_card", "rank": 2}]
    assert without_awards(rows) == [{"team_id": 1, "award": None, "rank": 1},
                                    {"team_id": 2, "award": None, "rank": 2}]
    assert rows[0]["award"] == "red_flag"  # the input is left as it was


def _row(team_id: int, rank: int, score: float, award: str | None, days: int) -> dict:
    return {"team_id": team_id, "team_code": f"T{team_id}", "village_name": f"V{team_id}",
            "rank": rank, "score": score, "award": award, "counted_days": days,
            "parts": {"attendance": score}}


@pytest.mark.parametrize(("published", "now", "expected"), [
    # nothing moved
    ([_row(1, 1, 90.0, "red_flag", 20)], [_row(1, 1, 90.0, "red_flag", 20)], {}),
    # late days lift team 2 over team 1: both teams changed
    ([_row(1, 1, 90.0, "red_flag", 20), _row(2, 2, 40.0, None, 3)],
     [_row(2, 1, 95.0, "red_flag", 31), _row(1, 2, 90.0, None, 20)],
     {2: {"rank": Change(2, 1), "score": Change(40.0, 95.0), "award": Change(None, "red_flag"),
          "counted_days": Change(3, 31)},
      1: {"rank": Change(1, 2), "award": Change("red_flag", None)}}),
    # a part changes without touching what is compared: not a late change
    ([_row(1, 1, 90.0, None, 20)], [{**_row(1, 1, 90.0, None, 20), "parts": {}}], {}),
    # a team found only now, and one gone
    ([_row(1, 1, 90.0, "red_flag", 20)], [_row(2, 1, 80.0, "red_flag", 9)],
     {2: {"rank": Change(None, 1), "score": Change(None, 80.0),
          "award": Change(None, "red_flag"), "counted_days": Change(None, 9)},
      1: {"rank": Change(1, None), "score": Change(90.0, None),
          "award": Change("red_flag", None), "counted_days": Change(20, None)}}),
])
def test_late_changes_team_by_team(published: list, now: list, expected: dict) -> None:
    found = late_changes(published, now)
    assert [c.team_id for c in found] == list(expected)  # by the rank now, gone teams last
    assert {c.team_id: c.changes for c in found} == expected
    assert all(c.team_code == f"T{c.team_id}" for c in found)


@pytest.mark.parametrize(("stored", "fresh", "reason", "answer"), [
    ("a" * 64, "a" * 64, "", "same"),
    ("a" * 64, "a" * 64, "补录", "same"),  # nothing to correct
    ("a" * 64, "b" * 64, "乡镇补录了考勤", "correction"),
    ("a" * 64, "b" * 64, "", "bulletin_published"),
    ("a" * 64, "b" * 64, "   ", "bulletin_published"),
    ("a" * 64, "b" * 64, "x" * 501, "invalid_text"),
])
def test_publishing_again(stored: str, fresh: str, reason: str, answer: str) -> None:
    try:
        got = republish(stored, fresh, reason, date(2026, 11, 18), 2)
    except Refusal as refusal:
        got = refusal.code
        if answer == "bulletin_published":
            assert refusal.field == "correction_reason"
            assert refusal.params == {"date": "2026-11-18", "teams": 2}
    assert got == answer


# Snapshot formats: an old snapshot stays readable ------------------------------------
from checkin.domain.publication import FORMAT, format_of, readable  # noqa: E402

V1_ROW = {"team_id": 7, "team_code": "T7", "village_id": 70, "village_name": "东村",
          "unit": "县林业局", "score": 71.5, "rank": 2,
          "parts": {"attendance": 80.0, "coverage": 60.0, "spotcheck": 50.0},
          "award": "yellow_card", "satisfaction_warning": False, "spotchecks": 2,
          "spotcheck_failures": 1, "satisfaction_answers": 0, "counted_days": 40,
          "expected_days": 50.0}
V1 = {"month": "2026-10", "area_id": 1, "area_name": "县", "rows": [V1_ROW], "units": [],
      "cadres": [], "findings": [{"item_id": 3, "kind": "presence", "user_id": 9,
                                  "user_name": "张三", "village_name": "东村",
                                  "outcome": "not_confirmed", "verdict": "fail",
                                  "day": "2026-10-12"}]}


@pytest.mark.parametrize(("content", "version"), [
    (V1, 1), ({"format": 2}, 2), ({"format": "2"}, 1), ({}, 1)])
def test_a_snapshot_without_a_format_is_format_1(content: dict, version: int) -> None:
    assert format_of(content) == version


def test_a_format_1_snapshot_reads_in_the_current_shape_without_inventing_figures() -> None:
    read = readable(V1)
    assert read["format"] == 1 and read["weights"] is None and read["groups"] == {}
    (row,) = read["rows"]
    parts = {p["name"]: p for p in row["details"]}
    assert parts["attendance"]["made_of"] == [["days", 40, 50.0]]
    assert parts["spotcheck"]["made_of"] == [["passed", 1, 2]]
    assert parts["coverage"]["made_of"] == []  # not recorded in format 1
    assert parts["satisfaction"]["missing"] == "no_answers"
    assert all(p["weight"] is None for p in parts.values())
    assert row["missing"] == ["satisfaction"]
    assert row["findings"] == [{"kind": "presence", "method": None,
                                "outcome": "not_confirmed", "day": "2026-10-12",
                                "user_name": "张三"}]
    assert V1["rows"][0] is V1_ROW and "details" not in V1_ROW  # the stored data unchanged
    assert digest(V1) == digest(dict(V1))


def test_a_current_snapshot_reads_as_it_is() -> None:
    current = {"format": FORMAT, "rows": [{"details": []}]}
    assert readable(current) == current
